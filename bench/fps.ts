/// <reference lib="dom" />
/**
 * Frames per second of the web visualizer on a 2048×1152 world in Chromium (Debian's, headless, software
 * rendering: a desktop browser with a GPU draws faster). A default node records the world; the page pans
 * continuously (a synthetic drag, one step per animation frame) for `--seconds` at three zoom levels: the whole
 * world fitted, 4 px per cell and 16 px per cell (opcode names drawn); and plays the run. The figure is the
 * count of requestAnimationFrame callbacks per second: a frame that takes longer than 16.7 ms to draw lowers it.
 *
 * Usage: npx tsx bench/fps.ts [--seconds 10] [--warmup 6] [--json]
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { cli } from './node-cli.js';

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1]! : fallback;
};
const SECONDS = Number(arg('--seconds', '10'));
/** Seconds the node records before the page opens (longer: a fuller world to draw). */
const WARMUP = Number(arg('--warmup', '6'));
const json = process.argv.includes('--json');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Pans by dragging one step per animation frame for `ms`; returns animation frames per second. */
async function panFps(page: Page, ms: number): Promise<number> {
  return page.evaluate(async (duration) => {
    const canvas = document.getElementById('grid')!;
    const r = canvas.getBoundingClientRect();
    const cx = r.left + r.width / 2;
    const cy = r.top + r.height / 2;
    const fire = (type: string, x: number, y: number, target: EventTarget): void => {
      target.dispatchEvent(new MouseEvent(type, { clientX: x, clientY: y, bubbles: true }));
    };
    fire('mousedown', cx, cy, canvas);
    let frames = 0;
    const t0 = performance.now();
    await new Promise<void>((done) => {
      const step = (now: number): void => {
        frames++;
        const t = (now - t0) / 1000;
        // A circle of 200 px radius, once every 4 s: every frame moves the view.
        fire('mousemove', cx + 200 * Math.cos(t * 1.57), cy + 200 * Math.sin(t * 1.57), window);
        if (now - t0 < duration) requestAnimationFrame(step);
        else done();
      };
      requestAnimationFrame(step);
    });
    fire('mouseup', cx, cy, window);
    return (frames * 1000) / (performance.now() - t0);
  }, ms);
}

/** Animation frames per second while the timeline plays. */
async function playFps(page: Page, ms: number): Promise<number> {
  await page.keyboard.press('Space');
  const fps = await page.evaluate(async (duration) => {
    let frames = 0;
    const t0 = performance.now();
    await new Promise<void>((done) => {
      const step = (now: number): void => {
        frames++;
        if (now - t0 < duration) requestAnimationFrame(step);
        else done();
      };
      requestAnimationFrame(step);
    });
    return (frames * 1000) / (performance.now() - t0);
  }, ms);
  await page.keyboard.press('Space');
  return fps;
}

/** Pixels per cell of the view, from the URL's `view=x,y,cell`. */
const cellOf = (page: Page): number =>
  Number((new URL(page.url()).searchParams.get('view') ?? '').split(',')[2] ?? NaN);

/** Zooms with the wheel until a cell is about `px` pixels wide. */
async function zoomTo(page: Page, px: number): Promise<number> {
  const box = (await page.locator('#grid').boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  for (let i = 0; i < 60; i++) {
    const cell = cellOf(page);
    if (Number.isFinite(cell) && cell >= px) return cell;
    await page.mouse.wheel(0, -100);
    await page.waitForTimeout(150);
  }
  return cellOf(page);
}

async function main(): Promise<void> {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium is not installed at ${CHROMIUM}: apt-get install chromium`);
  const dataDir = mkdtempSync(join(tmpdir(), 'evo-bench-fps-'));
  const started = cli([
    'node',
    'run',
    '--detached',
    '--port',
    '0',
    '--data-dir',
    dataDir,
    '--set',
    'pipeline.services.simulation-engine.options.environment.shape=[2048,1152]',
  ]) as { port: number };
  const profile = mkdtempSync(join(tmpdir(), 'evo-bench-chrome-'));
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    viewport: { width: 1366, height: 768 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  });
  try {
    await new Promise((r) => setTimeout(r, WARMUP * 1000)); // the first batches indexed, or a fuller world
    const page = await browser.newPage();
    // tsx compiles named functions with an `__name` helper that the page does not have.
    await page.addInitScript({ content: 'window.__name = (f) => f;' });
    await page.goto(`http://127.0.0.1:${started.port}/visualizer`);
    await page.waitForSelector('#grid');
    await page.waitForTimeout(2000);
    const ms = SECONDS * 1000;
    const rows: Array<{ view: string; cellPx: number; fps: number }> = [];
    rows.push({ view: 'whole world fitted, panning', cellPx: cellOf(page), fps: await panFps(page, ms) });
    const c4 = await zoomTo(page, 4);
    rows.push({ view: 'zoomed in, panning', cellPx: c4, fps: await panFps(page, ms) });
    const c16 = await zoomTo(page, 16);
    rows.push({ view: 'opcode names, panning', cellPx: c16, fps: await panFps(page, ms) });
    rows.push({ view: 'playing the run', cellPx: c16, fps: await playFps(page, ms) });
    if (json) console.log(JSON.stringify({ world: [2048, 1152], seconds: SECONDS, rows }));
    else {
      console.log(`web visualizer, 2048×1152 world, Chromium headless (software rendering), ${SECONDS} s each`);
      for (const r of rows)
        console.log(`${r.view.padEnd(28)} ${r.cellPx.toFixed(2).padStart(6)} px/cell  ${r.fps.toFixed(1)} fps`);
    }
  } finally {
    await browser.close();
    cli(['node', 'stop', '--data-dir', dataDir]);
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(profile, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
