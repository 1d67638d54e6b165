/**
 * The long-lived node: holds the start lock, owns the state and token files, runs the service manager and
 * serves the HTTP API. Startup order matters: lock → validate pipeline config → bind the port → write the
 * state file → start services → signal ready. Stop order is the reverse, and files are removed last.
 */
import {
  collectHeap,
  loadRegistry,
  loadServiceManager,
  type ServiceManager,
  type SimulationEngine,
  type TypeRegistry,
} from '../pipeline/index.js';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { LoadedConfig } from '../config/loader.js';
import { VERSION } from '../version.js';
import { defaultErrorMapper, HttpRouter } from '../http/http-router.js';
import type { ErrorMapper } from '../http/http-types.js';
import { metricsRoute } from './http/metrics-route.js';
import { nodeRoutes } from './http/node-routes.js';
import { PIPELINE_ERROR_STATUS, pipelineRoutes } from './http/pipeline-routes.js';
import { acquireNodeLock, type ReleaseLock } from './node-lock.js';
import { PortInUseError } from './node-errors.js';
import { nodePaths, type NodePaths } from './node-paths.js';
import { ensureNodeDir } from './data-dir.js';
import { defaultRouteMounts } from './route-mounts.js';
import type { RouteMount } from './route-mount.js';

export type { RouteMount };
import { EventLoopMonitor } from './event-loop-monitor.js';
import { newNonce, removeQuietly, writeNodeState, writeToken, type NodeState } from './node-state.js';
import { HttpErrorCode } from '../http/error-codes.js';
import { EvochoraError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { NodeErrorCode } from './error-codes.js';
import { answerClientError } from '../http/client-error.js';
import { RunJournal, type EngineObservation, type JournalRun } from './run-journal.js';

export interface NodeDaemonOptions {
  readonly loaded: LoadedConfig;
  readonly logger: Logger;
  readonly loggerFor: (name: string) => Logger;
  /** Path of the log file when detached; shown by status and health. */
  readonly logFile: string | null;
  readonly registry?: TypeRegistry;
  readonly mounts?: readonly RouteMount[];
}

/** How often the main thread's heap is collected in full (a few ms each; the recording's buffers are freed sooner). */
const MAIN_HEAP_COLLECTION_MS = 5000;

/** Whether a bind address is reachable only from this machine. */
function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** A node on a network address must guard reads with the token, or be told on purpose that it need not. */
function refuseOpenOnNetwork(host: string, readAccess: string): void {
  if (readAccess !== 'open' || isLoopback(host)) return;
  throw new EvochoraError(
    NodeErrorCode.NODE_OPEN_ON_NETWORK,
    `node.host = ${host} makes the API reachable from other machines, and node.readAccess = open would let anyone there read every run.`,
    {
      exitCode: ExitCode.Usage,
      actions: [
        'Set node.readAccess = token: reads need the node token too (the CLI sends it; a browser opens the page once with ?token=<token>).',
        'Or set node.readAccess = open-on-network to serve reads to anyone on purpose.',
        'Or keep node.host = 127.0.0.1.',
      ],
    },
  );
}

/** How often the run journal takes the engines' runs and ticks. */
const RUN_JOURNAL_MS = 2000;

export class NodeDaemon {
  private server: Server | undefined;
  private stopping: Promise<void> | undefined;
  private readonly stoppedCallbacks: Array<() => void> = [];
  /** What route groups asked to run when the node stops, before its connections close. */
  private readonly stopHooks: Array<() => void> = [];
  private boundPort = 0;
  private readonly eventLoop = new EventLoopMonitor();
  /** Full collections of the main thread's heap (see heap-collection.ts): chunk buffers go back sooner. */
  private readonly heapTimer = setInterval(collectHeap, MAIN_HEAP_COLLECTION_MS).unref();
  private readonly journal: RunJournal;
  private journalTimer: NodeJS.Timeout | undefined;
  /** The newest run of this data dir that did not end cleanly when the node started (and is not being resumed). */
  interruptedRun: JournalRun | undefined;

  private constructor(
    private readonly options: NodeDaemonOptions,
    readonly paths: NodePaths,
    readonly nonce: string,
    private readonly releaseLock: ReleaseLock,
    readonly manager: ServiceManager,
    private readonly token: string,
  ) {
    this.journal = new RunJournal(paths.runJournal);
  }

  /** Each SimulationEngine's run, tick and state, for the run journal. */
  private engines(): EngineObservation[] {
    const out: EngineObservation[] = [];
    const services = this.options.loaded.config.pipeline.services;
    for (const name of this.manager.serviceNames()) {
      if (services[name]?.className !== 'SimulationEngine') continue;
      const s = this.manager.instanceOf(name) as SimulationEngine | undefined;
      if (!s) continue;
      out.push({
        service: name,
        runId: s.simulationRunId,
        tick: Number(s.metrics().current_tick ?? 0),
        state: this.manager.stateOf(name),
      });
    }
    return out;
  }

  private observeRuns(): void {
    try {
      this.journal.observe(this.engines());
    } catch (err) {
      this.options.logger.warn({ err, file: this.paths.runJournal }, 'could not write the run journal');
    }
  }

  get port(): number {
    return this.boundPort;
  }

  static async start(options: NodeDaemonOptions): Promise<NodeDaemon> {
    const { config } = options.loaded;
    const logger = options.logger;
    refuseOpenOnNetwork(config.node.host, config.node.readAccess);
    const paths = nodePaths(config.node.dataDir);
    ensureNodeDir(paths.stateDir, paths.dataDir);
    const release = await acquireNodeLock(paths, logger, (err) =>
      logger.error({ err }, 'the start lock was compromised; another node may start'),
    );
    let manager: ServiceManager | undefined;
    try {
      // We hold the lock, so any state or token left behind belongs to a dead node.
      removeQuietly(paths.stateFile, paths.tokenFile);
      const token = writeToken(paths.tokenFile);
      const [{ ServiceManager: Manager }, { defaultRegistry }] = await Promise.all([
        loadServiceManager(),
        loadRegistry(),
      ]);
      manager = await Manager.create({
        config,
        registry: options.registry ?? defaultRegistry(),
        logger: options.loggerFor('service-manager'),
        loggerFor: options.loggerFor,
      });
      const daemon = new NodeDaemon(options, paths, newNonce(), release, manager, token);
      daemon.eventLoop.start();
      await daemon.listen();
      daemon.writeState();
      logger.info(
        {
          port: daemon.port,
          dataDir: paths.dataDir,
          logFile: options.logFile,
          config: options.loaded.file ?? 'built-in defaults',
        },
        `node ready on http://${config.node.host}:${daemon.port} (data: ${paths.dataDir})`,
      );
      daemon.noteInterruptedRun();
      await manager.autoStart();
      daemon.observeRuns();
      daemon.journalTimer = setInterval(() => daemon.observeRuns(), RUN_JOURNAL_MS).unref();
      return daemon;
    } catch (err) {
      await manager?.shutdown().catch(() => {});
      removeQuietly(paths.stateFile, paths.tokenFile);
      await release().catch(() => {});
      throw err;
    }
  }

  /** Names, in the log, the newest run that did not end cleanly, unless this start resumes it. */
  private noteInterruptedRun(): void {
    const resuming = Object.values(this.options.loaded.config.pipeline.services)
      .map((d) => (d.options as { resume?: { runId?: unknown } } | undefined)?.resume?.runId)
      .filter((r): r is string => typeof r === 'string' && r !== '');
    const run = RunJournal.interrupted(this.journal.list(), resuming);
    this.interruptedRun = run;
    if (run)
      this.options.logger.warn(
        { runId: run.runId, lastTick: run.lastTick, service: run.service },
        `Run ${run.runId} did not end cleanly (last seen at tick ${run.lastTick}); continue it with \`evochora node run --resume\``,
      );
  }

  /** Resolves once the node has fully stopped (after `stop()` or a stop request over HTTP). */
  waitUntilStopped(): Promise<void> {
    if (this.stopping && !this.server) return this.stopping;
    return new Promise((resolve) => this.stoppedCallbacks.push(resolve));
  }

  /** Drains the services, closes the API, removes the node's files and releases the lock. Idempotent. */
  stop(reason: string): Promise<void> {
    this.stopping ??= this.doStop(reason);
    return this.stopping;
  }

  private async doStop(reason: string): Promise<void> {
    const logger = this.options.logger;
    logger.info({ reason }, `node stopping (${reason}); draining services`);
    clearInterval(this.journalTimer);
    try {
      await this.manager.shutdown();
    } catch (err) {
      logger.error({ err }, 'error while stopping services');
    }
    // Engines that stopped cleanly end their runs in the journal; one in ERROR stays resumable.
    this.observeRuns();
    // Route groups end what they hold open (event streams end cleanly, so clients see a finished response).
    for (const fn of this.stopHooks.splice(0)) {
      try {
        fn();
      } catch (err) {
        logger.warn({ err }, 'a route group failed to stop cleanly');
      }
    }
    await new Promise<void>((resolve) => {
      if (!this.server) return resolve();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    this.server = undefined;
    this.eventLoop.stop();
    clearInterval(this.heapTimer);
    removeQuietly(this.paths.stateFile, this.paths.tokenFile);
    await this.releaseLock().catch((err) => logger.warn({ err }, 'releasing the start lock failed'));
    logger.info('node stopped');
    for (const cb of this.stoppedCallbacks.splice(0)) cb();
  }

  private async listen(): Promise<void> {
    const { config } = this.options.loaded;
    const logger = this.options.logger;
    const router = new HttpRouter(() => this.token, config.node.readAccess === 'token');
    const unexpected = (err: unknown): void => logger.error({ err }, 'unexpected error in an HTTP handler');
    const startedAt = new Date().toISOString();
    router.mount(
      '/node',
      nodeRoutes(
        {
          pid: process.pid,
          nonce: this.nonce,
          version: VERSION,
          port: () => this.boundPort,
          host: config.node.host,
          startedAt,
          dataDir: this.paths.dataDir,
          logFile: this.options.logFile,
          configFile: this.options.loaded.file ?? null,
        },
        () => {
          const s = this.manager.status();
          return { status: s.status, healthy: s.healthy };
        },
        () => void this.stop('stop requested over HTTP'),
      ),
      defaultErrorMapper({}, unexpected),
    );
    router.mount(
      '/pipeline/api',
      pipelineRoutes(this.manager, (action, err) => logger.error({ err, action }, `pipeline ${action} failed`)),
      defaultErrorMapper(PIPELINE_ERROR_STATUS, unexpected),
    );
    router.mount(
      '/metrics',
      [
        metricsRoute(
          () => this.manager.status(),
          Date.parse(startedAt),
          () => this.eventLoop.read(),
        ),
      ],
      defaultErrorMapper({}, unexpected),
    );
    for (const mount of this.options.mounts ?? (await defaultRouteMounts())) {
      const mapper: ErrorMapper = defaultErrorMapper(mount.errorStatus ?? {}, unexpected);
      router.mount(
        mount.prefix,
        mount.routes({
          manager: this.manager,
          config,
          logger: this.options.loggerFor('http'),
          onStop: (fn) => this.stopHooks.push(fn),
        }),
        mapper,
      );
    }
    const server = createServer((req, res) => {
      router.handle(req, res).catch((err) => {
        unexpected(err);
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            status: 500,
            code: HttpErrorCode.INTERNAL_ERROR,
            message: 'Internal error; see the node log.',
          }),
        );
      });
    });
    server.keepAliveTimeout = 5000;
    // Slow clients (slowloris): the headers must arrive within 10 s and the whole request within 30 s.
    server.headersTimeout = 10_000;
    server.requestTimeout = 30_000;
    server.on('clientError', answerClientError);
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) => {
        if (err.code === 'EADDRINUSE') reject(new PortInUseError(config.node.host, config.node.port));
        else reject(err);
      });
      server.listen(config.node.port, config.node.host, () => resolve());
    });
    server.on('error', (err) => logger.error({ err }, 'HTTP server error'));
    this.server = server;
    this.boundPort = (server.address() as AddressInfo).port;
  }

  private writeState(): void {
    const { config } = this.options.loaded;
    const state: NodeState = {
      pid: process.pid,
      port: this.boundPort,
      host: config.node.host,
      startedAt: new Date().toISOString(),
      nonce: this.nonce,
      version: VERSION,
      logFile: this.options.logFile,
      dataDir: this.paths.dataDir,
    };
    writeNodeState(this.paths.stateFile, state);
  }
}
