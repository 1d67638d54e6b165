import { Flags } from '../../src/cli/oclif.js';
import { dataDirFlag, EvochoraCommand } from '../../src/cli/base-command.js';
import { locateNode } from '../../src/cli/node-locator.js';
import { errorEnvelope } from '../../src/cli/envelope.js';
import { createProcessLogger, foregroundTarget, type ProcessLogger } from '../../src/logging/logger.js';
import { launchDetachedNode, type HandshakeMessage } from '../../src/node/detached-launcher.js';
import { NodeDaemon } from '../../src/node/node-daemon.js';
import { NodeAlreadyRunningError } from '../../src/node/node-errors.js';
import { nodePaths } from '../../src/node/node-paths.js';
import type { LoadedConfig } from '../../src/config/loader.js';
import {
  forkOverrides,
  resumeOverride,
  splitRuntimeSets,
  withOptionalResumeValue,
} from '../../src/cli/run-continuation.js';

export interface NodeRunResult {
  pid: number;
  host: string;
  port: number;
  url: string;
  logFile: string | null;
  dataDir: string;
  detached: boolean;
  stopped?: boolean;
  /** The run this start continues (`--resume`). */
  resumedRun?: string;
  /** The run and tick this start forks (`--fork`); the new run's id is in the node log and `pipeline status`. */
  forkedFrom?: { runId: string; tick: number };
  /** The newest run of the data dir that did not end cleanly, when this start does not resume it. */
  interruptedRun?: { runId: string; lastTick: number };
}

export default class NodeRun extends EvochoraCommand<NodeRunResult> {
  static override summary = 'Run the Evochora node: the pipeline services and the HTTP API.';
  static override description = `Runs in the foreground until Ctrl+C (which drains the services and stops), or with --detached as a background daemon that logs to <dataDir>/logs/node.log.
The node binds 127.0.0.1:8081 by default; control it with \`evochora pipeline …\` and stop it with \`evochora node stop\`.`;
  static override examples = [
    '<%= config.bin %> node run',
    '<%= config.bin %> node run --detached',
    '<%= config.bin %> node run --detached --port 0 --data-dir /tmp/evo',
    '<%= config.bin %> node run -c config/distributed.conf --set logging.level=debug',
    '<%= config.bin %> node run --resume',
    '<%= config.bin %> node run --fork 20261205-06000000-…@120000 --seed 7 --set runtime.organism.maxEnergy=20000',
  ];

  static override flags = {
    detached: Flags.boolean({
      char: 'd',
      description: 'Start in the background; print pid, port, log file and data dir once ready.',
    }),
    port: Flags.integer({ char: 'p', description: 'HTTP port (shortcut for --set node.port=N; 0 picks a free port).' }),
    ...dataDirFlag,
    resume: Flags.string({
      description:
        'Continue a run exactly where its storage ends: RUN, or with no value the newest run of this data dir that did not end cleanly (killed node, failed engine).',
      exclusive: ['fork'],
    }),
    fork: Flags.string({
      description:
        'Start a new run from a stored tick of another run: RUN@TICK. `--set runtime.<option>=<value>` changes runtime options from there on.',
    }),
    seed: Flags.string({
      description: "With --fork: a new seed from the fork on (default: the parent's random streams continue exactly).",
      dependsOn: ['fork'],
    }),
    'detached-child': Flags.boolean({ hidden: true, description: 'Internal: the process started by --detached.' }),
  };

  async run(): Promise<NodeRunResult> {
    const { flags } = await this.parse(NodeRun, withOptionalResumeValue(this.argv));
    const extra: string[] = [];
    if (flags.port !== undefined) extra.push(`node.port=${flags.port}`);
    if (flags['detached-child']) return this.runDetachedChild(flags, extra);
    // --resume and --fork become options of the simulation engine (a detached node gets them as --set).
    const continuation: Pick<NodeRunResult, 'resumedRun' | 'forkedFrom'> = {};
    let sets = flags.set ?? [];
    if (flags.resume !== undefined) {
      const r = resumeOverride(this.resolveConfig(flags, extra).config, flags.resume);
      sets = [...sets, r.set];
      continuation.resumedRun = r.runId;
    } else if (flags.fork !== undefined) {
      const { runtime, other } = splitRuntimeSets(sets);
      const f = forkOverrides(
        this.resolveConfig({ ...flags, set: other }, extra).config,
        flags.fork,
        flags.seed,
        runtime,
      );
      sets = [...other, ...f.sets];
      continuation.forkedFrom = { runId: f.runId, tick: f.tick };
    }
    const given = { ...flags, set: sets };
    const loaded = this.resolveConfig(given, extra);
    if (flags.detached) return { ...(await this.startDetached(loaded, given, extra)), ...continuation };
    return { ...(await this.runForeground(loaded)), ...continuation };
  }

