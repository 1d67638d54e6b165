/**
 * Server push for the web UI and scripts (`GET /visualizer/api/events`, server-sent events): one shared feed,
 * however many clients. While anyone listens it looks every `intervalMs` at the indexed runs (what `/runs`
 * answers) and at the engine's tick, and sends an `update` event to every client when something changed:
 * `{ runs, engine: { runId, tick } | null, indexLagTicks }`. A client whose connection does not take data as fast
 * (the socket's buffer is full) skips updates and gets the newest one when it drains: a slow client never makes
 * the node hold more than one update for it. Comments keep idle connections open; `retry` tells EventSource to
 * reconnect within 2 s after a node restart.
 */
import type { ServerResponse } from 'node:http';
import type { VisualizerService } from './visualizer-service.js';

export interface EngineTick {
  readonly runId: string;
  readonly tick: number;
}

interface Client {
  readonly res: ServerResponse;
  /** The socket's buffer is full: updates are skipped until it drains. */
  stalled: boolean;
  stalledSince: number;
  skipped: number;
}

export interface LiveFeedStats {
  readonly clients: number;
  readonly stalled: number;
  readonly updatesSent: number;
  readonly updatesSkipped: number;
}

const HEARTBEAT_MS = 15_000;
/** A client stalled this long is disconnected (its EventSource reconnects when it can read again). */
const STALLED_LIMIT_MS = 60_000;

export class LiveFeed {
  private readonly clients = new Set<Client>();
  private timer: NodeJS.Timeout | undefined;
  private last = '';
  private lastSentAt = 0;
  private busy = false;
  private sent = 0;
  private skipped = 0;

  constructor(
    private readonly service: VisualizerService,
    private readonly engineTick: () => EngineTick | undefined = () => undefined,
    private readonly intervalMs = 250,
  ) {}

  /** Takes over a response whose event-stream headers are written. */
  subscribe(res: ServerResponse): void {
    const client: Client = { res, stalled: false, stalledSince: 0, skipped: 0 };
    this.clients.add(client);
    res.on('close', () => {
      this.clients.delete(client);
      if (this.clients.size === 0) this.stop();
    });
    res.on('drain', () => {
      if (!client.stalled) return;
      client.stalled = false;
      if (this.last) this.write(client, this.last);
    });
    this.write(client, `retry: 2000\n\n`);
    if (this.last) this.write(client, this.last);
    this.timer ??= setInterval(() => void this.tick(), this.intervalMs);
    void this.tick();
  }

  stats(): LiveFeedStats {
    let stalled = 0;
    for (const c of this.clients) if (c.stalled) stalled++;
    return { clients: this.clients.size, stalled, updatesSent: this.sent, updatesSkipped: this.skipped };
  }

  /** Ends every client (the node is stopping). */
  close(): void {
    for (const c of this.clients) c.res.end();
    this.clients.clear();
    this.stop();
  }

  private stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private write(c: Client, text: string): void {
    if (c.stalled) {
      c.skipped++;
      this.skipped++;
      if (Date.now() - c.stalledSince > STALLED_LIMIT_MS) c.res.destroy();
      return;
    }
    if (!c.res.write(text)) {
      c.stalled = true;
      c.stalledSince = Date.now();
    }
  }

  private async tick(): Promise<void> {
    if (this.busy || this.clients.size === 0) return;
    this.busy = true;
    try {
      const runs = await this.service.listRuns();
      const engine = this.engineTick() ?? null;
      const newest = engine ? runs.find((r) => r.runId === engine.runId)?.ticks?.maxTick : undefined;
      const data = JSON.stringify({
        runs,
        engine,
        indexLagTicks: engine && newest !== undefined ? Math.max(0, engine.tick - newest) : null,
      });
      const event = `event: update\ndata: ${data}\n\n`;
      const now = Date.now();
      if (event !== this.last) {
        this.last = event;
        this.lastSentAt = now;
        this.sent++;
        for (const c of this.clients) this.write(c, event);
      } else if (now - this.lastSentAt > HEARTBEAT_MS) {
        this.lastSentAt = now;
        for (const c of this.clients) this.write(c, `: keepalive\n\n`);
      }
    } catch {
      // The index is briefly unreadable (a run being created): the next tick tries again.
    } finally {
      this.busy = false;
    }
  }
}
