/**
 * Bad input and faults in real Chromium: a link to a run the node does not have, a tick beyond the run and a
 * tick that is no number each give a notice and a working page; the node stopped while the page is open gives a
 * "lost" notice, and the page reconnects by itself when the node comes back on the same port (following the
 * restarted node's new run live); a run deleted while a page shows it gives way to the newest run. No page errors;
 * the only console errors are the browser's own reports of requests the outage and the deletion failed.
 */
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { evochora, until } from '../../helpers/cli.js';
import { startWebNode, webPipeline, type WebNode } from './web-node.js';

let web: WebNode | undefined;
let conf: string;
let port: number;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port: p } = srv.address() as { port: number };
      srv.close(() => resolve(p));
    });
  });
}

interface Runs {
  runs: Array<{ runId: string; ticks: { maxTick: number } | null; hasMetadata: boolean }>;
}

async function indexedRuns(base: string): Promise<Runs['runs']> {
  const r = (await fetch(`${base}/visualizer/api/runs`).then((x) => x.json())) as Runs;
  return r.runs.filter((x) => x.hasMetadata && (x.ticks?.maxTick ?? 0) > 10);
}

const notice = (page: Page): Promise<string> =>
  page.evaluate(() => {
    const el = document.getElementById('notice')!;
    return el.hidden ? '' : (el.textContent ?? '');
  });

describe('the visualizer page under bad input and faults', () => {
  beforeAll(async () => {
    port = await freePort();
    web = await startWebNode(
      'evo-web-faults-',
      (dataDir) => {
        conf = join(dataDir, 'node.json');
        const engine = {
          environment: { shape: [64, 48], topology: 'TORUS' },
          organisms: [{ program: 'builtin:counter', energy: 15000, positions: [[10, 10]] }],
          runtime: {
            thermodynamics: { default: { baseEnergy: 0, baseEntropy: 0 }, families: {}, instructions: {} },
          },
        };
        writeFileSync(conf, JSON.stringify(webPipeline(engine)));
        return ['-c', conf];
      },
      port,
    );
  }, 60_000);

  afterAll(async () => {
    await web?.close();
  }, 60_000);

  it('says what is wrong and recovers: unknown run, bad ticks, a node restart, a deleted run', async () => {
    const base = web!.base;
    const [first] = await until(
      async () => {
        const runs = await indexedRuns(base);
        return runs.length > 0 ? runs : undefined;
      },
      'an indexed run',
      30_000,
    );
    const run1 = first!.runId;
    const page = await web!.browser.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    const runShown = (p: Page): string | null => new URL(p.url()).searchParams.get('runId');

    // A run the node does not have: a notice, and the newest run instead.
    await page.goto(`${base}/visualizer?runId=no-such-run&tick=5`);
    await expect.poll(() => notice(page), { timeout: 10_000 }).toContain("No run 'no-such-run'");
    await page.waitForSelector('.org-row', { timeout: 10_000 });
    expect(runShown(page)).toBe(run1);

    // A tick beyond the run: clamped to its newest indexed tick, and said so.
    await page.goto(`${base}/visualizer?runId=${run1}&tick=999999999`);
    await expect.poll(() => notice(page), { timeout: 10_000 }).toMatch(/^Tick 999999999 is outside .*: showing \d+/);
    const shown = Number(/showing (\d+)/.exec(await notice(page))![1]);
    expect(Number(await page.inputValue('#t-input'))).toBe(shown);
    // Clamped into the indexed range of that moment (the run keeps growing: compare with the range right after).
    const after = (await (await fetch(`${base}/visualizer/api/runs`)).json()) as {
      runs: Array<{ runId: string; ticks: { maxTick: number } | null }>;
    };
    expect(shown).toBeGreaterThanOrEqual(first!.ticks!.maxTick);
    expect(shown).toBeLessThanOrEqual(after.runs.find((r) => r.runId === run1)!.ticks!.maxTick);
    await page.waitForSelector('.org-row', { timeout: 10_000 });
    // A tick that is no number: the newest tick, following the run live.
    await page.goto(`${base}/visualizer?tick=abc`);
    await expect.poll(() => notice(page), { timeout: 10_000 }).toContain("Tick 'abc' is not a number");
    expect(await page.isChecked('#t-follow')).toBe(true);
    await expect.poll(() => page.inputValue('#t-input'), { timeout: 10_000 }).toMatch(/^\d+$/);

    // The node stops while the page follows it: the page says it lost the node.
    await page.goto(`${base}/visualizer`);
    await page.waitForSelector('.org-row', { timeout: 10_000 });
    await expect
      .poll(async () => (await page.textContent('#engine-lag')) ?? '', { timeout: 10_000 })
      .toMatch(/^engine/);
    const beforeOutage = problems.length;
    const stop = await evochora(['node', 'stop', '--data-dir', web!.dataDir, '--json']);
    expect(stop.exitCode, stop.stderr).toBe(0);
    await expect.poll(() => notice(page), { timeout: 15_000 }).toContain('Lost the connection to the node');
    // It comes back on the same port (a new run): the page reconnects by itself and follows the new run live.
    const again = await evochora([
      'node',
      'run',
      '--detached',
      '--port',
      String(port),
      '--data-dir',
      web!.dataDir,
      '-c',
      conf,
      '--json',
    ]);
    expect(again.exitCode, again.stderr).toBe(0);
    const run2 = await until(
      async () => (await indexedRuns(base)).find((r) => r.runId !== run1)?.runId,
      'the restarted node’s run indexed',
      30_000,
    );
    await expect.poll(() => runShown(page), { timeout: 20_000 }).toBe(run2);
    expect(await notice(page)).not.toContain('Lost the connection');
    const tickOf = async (): Promise<number> => Number(await page.inputValue('#t-input'));
    const t0 = await tickOf();
    await expect.poll(tickOf, { timeout: 15_000 }).toBeGreaterThan(t0);
    await expect
      .poll(async () => (await page.textContent('#engine-lag')) ?? '', { timeout: 10_000 })
      .toMatch(/^engine/);
    // What the outage cost in the console: only the browser's reports of requests that found no node.
    const outage = problems.splice(beforeOutage);
    for (const p of outage) expect(p).toMatch(/ERR_CONNECTION_REFUSED|ERR_EMPTY_RESPONSE|ERR_CONNECTION_RESET/);

    // The first run (finished now) is deleted while a page shows it: that page says so and shows the newest run.
    const old = await web!.browser.newPage();
    old.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    await old.goto(`${base}/visualizer?runId=${run1}&tick=3`);
    await old.waitForSelector('.org-row', { timeout: 10_000 });
    expect(runShown(old)).toBe(run1);
    const clean = await evochora([
      'cleanup',
      '--run',
      run1,
      '-y',
      '--active-within',
      '0',
      '--data-dir',
      web!.dataDir,
      '-c',
      conf,
      '--json',
    ]);
    expect(clean.exitCode, clean.stderr).toBe(0);
    await expect.poll(() => notice(old), { timeout: 15_000 }).toContain(`Run ${run1} is no longer on this node`);
    await expect.poll(() => runShown(old), { timeout: 10_000 }).toBe(run2);
    await old.waitForSelector('.org-row', { timeout: 10_000 });
    await old.close();
    expect(problems).toEqual([]);
  }, 150_000);
});
