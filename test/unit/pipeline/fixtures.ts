/** Deterministic synthetic chunks for tests (no runtime needed). */
import pino from 'pino';
import {
  chunkMessageOf,
  columnsOf,
  DeltaType,
  type ChunkMessage,
  type TickDataChunkProps,
} from '../../../src/pipeline/contracts/index.js';
import type { ServiceContext } from '../../../src/pipeline/api/service.js';

export const silentLogger = pino({ level: 'silent' });

/** A chunk of `samples` sampled ticks starting at `firstTick`, `interval` apart, with a few changing cells. */
export function syntheticChunk(
  runId: string,
  firstTick: number,
  samples = 5,
  interval = 1,
  accEvery = 2,
): TickDataChunkProps {
  const cells = (tick: number, n: number) => {
    const flatIndices = new Int32Array(n);
    const molecules = new Int32Array(n);
    const owners = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      flatIndices[i] = i * 7 + (tick % 3);
      molecules[i] = (1 << 20) | ((tick + i) & 0xffff);
      owners[i] = (i % 3) + 1;
    }
    return columnsOf({ flatIndices, molecules, owners });
  };
  const organisms = (tick: number) =>
    [1, 2, 3].map((id) => ({
      organismId: id,
      parentId: -1,
      birthTick: 0,
      programId: 'p',
      energy: 1000 - tick,
      ip: { components: [id, tick % 10] },
    }));
  const deltas = [];
  for (let k = 1; k < samples; k++) {
    const t = firstTick + k * interval;
    deltas.push({
      tickNumber: t,
      deltaType: k % accEvery === 0 ? DeltaType.ACCUMULATED : DeltaType.INCREMENTAL,
      changedCells: cells(t, 3),
      organisms: organisms(t),
      totalOrganismsCreated: 3,
    });
  }
  return {
    simulationRunId: runId,
    firstTick,
    lastTick: firstTick + (samples - 1) * interval,
    tickCount: samples,
    snapshot: {
      simulationRunId: runId,
      tickNumber: firstTick,
      organisms: organisms(firstTick),
      cells: cells(firstTick, 10),
      rngState: new Uint8Array([1, 2, 3]),
      totalOrganismsCreated: 3,
    },
    deltas,
  };
}

export function syntheticMessages(runId: string, chunks: number, samplesPerChunk = 5): ChunkMessage[] {
  const out: ChunkMessage[] = [];
  for (let i = 0; i < chunks; i++)
    out.push(chunkMessageOf(syntheticChunk(runId, i * samplesPerChunk, samplesPerChunk)));
  return out;
}

export function serviceContext(
  name: string,
  ports: Record<string, unknown>,
  options: Record<string, unknown> = {},
  dataDir = '.',
): ServiceContext {
  return { name, options, logger: silentLogger, dataDir, ports };
}

/** Polls `cond` every few ms until it holds or `timeoutMs` passes (no fixed sleeps). */
export async function waitUntil(cond: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export interface CapturedLog {
  level: number;
  msg: string;
  [k: string]: unknown;
}

/** A pino logger that keeps every record, so tests can assert exactly which warnings and errors happened. */
export function capturingLogger(): {
  logger: pino.Logger;
  records: CapturedLog[];
  at: (level: 'warn' | 'error' | 'info' | 'debug') => string[];
} {
  const records: CapturedLog[] = [];
  const logger = pino(
    { level: 'debug' },
    { write: (line: string) => void records.push(JSON.parse(line) as CapturedLog) },
  );
  const levels = { debug: 20, info: 30, warn: 40, error: 50 };
  return { logger, records, at: (level) => records.filter((r) => r.level === levels[level]).map((r) => r.msg) };
}
