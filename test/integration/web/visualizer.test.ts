/**
 * The web visualizer in real Chromium (Debian `chromium` + playwright-core) against a live node started with
 * the built CLI: the page loads the growing run, steps ticks with the keyboard and buttons, selects an
 * organism and shows its registers, with no console errors. A screenshot goes to test-output/.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext } from 'playwright-core';
import { REPO_ROOT, until } from '../../helpers/cli.js';
import { startWebNode, webPipeline, type WebNode } from './web-node.js';

let web: WebNode | undefined;
let base: string;
let browser: BrowserContext | undefined;

describe('web visualizer in Chromium on a live run', () => {
  beforeAll(async () => {
    web = await startWebNode('evo-web-', (dataDir) => {
      const conf = join(dataDir, 'node.json');
      // Free instructions keep the organisms alive however fast the run goes, so the live tick the page
      // follows always has organisms to list; the node runs until the test stops it.
      const engine = {
        environment: { shape: [96, 64], topology: 'TORUS' },
        // Two energies, so sorting the list by energy orders it other than by id.
        organisms: [
          { program: 'builtin:counter', energy: 15000, positions: [[10, 10]] },
          { program: 'builtin:counter', energy: 20000, positions: [[50, 30]] },
        ],
        runtime: { thermodynamics: { default: { baseEnergy: 0, baseEntropy: 0 }, families: {}, instructions: {} } },
      };
      writeFileSync(conf, JSON.stringify(webPipeline(engine)));
      return ['-c', conf];
    });
    base = web.base;
    browser = web.browser;
  }, 60_000);

  afterAll(async () => {
    await web?.close();
  }, 60_000);

  it('loads the live run, steps ticks, selects an organism and shows its registers', async () => {
    // The run must have indexed ticks before the page is useful.
    await until(
      async () => {
        const r = await fetch(`${base}/visualizer/api/runs`).then(
          (x) => x.json() as Promise<{ runs: Array<{ ticks: { maxTick: number } | null; hasMetadata: boolean }> }>,
        );
        return r.runs[0]?.hasMetadata && (r.runs[0].ticks?.maxTick ?? 0) > 20 ? true : undefined;
      },
      'indexed ticks',
      30_000,
    );
    const page = await browser!.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    // The page follows the run by server push, not by polling /runs.
    const requests: string[] = [];
    page.on('request', (r) => requests.push(new URL(r.url()).pathname));
    await page.goto(`${base}/visualizer`);
    await page.waitForSelector('.org-row', { timeout: 20_000 });
    // A colour legend, and an organism list that sorts (largest energy first).
    expect(await page.locator('#legend .swatch').count()).toBeGreaterThanOrEqual(8);
    await page.selectOption('#org-sort', 'energy');
    const energies = await page.$$eval('.org-row', (rows) =>
      rows.map((r) => Number((r.children[2]?.textContent ?? '').replace('E ', ''))),
    );
    expect(energies).toEqual([...energies].sort((a, b) => b - a));
    await page.selectOption('#org-sort', 'id');
    // The column headers sort as well: a click on "energy" sorts largest first, a second click smallest first.
    const rowEnergies = (): Promise<number[]> =>
      page.$$eval('.org-row .energy', (cells) => cells.map((c) => Number((c.textContent ?? '').replace('E ', ''))));
    await page.click('#org-head [data-sort="energy"]');
    const down = await rowEnergies();
    expect(down).toEqual([...down].sort((a, b) => b - a));
    expect(down[0]).toBeGreaterThan(down.at(-1)!);
    expect(await page.inputValue('#org-sort')).toBe('energy');
    expect(await page.getAttribute('#org-head [data-sort="energy"]', 'aria-sort')).toBe('descending');
    await page.click('#org-head [data-sort="energy"]');
    expect(await rowEnergies()).toEqual([...down].reverse());
    expect(await page.getAttribute('#org-head [data-sort="energy"]', 'aria-sort')).toBe('ascending');
    await page.click('#org-head [data-sort="id"]');
    // The UI decodes cells with the ISA's own codec, served compiled (no copy in the web code).
    expect(
      await page.evaluate(
        'import("/isa/molecule.js").then((m) => [m.moleculeType(0x100005), m.moleculeValue(0x1fffff), m.MOLECULE_TYPE_NAMES[4]])',
      ),
    ).toEqual([1, -1, 'LABEL']);
    const tickOf = async (): Promise<number> => Number(await page.inputValue('#t-input'));
    // Follows the live run: the tick advances on its own, pushed by /visualizer/api/events, which also says
    // where the engine is and how far the index is behind it.
    const first = await tickOf();
    await expect.poll(tickOf, { timeout: 20_000 }).toBeGreaterThan(first);
    expect(requests).toContain('/visualizer/api/events');
    // The page is a set of small modules, all loaded (and without console errors, checked at the end).
    expect(requests).toEqual(
      expect.arrayContaining([
        '/main.js',
        '/state.js',
        '/api.js',
        '/renderer.js',
        '/timeline.js',
        '/inspector.js',
        '/push.js',
      ]),
    );
    expect(requests.filter((r) => r === '/visualizer/api/runs').length).toBeLessThanOrEqual(1);
    await expect
      .poll(async () => (await page.textContent('#engine-lag')) ?? '', { timeout: 10_000 })
      .toMatch(/^engine \d/);
    // Keyboard and buttons: Home (first tick, stops following), steps forward and back.
    await page.locator('#grid').focus();
    const tickIs = (t: number): Promise<unknown> => expect.poll(tickOf, { timeout: 5000 }).toBe(t);
    const statusShows = (t: number): Promise<unknown> =>
      expect
        .poll(async () => (await page.textContent('#status')) ?? '', { timeout: 5000 })
        .toMatch(new RegExp(`^tick ${t} `));
    await page.keyboard.press('Home');
    await tickIs(0);
    expect(await page.isChecked('#t-follow')).toBe(false);
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    await tickIs(3);
    await page.click('#t-fwd');
    await tickIs(4);
    await page.keyboard.press('PageUp');
    await tickIs(14);
    await page.keyboard.press('ArrowLeft');
    await tickIs(13);
    const stepped = await tickOf();
    await statusShows(stepped);
    // Select an organism: the panel shows all register banks.
    await page.click('.org-row >> nth=0');
    await page.waitForSelector('#op-registers', { timeout: 10_000 });
    const banks = await page.locator('#op-registers th').allTextContents();
    expect(banks).toEqual(['DR', 'LR', 'PDR', 'PLR', 'FDR', 'FLR', 'SDR', 'SLR']);
    expect(await page.locator('#op-registers td').count()).toBeGreaterThanOrEqual(48);
    // No register value is cut off: a value wider than its column (the widest a molecule gives) wraps in its cell.
    const overflowing = (): Promise<string[]> =>
      page.$$eval('#op-registers td', (tds) =>
        tds.filter((td) => td.scrollWidth > td.clientWidth).map((td) => td.textContent ?? ''),
      );
    expect(await overflowing()).toEqual([]);
    await page.$eval('#op-registers td', (td) => (td.textContent = 'D:-1048576'));
    expect(await overflowing()).toEqual([]);
    // The minimap sits beside the grid, not over it.
    const gridBox = (await page.locator('#grid').boundingBox())!;
    const mmBox = (await page.locator('#minimap').boundingBox())!;
    expect(mmBox.width).toBeGreaterThan(50);
    expect(mmBox.x >= gridBox.x + gridBox.width || mmBox.y >= gridBox.y + gridBox.height).toBe(true);
    // A generation column (founders here: 0).
    expect(await page.$$eval('.org-row .generation', (cells) => cells.map((c) => c.textContent))).toEqual(
      expect.arrayContaining(['0']),
    );
    expect(Number(await page.textContent('#op-energy'))).toBeGreaterThan(0);
    expect(await page.locator('.source .current').count()).toBe(1);
    // The panel names the children alive at this tick (founders here: none), and can follow the organism.
    expect(await page.textContent('#op-body')).toContain('children');
    await page.check('#op-follow');
    // The selection survives a step.
    await page.keyboard.press('ArrowRight');
    await statusShows(stepped + 1);
    await page.waitForSelector('#op-registers');
    // The panel charts the organism's energy and entropy from its birth up to the shown tick.
    const historyPoints = async (): Promise<number> =>
      Number((await page.getAttribute('#op-history', 'data-points')) ?? 0);
    await expect.poll(historyPoints, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
    expect(await historyPoints()).toBe(stepped + 2); // born at 0, every tick sampled
    expect(await page.textContent('#op-history-legend')).toMatch(/^energy -?\d+ .*entropy -?\d+/);
    await page.click('#zoom-in');
    await page.click('#zoom-in');
    mkdirSync(join(REPO_ROOT, 'test-output'), { recursive: true });
    await page.screenshot({ path: join(REPO_ROOT, 'test-output', 'visualizer.png') });
    // Overlays: each draws over the cells, says what it shows in the legend and goes into the URL.
    for (const overlay of ['energy', 'ownership', 'age', 'density']) {
      await page.selectOption('#overlay-select', overlay);
      expect(await page.textContent('#legend')).toContain(`${overlay} overlay`);
      expect(new URL(page.url()).searchParams.get('overlay')).toBe(overlay);
    }
    await page.screenshot({ path: join(REPO_ROOT, 'test-output', 'visualizer-density.png') });
    await page.selectOption('#overlay-select', 'none');

    // The world is a torus (96×64 here): dragged right across the world's left edge, the view shows the cells of
    // its right side beyond that edge (wrapped), not the void. An organism's IP cell is found at its wrapped place.
    await page.uncheck('#op-follow');
    await page.click('#zoom-fit');
    const box = (await page.locator('#grid').boundingBox())!;
    const cell = Math.min(box.width / 96, box.height / 64);
    const ips = await page.$$eval('.org-row', (rows) =>
      rows.map((r) => (r.querySelector('.ip')?.textContent ?? '').replace('ip ', '').split('|').map(Number)),
    );
    const [ipx, ipy] = ips.reduce((a, b) => (b[0]! > a[0]! ? b : a));
    // Shift the world right so that the copy of column ipx beyond the left edge lands at column 3 of the view.
    const drag = Math.round((96 + 3 - ipx!) * cell);
    expect(drag).toBeLessThan(box.width - 30);
    // (Below the zoom buttons, which sit over the canvas's top left corner.)
    await page.mouse.move(box.x + 20, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + 20 + drag, box.y + box.height / 2, { steps: 8 });
    await page.mouse.up();
    // Read through a copy made for reading, so Chromium does not warn about readbacks of the page's canvas.
    const pixel = (x: number, y: number): Promise<number[]> =>
      page.evaluate(`(() => {
        const copy = document.createElement('canvas');
        copy.width = 1;
        copy.height = 1;
        const ctx = copy.getContext('2d', { willReadFrequently: true });
        ctx.drawImage(document.getElementById('grid'), ${Math.round(x)}, ${Math.round(y)}, 1, 1, 0, 0, 1, 1);
        return Array.from(ctx.getImageData(0, 0, 1, 1).data);
      })()`);
    const at = { x: 3.5 * cell, y: (ipy! + 0.5) * cell };
    const hex = (rgba: number[]): string =>
      `#${rgba
        .slice(0, 3)
        .map((v) => v.toString(16).padStart(2, '0'))
        .join('')}`;
    // Neither the void outside a world (#07090b) nor an empty world cell (#0e1217): the organism's cell.
    await expect.poll(async () => hex(await pixel(at.x, at.y)), { timeout: 5000 }).not.toMatch(/^#(07090b|0e1217)$/);
    // Left of the seam (the world's left edge, now at `drag` px) every pixel is world, none is void.
    expect(hex(await pixel(drag / 2, box.height - 3))).not.toBe('#07090b');
    await page.screenshot({ path: join(REPO_ROOT, 'test-output', 'visualizer-wrap.png') });

    // A shared link reproduces the view: the URL holds run, tick, selection and the view (corner and zoom), and a
    // fresh page opened on it shows the same.
    await expect
      .poll(() => new URL(page.url()).searchParams.get('view'), { timeout: 5000 })
      .toMatch(/^[\d.-]+,[\d.-]+,[\d.]+$/);
    const shared = page.url();
    const twin = await browser!.newPage();
    await twin.goto(shared);
    await twin.waitForSelector('#grid');
    await expect
      .poll(() => new URL(twin.url()).searchParams.get('view'), { timeout: 10_000 })
      .toBe(new URL(shared).searchParams.get('view'));
    expect(new URL(twin.url()).searchParams.get('tick')).toBe(new URL(shared).searchParams.get('tick'));
    expect(new URL(twin.url()).searchParams.get('runId')).toBe(new URL(shared).searchParams.get('runId'));
    await twin.close();

    // The front page: the run with links to the visualizer and the analyzer, and every service with its state.
    await page.goto(`${base}/`);
    await page.waitForSelector('#runs tbody tr td.mono', { timeout: 10_000 });
    expect(await page.locator('#runs a[href^="/visualizer?run="]').count()).toBeGreaterThan(0);
    expect(await page.locator('#runs a[href^="/analyzer?run="]').count()).toBeGreaterThan(0);
    // The run the engine records is marked as such (from the live feed's engine tick).
    await expect.poll(() => page.locator('#runs td[data-status="recording"]').count(), { timeout: 10_000 }).toBe(1);
    await expect.poll(() => page.locator('#services tbody tr').count(), { timeout: 10_000 }).toBeGreaterThanOrEqual(5);
    expect(await page.textContent('#services')).toContain('simulation-engine');
    await page.screenshot({ path: join(REPO_ROOT, 'test-output', 'home.png') });
    // The API docs page lists every route of the node from one OpenAPI document.
    await page.goto(`${base}/api`);
    await page.waitForSelector('table.routes', { timeout: 10_000 });
    const docs = (await page.textContent('#docs')) ?? '';
    for (const path of [
      '/node/health',
      '/pipeline/api/status',
      '/metrics',
      '/visualizer/api/events',
      '/analyzer/api/runs/{run}/query',
    ])
      expect(docs, path).toContain(path);
    expect(problems).toEqual([]);
  }, 90_000);
});
