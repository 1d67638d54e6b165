/**
 * What the browser suites share: a detached node started with the built CLI, and Debian's Chromium through
 * playwright-core. No silent skip: CI installs chromium; without it a suite fails and says so.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { chromium, type BrowserContext } from 'playwright-core';
import { evochora, tempDataDir } from '../../helpers/cli.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export interface WebNode {
  readonly dataDir: string;
  /** http://127.0.0.1:PORT */
  readonly base: string;
  readonly browser: BrowserContext;
  close(): Promise<void>;
}

/** Starts a node (`node run --detached --port PORT` with `args`; 0: any free port) and a headless Chromium. */
export async function startWebNode(prefix: string, args: (dataDir: string) => string[], port = 0): Promise<WebNode> {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium is not installed at ${CHROMIUM}: apt-get install chromium`);
  const dataDir = tempDataDir(prefix);
  const start = await evochora([
    'node',
    'run',
    '--detached',
    '--port',
    String(port),
    '--data-dir',
    dataDir,
    ...args(dataDir),
    '--json',
  ]);
  expect(start.exitCode, start.stderr).toBe(0);
  const base = `http://127.0.0.1:${start.json!.result.port}`;
  const profile = mkdtempSync(join(tmpdir(), 'evo-chrome-'));
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    viewport: { width: 1366, height: 768 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    dataDir,
    base,
    browser,
    close: async () => {
      await browser.close();
      await evochora(['node', 'stop', '--data-dir', dataDir, '--json']);
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** A node config: the engine with `engine` options, persistence and the three indexers. */
export function webPipeline(engine: Record<string, unknown>): unknown {
  const topicRead = (group: string, topic = 'batch-topic'): string => `topic-read:${topic}?consumerGroup=${group}`;
  return {
    pipeline: {
      startupSequence: [
        'metadata-indexer',
        'environment-indexer-1',
        'organism-indexer-1',
        'metadata-persistence-service',
        'persistence-service-1',
        'simulation-engine',
      ],
      resources: {
        'tick-queue': { className: 'InMemoryQueue', options: { capacity: 64 } },
        'metadata-queue': { className: 'InMemoryQueue', options: { capacity: 4 } },
        'tick-storage': { className: 'FileSystemStorage', options: { rootDirectory: 'storage' } },
        'batch-topic': { className: 'InMemoryTopic', options: {} },
        'metadata-topic': { className: 'InMemoryTopic', options: {} },
        'index-database': { className: 'SqliteIndexDatabase', options: {} },
      },
      services: {
        'simulation-engine': {
          className: 'SimulationEngine',
          resources: { tickData: 'queue-out:tick-queue', metadataOutput: 'queue-out:metadata-queue' },
          options: engine,
        },
        'metadata-persistence-service': {
          className: 'MetadataPersistenceService',
          resources: {
            input: 'queue-in:metadata-queue',
            storage: 'storage-write:tick-storage',
            topic: 'topic-write:metadata-topic',
          },
        },
        'persistence-service-1': {
          className: 'PersistenceService',
          resources: {
            input: 'queue-in:tick-queue',
            storage: 'storage-write:tick-storage',
            topic: 'topic-write:batch-topic',
          },
          options: { maxBatchSize: 4, batchTimeoutSeconds: 0.2 },
        },
        'metadata-indexer': {
          className: 'MetadataIndexer',
          resources: {
            topic: topicRead('metadata', 'metadata-topic'),
            storage: 'storage-read:tick-storage',
            database: 'db-meta-write:index-database',
          },
        },
        'environment-indexer-1': {
          className: 'EnvironmentIndexer',
          resources: {
            topic: topicRead('environment'),
            storage: 'storage-read:tick-storage',
            database: 'db-env-write:index-database',
          },
        },
        'organism-indexer-1': {
          className: 'OrganismIndexer',
          resources: {
            topic: topicRead('organism'),
            storage: 'storage-read:tick-storage',
            database: 'db-organism-write:index-database',
          },
        },
      },
    },
  };
}
