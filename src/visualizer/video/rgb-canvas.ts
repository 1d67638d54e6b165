/**
 * Drawing on a frame's RGB24 pixels (3 bytes per pixel, row after row) for the video overlays: filled and
 * translucent rectangles and thick lines, every one clipped to the frame, so an overlay can never write outside
 * the buffer whatever the frame size.
 */

export interface RgbCanvas {
  readonly pixels: Uint8Array;
  readonly width: number;
  readonly height: number;
}

export type Rgb = readonly [number, number, number];

/** The rectangle [x, x + w) × [y, y + h) in `rgb`. */
export function fillRect(c: RgbCanvas, x: number, y: number, w: number, h: number, rgb: Rgb): void {
  const x0 = Math.max(0, Math.floor(x));
  const y0 = Math.max(0, Math.floor(y));
  const x1 = Math.min(c.width, Math.floor(x + w));
  const y1 = Math.min(c.height, Math.floor(y + h));
  const px = c.pixels;
  for (let yy = y0; yy < y1; yy++) {
    let p = (yy * c.width + x0) * 3;
    for (let xx = x0; xx < x1; xx++) {
      px[p++] = rgb[0];
      px[p++] = rgb[1];
      px[p++] = rgb[2];
    }
  }
}

/** The rectangle mixed with `rgb` by `alpha` (0 keeps the frame, 1 covers it): a band text reads over. */
export function shadeRect(c: RgbCanvas, x: number, y: number, w: number, h: number, rgb: Rgb, alpha: number): void {
  const x0 = Math.max(0, Math.floor(x));
  const y0 = Math.max(0, Math.floor(y));
  const x1 = Math.min(c.width, Math.floor(x + w));
  const y1 = Math.min(c.height, Math.floor(y + h));
  // One table per channel: a band covers tens of thousands of pixels a frame.
  const keep = 1 - alpha;
  const lut = new Uint8Array(3 * 256);
  for (let k = 0; k < 3; k++) for (let v = 0; v < 256; v++) lut[k * 256 + v] = Math.round(v * keep + rgb[k]! * alpha);
  const px = c.pixels;
  for (let yy = y0; yy < y1; yy++) {
    let p = (yy * c.width + x0) * 3;
    for (let xx = x0; xx < x1; xx++) {
      px[p] = lut[px[p]!]!;
      px[p + 1] = lut[256 + px[p + 1]!]!;
      px[p + 2] = lut[512 + px[p + 2]!]!;
      p += 3;
    }
  }
}

/** A line from (x0, y0) to (x1, y1) of `thickness` pixels (Bresenham, each step a thickness² square). */
export function drawLine(c: RgbCanvas, x0: number, y0: number, x1: number, y1: number, rgb: Rgb, thickness = 1): void {
  let x = Math.round(x0);
  let y = Math.round(y0);
  const tx = Math.round(x1);
  const ty = Math.round(y1);
  const dx = Math.abs(tx - x);
  const dy = -Math.abs(ty - y);
  const sx = x < tx ? 1 : -1;
  const sy = y < ty ? 1 : -1;
  const half = Math.floor((thickness - 1) / 2);
  let err = dx + dy;
  for (;;) {
    fillRect(c, x - half, y - half, thickness, thickness, rgb);
    if (x === tx && y === ty) return;
    const e2 = 2 * err;
    if (e2 >= dy) {
      err += dy;
      x += sx;
    }
    if (e2 <= dx) {
      err += dx;
      y += sy;
    }
  }
}
