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

/** Starts a node (`node run --detached --port 0` with `args`) and a headless Chromium. */
export async function startWebNode(prefix: string, args: (dataDir: string) => string[]): Promise<WebNode> {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium is not installed at ${CHROMIUM}: apt-get install chromium`);
  const dataDir = tempDataDir(prefix);
  const start = await evochora([
    'node',
    'run',
    '--detached',
    '--port',
    '0',
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