  private async startDetached(
    loaded: LoadedConfig,
    flags: { config?: string; set?: string[] },
    extra: string[],
  ): Promise<NodeRunResult> {
    const { config } = loaded;
    const location = await locateNode(config.node.dataDir);
    if (location.kind === 'running')
      throw new NodeAlreadyRunningError(location.state.pid, location.state.port, config.node.dataDir);
    const logFile = nodePaths(config.node.dataDir).logFile;
    const args: string[] = [];
    if (loaded.file) args.push('--config', loaded.file);
    for (const s of [...(flags.set ?? []), ...extra, `node.dataDir=${config.node.dataDir}`]) args.push('--set', s);
    const ready = await launchDetachedNode({ args, logFile, readyTimeoutMs: config.node.readyTimeoutMs });
    const result: NodeRunResult = {
      pid: ready.pid,
      host: ready.host,
      port: ready.port,
      url: `http://${ready.host}:${ready.port}`,
      logFile: ready.logFile,
      dataDir: ready.dataDir,
      detached: true,
      ...(ready.interruptedRun ? { interruptedRun: ready.interruptedRun } : {}),
    };
    if (!this.jsonEnabled()) {
      this.log(`evochora node started in the background
  pid       ${result.pid}
  url       ${result.url}
  log file  ${result.logFile}
  data dir  ${result.dataDir}
Stop it with \`evochora node stop\`; follow its log with \`evochora node logs -f\`.`);
      if (ready.interruptedRun) this.log(interruptedHint(ready.interruptedRun));
    }
    return result;
  }

  /** The process `--detached` spawned: logs to the file, reports ready or failure over IPC, then serves. */
  private async runDetachedChild(flags: { config?: string; set?: string[] }, extra: string[]): Promise<NodeRunResult> {
    const send = (message: HandshakeMessage): void => {
      if (process.send && process.connected) process.send(message);
    };
    let logger: ProcessLogger | undefined;
    try {
      const loaded = this.resolveConfig(flags, extra);
      const logFile = nodePaths(loaded.config.node.dataDir).logFile;
      logger = await createProcessLogger(loaded.config.logging, { kind: 'file', path: logFile });
      const daemon = await NodeDaemon.start({ loaded, logger: logger.root, loggerFor: logger.loggerFor, logFile });
      const log = logger;
      process.on('SIGHUP', () => log.reopen());
      this.installStopSignals(daemon, log);
      send({
        type: 'ready',
        pid: process.pid,
        port: daemon.port,
        host: loaded.config.node.host,
        dataDir: loaded.config.node.dataDir,
        logFile,
        nonce: daemon.nonce,
        ...(daemon.interruptedRun
          ? { interruptedRun: { runId: daemon.interruptedRun.runId, lastTick: daemon.interruptedRun.lastTick } }
          : {}),
      });
      if (process.connected) process.disconnect();
      await daemon.waitUntilStopped();
      log.flush();
      process.exit(0);
    } catch (err) {
      logger?.root.fatal({ err }, `node failed to start: ${(err as Error).message}`);
      logger?.flush();
      const env = errorEnvelope(err);
      send({
        type: 'failed',
        error: {
          status: env.status,
          name: env.name,
          code: env.code,
          message: env.message,
          actions: env.actions,
          ...(env.data ? { data: env.data } : {}),
        },
      });
      process.exit(1);
    }
  }

  private async runForeground(loaded: LoadedConfig): Promise<NodeRunResult> {
    const logger = await createProcessLogger(
      loaded.config.logging,
      foregroundTarget(loaded.config.logging, this.jsonEnabled()),
    );
    const daemon = await NodeDaemon.start({ loaded, logger: logger.root, loggerFor: logger.loggerFor, logFile: null });
    const host = loaded.config.node.host;
    if (!this.jsonEnabled() && process.stderr.isTTY) {
      process.stderr.write(
        `\nEvochora node running: http://${host}:${daemon.port}  (data: ${loaded.config.node.dataDir}; config: ${loaded.file ?? 'built-in defaults'})\nPress Ctrl+C to drain and stop.\n${daemon.interruptedRun ? `${interruptedHint(daemon.interruptedRun)}\n` : ''}\n`,
      );
    }
    process.on('SIGHUP', () => logger.reopen());
    this.installStopSignals(daemon, logger);
    await daemon.waitUntilStopped();
    logger.flush();
    return {
      pid: process.pid,
      host,
      port: daemon.port,
      url: `http://${host}:${daemon.port}`,
      logFile: null,
      dataDir: loaded.config.node.dataDir,
      detached: false,
      stopped: true,
    };
  }

  /** First SIGINT/SIGTERM drains; a second one exits at once. */
  private installStopSignals(daemon: NodeDaemon, logger: ProcessLogger): void {
    let signals = 0;
    const onSignal = (signal: NodeJS.Signals): void => {
      signals++;
      if (signals > 1) {
        logger.root.warn(`second ${signal}: exiting without finishing the drain`);
        logger.flush();
        process.exit(130);
      }
      void daemon.stop(`received ${signal}`);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
}

function interruptedHint(run: { runId: string; lastTick: number }): string {
  return `Run ${run.runId} was interrupted at about tick ${run.lastTick}; continue it with \`evochora node run --resume\`.`;
}
