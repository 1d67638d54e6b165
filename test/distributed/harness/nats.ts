/**
 * A NATS JetStream cluster on loopback for tests: N nats-server processes from the local binary, each with
 * its own generated config, store directory and random ports. Ready means every node answers its monitor
 * endpoint and the JetStream meta group has a leader.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePorts, spawnServer, ServerStartError, waitFor, type ManagedProcess } from './proc.js';

/** The nats-server ≥ 2.12 that scripts/fetch-nats-server.sh puts in the repository (CI does), if any. */
const FETCHED_NATS_SERVER = fileURLToPath(new URL('../../../.tools/bin/nats-server', import.meta.url));

/** EVO_TEST_NATS_SERVER (not EVOCHORA_*: the CLI rejects unknown EVOCHORA_ variables), else the fetched binary, else `nats-server` from PATH (Debian bookworm: 2.9.10). */
export const NATS_SERVER_BIN =
  process.env.EVO_TEST_NATS_SERVER ?? (existsSync(FETCHED_NATS_SERVER) ? FETCHED_NATS_SERVER : 'nats-server');

export interface NatsNode {
  readonly name: string;
  readonly port: number;
  readonly url: string;
  readonly monitorPort: number;
  process: ManagedProcess;
}

export interface NatsCluster {
  readonly nodes: NatsNode[];
  /** Comma-separated client URLs of every node. */
  readonly servers: string;
  /** SIGKILLs one node. */
  kill(name: string): Promise<void>;
  /** Starts a stopped node again with its old config and data. */
  restart(name: string): Promise<void>;
  /** The node name of the current leader of a stream (asked via the monitor endpoint of a live node). */
  streamLeader(stream: string): Promise<string | undefined>;
  /**
   * The broker can move the stream's messages: the stream and every durable consumer on it have a leader, and
   * no consumer is blind to what the stream holds. A stream whose consumer lost its raft quorum stores
   * publishes but delivers nothing; after nats-server 2.9 reset a stream's cluster state ("stream store EOF")
   * a consumer may report nothing pending and nothing unacknowledged while the stream is full.
   */
  streamServing(stream: string): Promise<boolean>;
  /** What every node says about a stream (leader, replicas, whether it hosts it) and its warnings about it. */
  describeStream(stream: string): Promise<string>;
  stop(): Promise<void>;
}

interface JszResponse {
  server_name?: string;
  meta_cluster?: { leader?: string; cluster_size?: number };
  account_details?: Array<{ stream_detail?: Array<StreamDetail> }>;
}

interface ClusterDetail {
  leader?: string;
  replicas?: Array<{ name: string; current: boolean }>;
}

interface StreamDetail {
  name: string;
  cluster?: ClusterDetail;
  state?: { messages?: number; first_seq?: number; last_seq?: number };
  consumer_detail?: Array<{
    name: string;
    cluster?: ClusterDetail;
    num_pending?: number;
    num_ack_pending?: number;
    num_waiting?: number;
    delivered?: { stream_seq?: number };
    ack_floor?: { stream_seq?: number };
  }>;
}

const DETAIL_QUERY = '?streams=true&consumers=true&accounts=true';

function replicasOf(c: ClusterDetail | undefined): string {
  return c?.replicas?.map((x) => `${x.name}${x.current ? '' : ' (not current)'}`).join(', ') ?? '-';
}

async function jsz(monitorPort: number, query = ''): Promise<JszResponse> {
  const res = await fetch(`http://127.0.0.1:${monitorPort}/jsz${query}`, { signal: AbortSignal.timeout(2000) });
  if (!res.ok) throw new Error(`/jsz answered ${res.status}`);
  return (await res.json()) as JszResponse;
}

