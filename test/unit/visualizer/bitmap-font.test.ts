/** The video overlays' 5×7 font: glyph pixels, scaling, text width and clipping at the frame's edges. */
import { describe, expect, it } from 'vitest';
import {
  GLYPH_ADVANCE,
  drawText,
  glyphRows,
  hasGlyph,
  textHeight,
  textWidth,
} from '../../../src/visualizer/video/bitmap-font.js';
import type { RgbCanvas } from '../../../src/visualizer/video/rgb-canvas.js';

function canvas(width: number, height: number): RgbCanvas {
  return { pixels: new Uint8Array(width * height * 3), width, height };
}

/** The lit pixels (red channel 255) of a canvas: count and bounding box. */
function lit(c: RgbCanvas): { count: number; x0: number; y0: number; x1: number; y1: number } {
  let count = 0;
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < c.height; y++)
    for (let x = 0; x < c.width; x++)
      if (c.pixels[(y * c.width + x) * 3] === 255) {
        count++;
        x0 = Math.min(x0, x);
        y0 = Math.min(y0, y);
        x1 = Math.max(x1, x);
        y1 = Math.max(y1, y);
      }
  return { count, x0, y0, x1, y1 };
}

const RED = [255, 0, 0] as const;

describe('bitmap font', () => {
  it("draws 'H' as its 5×7 pattern: 17 font pixels, scaled 3× into a 15×21 box at the given corner", () => {
    const c = canvas(40, 40);
    drawText(c, 4, 6, 'H', 3, RED);
    // #...# ×3, ##### , #...# ×3: 2·6 + 5 = 17.
    expect(lit(c)).toEqual({ count: 17 * 9, x0: 4, y0: 6, x1: 4 + 15 - 1, y1: 6 + 21 - 1 });
    // Its crossbar is row 3: font pixels 0..4 of that row lit, the row above has only the two stems.
    const at = (x: number, y: number) => c.pixels[(y * c.width + x) * 3];
    expect(at(4 + 7, 6 + 3 * 3)).toBe(255);
    expect(at(4 + 7, 6 + 2 * 3)).toBe(0);
  });

  it("draws '1' with 10 font pixels and lowercase letters of their own", () => {
    const c = canvas(10, 10);
    drawText(c, 0, 0, '1', 1, RED);
    expect(lit(c).count).toBe(10);
    expect(glyphRows('a')).not.toEqual(glyphRows('A'));
    for (const ch of '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ:.-/×_')
      expect(hasGlyph(ch)).toBe(true);
  });

  it('measures text: 6 font pixels per character less the last gap, 7 high, times the scale', () => {
    expect(textWidth('', 2)).toBe(0);
    expect(textWidth('tick 300', 1)).toBe(8 * GLYPH_ADVANCE - 1);
    expect(textWidth('tick 300', 2)).toBe((8 * GLYPH_ADVANCE - 1) * 2);
    expect(textHeight(3)).toBe(21);
    const c = canvas(80, 10);
    const end = drawText(c, 1, 1, 'ab1', 1, RED);
    expect(end).toBe(1 + 3 * GLYPH_ADVANCE);
    expect(lit(c).x1).toBeLessThanOrEqual(textWidth('ab1', 1));
  });

  it("draws an unknown character as '?' and clips text running off the canvas", () => {
    const a = canvas(10, 10);
    const b = canvas(10, 10);
    drawText(a, 0, 0, '\u00e9', 1, RED);
    drawText(b, 0, 0, '?', 1, RED);
    expect(Buffer.from(a.pixels).equals(Buffer.from(b.pixels))).toBe(true);
    const small = canvas(8, 5);
    drawText(small, -3, -2, 'WWWW', 2, RED);
    expect(lit(small).count).toBeGreaterThan(0);
    expect(small.pixels.length).toBe(8 * 5 * 3);
  });
});
