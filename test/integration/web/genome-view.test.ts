/**
 * The organism panel's "genome vs parent" section in real Chromium, on a node recording our replicator in the
 * default 512×512 world (seed 42) up to tick 6,000, by when it has had children: a child's genome is drawn (the
 * canvas has coloured pixels), the summary counts its cells against its parent's, the parent link selects the
 * parent, and the page logs no errors. A screenshot goes to test-output/.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, until } from '../../helpers/cli.js';
import { startWebNode, webPipeline, type WebNode } from './web-node.js';

const LAST = 6000;

let web: WebNode | undefined;

describe('genome vs parent in the organism panel', () => {
  beforeAll(async () => {
    web = await startWebNode('evo-genome-web-', (dataDir) => {
      const conf = join(dataDir, 'node.json');
      const engine = {
        environment: { shape: [512, 512], topology: 'TORUS' },
        seed: 42,
        maxTicks: LAST,
        organisms: [{ program: 'builtin:replicator', energy: 100_000, positions: [[100, 100]] }],
      };
      writeFileSync(conf, JSON.stringify(webPipeline(engine)));
      return ['-c', conf];
    });
  }, 60_000);

  afterAll(async () => {
    await web?.close();
  }, 60_000);

  it('draws a child’s genome against its parent’s and links the parent', async () => {
    const base = web!.base;
    const runId = await until(
      async () => {
        const r = await fetch(`${base}/visualizer/api/runs`).then(
          (x) =>
            x.json() as Promise<{
              runs: Array<{ runId: string; ticks: { maxTick: number } | null; hasMetadata: boolean }>;
            }>,
        );
        return r.runs[0]?.hasMetadata && r.runs[0].ticks?.maxTick === LAST ? r.runs[0].runId : undefined;
      },
      'the run indexed up to its last tick',
      60_000,
    );
    const organisms = (
      (await fetch(`${base}/visualizer/api/organisms/${LAST}?runId=${runId}`).then((x) => x.json())) as {
        organisms: Array<{ organismId: number; parentId: number | null; isDead: boolean; generation: number }>;
      }
    ).organisms;
    const child = organisms.find((o) => o.parentId !== null && !o.isDead);
    expect(child, 'a child by tick 6000').toBeDefined();
    // Every organism's generation: 0 for the founder, else its parent's + 1 (the parent's from its own lineage
    // when it is no longer listed at this tick).
    for (const o of organisms) {
      if (o.parentId === null) {
        expect(o.generation, `founder #${o.organismId}`).toBe(0);
        continue;
      }
      const listed = organisms.find((p) => p.organismId === o.parentId);
      const parentGeneration =
        listed?.generation ??
        (
          (await fetch(`${base}/visualizer/api/organisms/${LAST}/${o.organismId}?runId=${runId}`).then((x) =>
            x.json(),
          )) as { staticInfo: { lineage: unknown[] } }
        ).staticInfo.lineage.length - 1;
      expect(o.generation, `#${o.organismId}`).toBe(parentGeneration + 1);
    }
    expect(Math.max(...organisms.map((o) => o.generation))).toBeGreaterThan(0);

    const page = await web!.browser.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    const genomeRequests: string[] = [];
    page.on('request', (r) => {
      const path = new URL(r.url()).pathname;
      if (path.startsWith('/visualizer/api/') && path.endsWith('/genome')) genomeRequests.push(path);
    });
    await page.goto(`${base}/visualizer?runId=${runId}&tick=${LAST}`);
    await page.waitForSelector(`.org-row[data-id="${child!.organismId}"]`, { timeout: 20_000 });
    // Nothing is fetched before an organism's panel is open.
    expect(genomeRequests).toEqual([]);
    // The list sorts by generation (a click on its header: highest first).
    await page.click('#org-head [data-sort="generation"]');
    const gens = await page.$$eval('.org-row .generation', (cells) => cells.map((c) => Number(c.textContent)));
    expect(gens).toEqual([...gens].sort((a, b) => b - a));
    expect(gens[0]).toBeGreaterThan(gens.at(-1)!);
    await page.click('#org-head [data-sort="id"]');
    await page.click(`.org-row[data-id="${child!.organismId}"]`);
    const summary = async (): Promise<string> => (await page.textContent('#op-genome-summary')) ?? '';
    await expect.poll(summary, { timeout: 10_000 }).toMatch(/cells/);
    const text = await summary();
    expect(text).toMatch(
      new RegExp(`^\\d+ cells: \\d+ changed, \\d+ only here, \\d+ only in parent #${child!.parentId} \\(at tick \\d+`),
    );
    const drawn = Number(await page.getAttribute('#op-genome', 'data-cells'));
    expect(drawn).toBe(Number(/^(\d+) cells/.exec(text)![1]));
    expect(drawn).toBeGreaterThan(100);
    // The canvas shows cells in the world's colours, not only its background (read through a copy, so Chromium
    // does not warn about readbacks of the page's canvas).
    const coloured = await page.evaluate(`(() => {
      const src = document.getElementById('op-genome');
      const copy = document.createElement('canvas');
      copy.width = src.width;
      copy.height = src.height;
      const ctx = copy.getContext('2d', { willReadFrequently: true });
      ctx.drawImage(src, 0, 0);
      const px = ctx.getImageData(0, 0, copy.width, copy.height).data;
      let n = 0;
      for (let i = 0; i < px.length; i += 4) if (px[i] + px[i + 1] + px[i + 2] > 120) n++;
      return n;
    })()`);
    expect(coloured).toBeGreaterThan(drawn);
    expect(genomeRequests).toEqual([`/visualizer/api/organisms/${LAST}/${child!.organismId}/genome`]);
    mkdirSync(join(REPO_ROOT, 'test-output'), { recursive: true });
    await page.locator('#op-genome').scrollIntoViewIfNeeded();
    await page.locator('#organism-panel').screenshot({ path: join(REPO_ROOT, 'test-output', 'visualizer-genome.png') });
    // The parent link selects the parent; coming back to the child takes its genome from the cache.
    await page.click('#op-genome-summary .org-link');
    await expect.poll(async () => page.textContent('#op-id'), { timeout: 10_000 }).toBe(`#${child!.parentId}`);
    await expect.poll(summary, { timeout: 10_000 }).toMatch(/cells/);
    await page.click(`.org-row[data-id="${child!.organismId}"]`);
    await expect.poll(summary, { timeout: 10_000 }).toBe(text);
    expect(genomeRequests.filter((p) => p.endsWith(`/${child!.organismId}/genome`))).toHaveLength(1);
    expect(problems).toEqual([]);
  }, 120_000);
});
