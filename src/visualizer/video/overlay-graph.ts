/**
 * `--overlay graph`: organisms alive over time as a line in a strip along the bottom of the frame, from the
 * first frame up to the current one, over a dark translucent band. x is the frame's tick within the video's
 * range (so the line grows from left to right as the video plays), y the count from 0 up to the highest so far.
 * The current value is marked with a dot and written beside it.
 */
import { drawText, textHeight, textWidth } from './bitmap-font.js';
import { overlayScale } from './overlay-scale.js';
import { drawLine, fillRect, shadeRect, type Rgb, type RgbCanvas } from './rgb-canvas.js';

export const GRAPH_BAND_RGB: Rgb = [0, 0, 0];
export const GRAPH_BAND_ALPHA = 0.55;
export const GRAPH_LINE_RGB: Rgb = [111, 220, 140];
export const GRAPH_MARK_RGB: Rgb = [255, 255, 255];

export interface GraphOverlayOptions {
  readonly width: number;
  readonly height: number;
  /** The video's tick range: the strip's left and right edges. */
  readonly fromTick: number;
  readonly toTick: number;
}

export class GraphOverlay {
  readonly scale: number;
  /** The strip: rows [top, height) of the frame. */
  readonly top: number;
  private readonly pad: number;
  /**
   * Per pixel column of the plot, the counts that fell on it: first, lowest, highest and last. A column's part of
   * the line runs between its lowest and highest, so drawing these is the whole polyline at pixel resolution,
   * and a frame costs the strip's width however many frames came before.
   */
  private readonly first: Int32Array;
  private readonly low: Int32Array;
  private readonly high: Int32Array;
  private readonly last: Int32Array;
  /** The columns with counts, left to right. */
  private readonly used: Int32Array;
  private usedCount = 0;
  private max = 1;
  private current = 0;

  constructor(private readonly options: GraphOverlayOptions) {
    this.scale = overlayScale(options.width, options.height);
    this.pad = this.scale + 1;
    const strip = Math.max(textHeight(this.scale) + 2 * this.pad + 2, Math.round(options.height * 0.16));
    this.top = Math.max(0, options.height - strip);
    const columns = Math.max(1, options.width - 2 * this.pad);
    this.first = new Int32Array(columns);
    this.low = new Int32Array(columns);
    this.high = new Int32Array(columns);
    this.last = new Int32Array(columns);
    this.used = new Int32Array(columns);
  }

  /** Adds the count of the next frame (ticks ascending). */
  push(tick: number, alive: number): void {
    const { fromTick, toTick } = this.options;
    const f = toTick > fromTick ? (tick - fromTick) / (toTick - fromTick) : 1;
    const col = Math.round(Math.max(0, Math.min(1, f)) * (this.first.length - 1));
    const prev = this.usedCount > 0 ? this.used[this.usedCount - 1]! : -1;
    if (col !== prev) {
      this.used[this.usedCount++] = col;
      this.first[col] = this.low[col] = this.high[col] = alive;
    } else {
      if (alive < this.low[col]!) this.low[col] = alive;
      if (alive > this.high[col]!) this.high[col] = alive;
    }
    this.last[col] = alive;
    this.current = alive;
    if (alive > this.max) this.max = alive;
  }

  /** The frame row of a count. */
  private y(value: number): number {
    const y0 = this.top + this.pad;
    const y1 = this.options.height - 1 - this.pad;
    return Math.round(y1 - (value / this.max) * (y1 - y0));
  }

  /** Draws the strip with every count pushed so far. */
  draw(c: RgbCanvas): void {
    shadeRect(c, 0, this.top, c.width, c.height - this.top, GRAPH_BAND_RGB, GRAPH_BAND_ALPHA);
    if (this.usedCount === 0) return;
    const thick = this.scale;
    let px = -1;
    let py = 0;
    for (let k = 0; k < this.usedCount; k++) {
      const col = this.used[k]!;
      const x = this.pad + col;
      if (px >= 0) drawLine(c, px, py, x, this.y(this.first[col]!), GRAPH_LINE_RGB, thick);
      drawLine(c, x, this.y(this.low[col]!), x, this.y(this.high[col]!), GRAPH_LINE_RGB, thick);
      px = x;
      py = this.y(this.last[col]!);
    }
    // The current value: a dot, and the count beside it (left of the dot when it would run off the right edge).
    const dot = 3 * thick;
    fillRect(c, px - Math.floor(dot / 2), py - Math.floor(dot / 2), dot, dot, GRAPH_MARK_RGB);
    const label = String(this.current);
    const w = textWidth(label, this.scale);
    const lx = px + dot + w <= c.width - this.pad ? px + dot : Math.max(0, px - dot - w);
    const h = textHeight(this.scale);
    const ly = Math.min(Math.max(this.top + this.pad, py - Math.floor(h / 2)), c.height - this.pad - h);
    drawText(c, lx, ly, label, this.scale, GRAPH_MARK_RGB);
  }
}