export async function startNatsCluster(
  dir: string,
  size = 3,
  opts: { maxPayload?: string } = {},
): Promise<NatsCluster> {
  mkdirSync(dir, { recursive: true });
  const ports = await freePorts(size * 3);
  const nodes: NatsNode[] = [];
  const routes = Array.from({ length: size }, (_, i) => `nats-route://127.0.0.1:${ports[size + i]}`);
  const configs = new Map<string, string>();
  for (let i = 0; i < size; i++) {
    const name = `n${i + 1}`;
    const port = ports[i]!;
    const clusterPort = ports[size + i]!;
    const monitorPort = ports[2 * size + i]!;
    const store = join(dir, name);
    mkdirSync(store, { recursive: true });
    const conf = join(dir, `${name}.conf`);
    const lines = [
      `server_name: ${name}`,
      `listen: "127.0.0.1:${port}"`,
      `http: "127.0.0.1:${monitorPort}"`,
      `max_payload: ${opts.maxPayload ?? '8MB'}`,
      `jetstream { store_dir: "${store}", max_memory_store: 268435456, max_file_store: 68719476736 }`,
    ];
    if (size > 1)
      lines.push(
        `cluster { name: evotest, listen: "127.0.0.1:${clusterPort}", routes: [${routes.map((r) => `"${r}"`).join(', ')}] }`,
      );
    writeFileSync(conf, lines.join('\n') + '\n');
    configs.set(name, conf);
    nodes.push({
      name,
      port,
      url: `nats://127.0.0.1:${port}`,
      monitorPort,
      process: undefined as unknown as ManagedProcess,
    });
  }
  const launch = (node: NatsNode): void => {
    node.process = spawnServer(`nats-server ${node.name}`, NATS_SERVER_BIN, {
      args: ['-c', configs.get(node.name)!],
      logFile: join(dir, `${node.name}.log`),
    });
  };
  const ready = async (node: NatsNode): Promise<void> => {
    await waitFor(
      `JetStream on ${node.name} (port ${node.port}) to join a cluster with a meta leader`,
      async () => {
        const j = await jsz(node.monitorPort);
        return size === 1 || (j.meta_cluster?.leader !== undefined && j.meta_cluster.leader !== '');
      },
      30_000,
      node.process,
    );
  };
  try {
    for (const n of nodes) launch(n);
    await Promise.all(nodes.map(ready));
  } catch (err) {
    await Promise.all(nodes.map((n) => n.process?.stop(2000)));
    if (err instanceof ServerStartError) throw err;
    throw new ServerStartError('nats-server cluster', (err as Error).message);
  }
  const byName = (name: string): NatsNode => {
    const n = nodes.find((x) => x.name === name);
    if (!n) throw new Error(`no NATS node ${name}`);
    return n;
  };
  /** What every live node reports about a stream (a node that does not host it reports nothing). */
  const details = async (stream: string): Promise<Array<StreamDetail & { server: string }>> => {
    const out: Array<StreamDetail & { server: string }> = [];
    for (const n of nodes) {
      if (!n.process.isRunning()) continue;
      try {
        const j = await jsz(n.monitorPort, DETAIL_QUERY);
        for (const acc of j.account_details ?? [])
          for (const s of acc.stream_detail ?? []) if (s.name === stream) out.push({ ...s, server: n.name });
      } catch {
        // a node that does not answer says nothing
      }
    }
    return out;
  };
  return {
    nodes,
    servers: nodes.map((n) => n.url).join(','),
    kill: async (name) => byName(name).process.kill(),
    restart: async (name) => {
      const n = byName(name);
      if (n.process.isRunning()) return;
      launch(n);
      await ready(n);
    },
    streamLeader: async (stream) => {
      for (const d of await details(stream)) if (d.cluster?.leader) return d.cluster.leader;
      return undefined;
    },
    streamServing: async (stream) => {
      const seen = await details(stream);
      if (!seen.some((d) => d.cluster?.leader)) return false;
      const consumers = new Set(seen.flatMap((d) => (d.consumer_detail ?? []).map((c) => c.name)));
      for (const name of consumers)
        if (!seen.some((d) => d.consumer_detail?.some((c) => c.name === name && c.cluster?.leader))) return false;
      // The stream leader's view: messages held that its consumers neither have pending nor handed out.
      const leader = seen.find(
        (d) => d.cluster?.leader !== undefined && d.consumer_detail !== undefined && (d.state?.messages ?? 0) > 0,
      );
      if (
        leader &&
        leader.consumer_detail!.length > 0 &&
        leader.consumer_detail!.every((c) => (c.num_pending ?? 0) === 0 && (c.num_ack_pending ?? 0) === 0)
      )
        return false;
      // A consumer leader whose own replica of the stream lags the stream leader's and sees nothing to deliver:
      // it stays blind to what the stream holds (seen after a leader kill: "0 messages" there, 40 on the leader).
      const newest = Math.max(0, ...seen.map((d) => d.state?.last_seq ?? 0));
      for (const d of seen)
        for (const c of d.consumer_detail ?? [])
          if (
            c.cluster?.leader === d.server &&
            (d.state?.last_seq ?? 0) < newest &&
            (c.num_pending ?? 0) === 0 &&
            (c.num_ack_pending ?? 0) === 0
          )
            return false;
      return true;
    },
    describeStream: async (stream) => {
      const views = await Promise.all(
        nodes.map(async (n) => {
          try {
            const j = await jsz(n.monitorPort, DETAIL_QUERY);
            const st = j.account_details?.flatMap((a) => a.stream_detail ?? []).find((x) => x.name === stream);
            const consumers = (st?.consumer_detail ?? [])
              .map(
                (c) =>
                  `; consumer ${c.name}: leader ${c.cluster?.leader ?? 'none'}, replicas ${replicasOf(c.cluster)}, pending ${c.num_pending ?? '-'}, ack pending ${c.num_ack_pending ?? '-'}, ` +
                  `waiting pulls ${c.num_waiting ?? '-'}, delivered up to seq ${c.delivered?.stream_seq ?? '-'}, acked up to seq ${c.ack_floor?.stream_seq ?? '-'}`,
              )
              .join('');
            const held = st?.state
              ? `, ${st.state.messages ?? 0} messages (seq ${st.state.first_seq ?? '-'}..${st.state.last_seq ?? '-'})`
              : '';
            return `${n.name}: meta leader ${j.meta_cluster?.leader ?? '-'}, stream ${st ? `leader ${st.cluster?.leader ?? 'none'}, replicas ${replicasOf(st.cluster)}${held}${consumers}` : 'not hosted here'}`;
          } catch (e) {
            return `${n.name}: ${(e as Error).message}`;
          }
        }),
      );
      const warnings = nodes.flatMap((n) => {
        try {
          return readFileSync(n.process.logFile, 'utf8')
            .split('\n')
            .filter((l) => /\[(WRN|ERR)\]/.test(l) && l.includes(stream))
            .slice(-5)
            .map((l) => `${n.name} ${l}`);
        } catch {
          return [];
        }
      });
      return [...views, ...warnings].join('\n');
    },
    stop: async () => {
      await Promise.all(nodes.map((n) => n.process.stop(5000)));
    },
  };
}
