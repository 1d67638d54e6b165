/**
 * The video overlays: the population graph draws its line inside its strip and marks the current value; the info
 * band darkens the top rows and carries the text; --overlay names parse, an unknown one is a coded usage error.
 */
import { describe, expect, it } from 'vitest';
import { GRAPH_LINE_RGB, GraphOverlay } from '../../../src/visualizer/video/overlay-graph.js';
import { InfoOverlay, INFO_TEXT_RGB, shortRunId } from '../../../src/visualizer/video/overlay-info.js';
import { FrameOverlays, UnknownOverlayError, parseOverlays } from '../../../src/visualizer/video/frame-overlays.js';
import type { RgbCanvas } from '../../../src/visualizer/video/rgb-canvas.js';
import { ExitCode } from '../../../src/exit-codes.js';

/** A canvas filled with one mid-grey, so shading and drawing both show. */
function grey(width: number, height: number, v = 128): RgbCanvas {
  return { pixels: new Uint8Array(width * height * 3).fill(v), width, height };
}

function rgbAt(c: RgbCanvas, x: number, y: number): [number, number, number] {
  const p = (y * c.width + x) * 3;
  return [c.pixels[p]!, c.pixels[p + 1]!, c.pixels[p + 2]!];
}

function rowsWith(c: RgbCanvas, rgb: readonly number[]): Set<number> {
  const rows = new Set<number>();
  for (let y = 0; y < c.height; y++)
    for (let x = 0; x < c.width; x++) {
      const [r, g, b] = rgbAt(c, x, y);
      if (r === rgb[0] && g === rgb[1] && b === rgb[2]) rows.add(y);
    }
  return rows;
}

describe('graph overlay', () => {
  it('draws the line inside the strip at the bottom, rising with the counts, and leaves the rest alone', () => {
    const c = grey(200, 120);
    const g = new GraphOverlay({ width: 200, height: 120, fromTick: 0, toTick: 100 });
    expect(g.top).toBeGreaterThan(80);
    for (let t = 0; t <= 100; t += 10) g.push(t, t * 2);
    g.draw(c);
    const lineRows = rowsWith(c, GRAPH_LINE_RGB);
    expect(lineRows.size).toBeGreaterThan(5);
    for (const y of lineRows) expect(y).toBeGreaterThanOrEqual(g.top);
    // Everything above the strip is untouched; the strip is darkened.
    for (let y = 0; y < g.top; y++) expect(rgbAt(c, 100, y)).toEqual([128, 128, 128]);
    expect(rgbAt(c, 0, g.top)[0]).toBeLessThan(128);
    // Rising counts: the line's leftmost pixel is lower (larger y) than its rightmost.
    const cols: Array<{ x: number; y: number }> = [];
    for (let y = 0; y < c.height; y++)
      for (let x = 0; x < c.width; x++) {
        const [r, gg, b] = rgbAt(c, x, y);
        if (r === GRAPH_LINE_RGB[0] && gg === GRAPH_LINE_RGB[1] && b === GRAPH_LINE_RGB[2]) cols.push({ x, y });
      }
    const left = cols.reduce((a, b) => (b.x < a.x ? b : a));
    const right = cols.reduce((a, b) => (b.x > a.x ? b : a));
    expect(left.y).toBeGreaterThan(right.y);
    // The current value is marked in white (dot and label).
    expect(rowsWith(c, [255, 255, 255]).size).toBeGreaterThan(0);
  });

  it('keeps a frame to the strip width however many frames came before', () => {
    const g = new GraphOverlay({ width: 64, height: 64, fromTick: 0, toTick: 99_999 });
    for (let t = 0; t < 100_000; t++) g.push(t, t % 50);
    const c = grey(64, 64);
    const started = performance.now();
    g.draw(c);
    expect(performance.now() - started).toBeLessThan(50);
    for (const y of rowsWith(c, GRAPH_LINE_RGB)) expect(y).toBeGreaterThanOrEqual(g.top);
  });
});

