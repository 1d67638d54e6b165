/**
 * The analyzer page (/analyzer) in real Chromium (Debian `chromium` + playwright-core) against a node started
 * with the built CLI and the default pipeline (AnalyticsIndexer included), recording a short run: the page
 * loads the run's charts at a coarse level of detail, a drag-select zooms in and loads a finer level, a click
 * on a chart opens the visualizer at that tick, and nothing is logged to the console. A screenshot goes to
 * test-output/analyzer.png.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { REPO_ROOT, until } from '../../helpers/cli.js';
import { startWebNode, type WebNode } from './web-node.js';

/** Long enough that the whole run does not fit a chart's width at level 1 (the page asks for ~chart-width points). */
const MAX_TICKS = 20_000;

let web: WebNode | undefined;
let base: string;
let browser: BrowserContext | undefined;

async function getJson<T>(path: string): Promise<T> {
  const res = await fetch(`${base}${path}`);
  return (await res.json()) as T;
}

/** Drags across the middle band of a chart, as a user selects ticks to zoom into. */
async function dragSelect(page: Page, chart: string, fromFraction: number, toFraction: number): Promise<void> {
  const box = (await page.locator(`${chart} .u-over`).boundingBox())!;
  const y = box.y + box.height / 2;
  await page.mouse.move(box.x + box.width * fromFraction, y);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * toFraction, y, { steps: 6 });
  await page.mouse.up();
}