describe('info overlay', () => {
  it('darkens a band at the top and writes the tick and the count into it', () => {
    const c = grey(512, 512);
    const info = new InfoOverlay({ width: 512, height: 512, runId: 'r1', mode: 'exact', maxTick: 300, maxAlive: 4096 });
    expect(info.scale).toBe(2);
    expect(info.lines(300, 12)).toEqual(['run r1  tick 300  alive 12  exact']);
    info.draw(c, 300, 12);
    const textRows = rowsWith(c, INFO_TEXT_RGB);
    expect(Math.min(...textRows)).toBeGreaterThan(0);
    expect(Math.max(...textRows)).toBeLessThan(info.bandHeight);
    // One line of 14-pixel text with 3 pixels above and below.
    expect(info.bandHeight).toBe(20);
    // The band's background: grey 128 darkened by 60 % black.
    expect(rgbAt(c, 511, 0)).toEqual([51, 51, 51]);
    expect(rgbAt(c, 511, info.bandHeight)).toEqual([128, 128, 128]);
  });

  it('keeps its size on two lines where one does not fit, and shrinks and leaves parts out only when neither does', () => {
    const id = '20250101-12000000-0f3c8d7a-1111-2222-3333-444455556666';
    expect(shortRunId(id)).toBe('20250101-12000000…');
    // 512 × 512 world of 100,000 ticks: one line would be 56 characters (672 px at scale 2).
    const two = new InfoOverlay({ width: 512, height: 512, runId: id, mode: 'exact', maxTick: 1e5, maxAlive: 262_144 });
    expect(two.scale).toBe(2);
    expect(two.lines(7, 5)).toEqual(['run 20250101-12000000…  exact', 'tick 7  alive 5']);
    expect(two.bandHeight).toBe(3 + 14 + 4 + 14 + 3);
    const c = grey(512, 512);
    two.draw(c, 100_000, 262_144);
    expect(Math.max(...rowsWith(c, INFO_TEXT_RGB))).toBeGreaterThan(3 + 14 + 4);
    const small = new InfoOverlay({ width: 64, height: 64, runId: id, mode: 'density', maxTick: 300, maxAlive: 4096 });
    expect(small.scale).toBe(1);
    expect(small.lines(300, 5)).toEqual(['tick 300  alive 5']);
    const wide = new InfoOverlay({
      width: 1024,
      height: 1024,
      runId: id,
      mode: 'exact',
      maxTick: 1e6,
      maxAlive: 262_144,
    });
    expect(wide.scale).toBe(4);
    expect(wide.lines(7, 5)).toHaveLength(2);
  });
});

describe('--overlay', () => {
  it('parses a comma-separated list, each name once', () => {
    expect(parseOverlays(undefined)).toEqual([]);
    expect(parseOverlays('info')).toEqual(['info']);
    expect(parseOverlays(' graph , info,graph ')).toEqual(['graph', 'info']);
  });

  it('rejects an unknown name with VIDEO_UNKNOWN_OVERLAY (exit 2)', () => {
    const err = (() => {
      try {
        parseOverlays('info,clock');
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(UnknownOverlayError);
    expect(err).toMatchObject({ code: 'VIDEO_UNKNOWN_OVERLAY', exitCode: ExitCode.Usage });
  });

  it('draws nothing without overlays, and both bands with info,graph', () => {
    const opts = { width: 128, height: 128, runId: 'r', mode: 'exact', fromTick: 0, toTick: 10, cells: 4096 };
    const none = new FrameOverlays([], opts);
    expect(none.any).toBe(false);
    const c = grey(128, 128);
    const both = new FrameOverlays(['info', 'graph'], opts);
    both.draw(c, 0, 3);
    both.draw(c, 10, 7);
    expect(rgbAt(c, 127, 0)[0]).toBeLessThan(128);
    expect(rgbAt(c, 127, 127)[0]).toBeLessThan(128);
    expect(rgbAt(c, 127, 64)).toEqual([128, 128, 128]);
  });
});