describe('analyzer page in Chromium on a recorded run', () => {
  beforeAll(async () => {
    web = await startWebNode('evo-analyzer-', () => [
      '-c',
      join(REPO_ROOT, 'config', 'evochora.conf'),
      // A short run, written to storage and analysed within a second or two of being simulated.
      '--set',
      `pipeline.services.simulation-engine.options.maxTicks=${MAX_TICKS}`,
      '--set',
      'pipeline.services.persistence-service-1.options.batchTimeoutSeconds=0.5',
      '--set',
      'pipeline.services.analytics-indexer-1.options.flushIntervalMs=1000',
      // Every sampled tick, with fine levels: the run is short, and the test zooms from a coarse level to a finer one.
      '--set',
      'pipeline.services.analytics-indexer-1.options.resolution=every-sample',
      '--set',
      'pipeline.services.analytics-indexer-1.options.lodFactors=[10,100,1000,10000]',
    ]);
    base = web.base;
    browser = web.browser;
  }, 60_000);

  afterAll(async () => {
    await web?.close();
  }, 60_000);

  it('charts the run, zooms into a finer level and opens the visualizer at a clicked tick', async () => {
    // The whole run analysed, and indexed for the visualizer the click opens.
    const runId = await until(
      async () => {
        const r = await getJson<{ runs: Array<{ runId: string; lastTick: number }> }>('/analyzer/api/runs');
        return r.runs[0] && r.runs[0].lastTick >= MAX_TICKS ? r.runs[0].runId : undefined;
      },
      'analytics of the whole run',
      40_000,
    );
    await until(
      async () => {
        const r = await getJson<{ runs: Array<{ runId: string; ticks: { maxTick: number } | null }> }>(
          '/visualizer/api/runs',
        );
        return (r.runs.find((x) => x.runId === runId)?.ticks?.maxTick ?? 0) >= MAX_TICKS;
      },
      'indexed ticks',
      40_000,
    );

    const page = await browser!.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    const populationRequests: URL[] = [];
    page.on('request', (r) => {
      const u = new URL(r.url());
      if (u.pathname.endsWith('/metrics/population')) populationRequests.push(u);
    });

    await page.goto(`${base}/analyzer?run=${runId}`);
    const population = '.chart[data-table="population"]';
    const canvas = page.locator(`${population} canvas`).first();
    await canvas.waitFor({ timeout: 20_000 });
    const size = (await canvas.boundingBox())!;
    expect(size.width).toBeGreaterThan(100);
    expect(size.height).toBeGreaterThan(100);
    expect(await page.inputValue('#run-select')).toBe(runId);
    expect(await page.isHidden('#error')).toBe(true);
    // The whole run is wider than the chart: a coarser level is shown, and the title says which.
    const levelOf = async (): Promise<number> => Number(await page.getAttribute(population, 'data-level'));
    const coarse = await levelOf();
    expect(coarse).toBeGreaterThan(1);
    expect(await page.textContent(`${population} .lod`)).toBe(`lod ${coarse}`);
    expect(populationRequests[0]!.searchParams.get('points')).toMatch(/^\d+$/);
    expect(populationRequests[0]!.searchParams.has('from')).toBe(false);
    // The other views: the Muller plot, the genotype bank and the phylogeny.
    await page.waitForSelector('#muller canvas', { timeout: 10_000 });
    await page.waitForSelector('#genotypes tbody tr td.num', { timeout: 10_000 });
    await page.waitForSelector('#tree li', { timeout: 10_000 });
    expect(await page.locator('.chart').count()).toBeGreaterThanOrEqual(8);

    // A drag across a twentieth of the chart zooms into those ticks and fetches them at a finer level.
    await dragSelect(page, population, 0.3, 0.35);
    await expect.poll(levelOf, { timeout: 10_000 }).toBeLessThan(coarse);
    expect(await page.textContent(`${population} .lod`)).toBe(`lod ${await levelOf()}`);
    const zoomed = populationRequests.at(-1)!;
    const from = Number(zoomed.searchParams.get('from'));
    const to = Number(zoomed.searchParams.get('to'));
    expect(from).toBeGreaterThan(0);
    expect(to - from).toBeGreaterThan(100);
    expect(to - from).toBeLessThan(MAX_TICKS / 10);
    expect(await page.isVisible('#reset-zoom')).toBe(true);
    // Reset zoom returns to the whole run; zoom in again for the screenshot and the click.
    await page.click('#reset-zoom');
    await expect.poll(levelOf, { timeout: 10_000 }).toBe(coarse);
    await dragSelect(page, population, 0.3, 0.35);
    await expect.poll(levelOf, { timeout: 10_000 }).toBeLessThan(coarse);
    mkdirSync(join(REPO_ROOT, 'test-output'), { recursive: true });
    await page.screenshot({ path: join(REPO_ROOT, 'test-output', 'analyzer.png'), fullPage: true });

    // A click on a point opens the visualizer at that tick of the run.
    const box = (await page.locator(`${population} .u-over`).boundingBox())!;
    const navigation = page.waitForRequest(
      (r) => r.isNavigationRequest() && new URL(r.url()).pathname === '/visualizer',
    );
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    const target = new URL((await navigation).url());
    expect(target.searchParams.get('run')).toBe(runId);
    const tick = Number(target.searchParams.get('tick'));
    expect(tick).toBeGreaterThanOrEqual(from);
    expect(tick).toBeLessThanOrEqual(to);
    await expect.poll(() => page.inputValue('#t-input'), { timeout: 20_000 }).toBe(String(tick));
    expect(await page.inputValue('#run-select')).toBe(runId);

    // Colour by lineage: the page fetches the run's genome tree, keeps the choice in the URL and says so in the legend.
    const tree = page.waitForResponse((r) => new URL(r.url()).pathname.endsWith(`/runs/${runId}/genome-tree`));
    await page.selectOption('#color-by', 'lineage');
    const answer = await tree;
    expect(answer.status()).toBe(200);
    const genomes = ((await answer.json()) as { genomes: Array<{ genomeHash: string; parentGenome: string | null }> })
      .genomes;
    expect(genomes.length).toBeGreaterThan(0);
    expect(genomes[0]!.parentGenome).toBeNull();
    expect(new URL(page.url()).searchParams.get('color')).toBe('lineage');
    expect(await page.textContent('#legend')).toContain('genotype');
    expect(problems).toEqual([]);
  }, 90_000);
});
