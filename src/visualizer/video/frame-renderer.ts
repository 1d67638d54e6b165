/**
 * Draws a world frame into RGB24 pixels with the web visualizer's colour rules (visualizer/cell-colors.ts):
 * - `exact`: every cell `scale` × `scale` pixels;
 * - `minimap`: the world shrunk to fit `size` pixels (a pixel shows the first non-empty cell of its block);
 * - `density`: blocks of cells coloured by how full they are (dark → blue → yellow → white).
 * Width follows the first dimension, height the second; both are rounded up to even numbers (what H.264 needs).
 */
import { moleculeType } from '../../isa/molecule.js';
import {
  BACKGROUND_COLOR,
  EMPTY_CODE_COLOR,
  OWNER_TINT,
  TYPE_COLORS,
  hslToRgb,
  ownerHue,
  rgbOf,
} from '../cell-colors.js';
import type { WorldFrame } from './stored-frames.js';

/** `lineage`: the exact picture with every owned cell in its owner's lineage hue (`ownerHues`), the rest dimmed. */
export type RenderMode = 'exact' | 'minimap' | 'density' | 'lineage';

export interface RenderOptions {
  readonly mode: RenderMode;
  /** Owner id → hue, for `lineage` (cell-colors.ts `lineageHues` of each owner's genotype). */
  readonly ownerHues?: ReadonlyMap<number, number>;
  /** exact: pixels per cell. */
  readonly scale: number;
  /** minimap and density: the longest side in pixels. */
  readonly size: number;
}

export class FrameRenderer {
  readonly width: number;
  readonly height: number;
  /** Cells per pixel along each axis (1 in exact mode). */
  private readonly block: number;
  private readonly pixels: Buffer;
  private readonly typeRgb = TYPE_COLORS.map(rgbOf);
  private readonly emptyCodeRgb = rgbOf(EMPTY_CODE_COLOR);
  private readonly backgroundRgb = rgbOf(BACKGROUND_COLOR);
  private readonly ownerRgb = new Map<number, [number, number, number]>();

  constructor(
    private readonly shape: readonly [number, number],
    private readonly options: RenderOptions,
  ) {
    const [w, h] = shape;
    if (options.mode === 'exact' || options.mode === 'lineage') {
      this.block = 1;
      this.width = w * options.scale;
      this.height = h * options.scale;
    } else {
      this.block = Math.max(1, Math.ceil(Math.max(w, h) / options.size));
      this.width = Math.ceil(w / this.block);
      this.height = Math.ceil(h / this.block);
    }
    this.width += this.width % 2;
    this.height += this.height % 2;
    this.pixels = Buffer.alloc(this.width * this.height * 3);
  }

  private owner(id: number): [number, number, number] {
    let c = this.ownerRgb.get(id);
    if (!c) this.ownerRgb.set(id, (c = hslToRgb(ownerHue(id), 0.75, 0.58)));
    return c;
  }

  /** The RGB of one cell (as the page draws a cell of a few pixels: type colour, tinted by its owner). */
  private cellRgb(m: number, o: number, out: number[]): void {
    let base: readonly number[];
    if (m === 0 && o === 0) base = this.backgroundRgb;
    else if (m === 0) base = this.emptyCodeRgb;
    else base = this.typeRgb[moleculeType(m)] ?? [255, 255, 255];
    if (o === 0) {
      out[0] = base[0]!;
      out[1] = base[1]!;
      out[2] = base[2]!;
      return;
    }
    const c = this.owner(o);
    out[0] = Math.round(base[0]! * (1 - OWNER_TINT) + c[0] * OWNER_TINT);
    out[1] = Math.round(base[1]! * (1 - OWNER_TINT) + c[1] * OWNER_TINT);
    out[2] = Math.round(base[2]! * (1 - OWNER_TINT) + c[2] * OWNER_TINT);
  }

  /** Lineage mode: an owned cell in its owner's lineage hue (grey when unknown), any other cell dimmed. */
  private lineageRgb(m: number, o: number, out: number[]): void {
    if (o !== 0) {
      const hue = this.options.ownerHues?.get(o);
      let c = this.ownerRgb.get(o);
      if (!c) this.ownerRgb.set(o, (c = hue === undefined ? [150, 150, 150] : hslToRgb(hue, 0.8, 0.55)));
      out[0] = c[0];
      out[1] = c[1];
      out[2] = c[2];
      return;
    }
    const base = m === 0 ? this.backgroundRgb : (this.typeRgb[moleculeType(m)] ?? [255, 255, 255]);
    out[0] = Math.round(base[0]! * 0.3);
    out[1] = Math.round(base[1]! * 0.3);
    out[2] = Math.round(base[2]! * 0.3);
  }

  render(frame: WorldFrame): Buffer {
    const [w, h] = this.shape;
    const px = this.pixels;
    px.fill(0);
    const rgb = [0, 0, 0];
    const { molecules, owners } = frame;
    if (this.options.mode === 'exact' || this.options.mode === 'lineage') {
      const s = this.options.scale;
      const lineage = this.options.mode === 'lineage';
      for (let x = 0; x < w; x++)
        for (let y = 0; y < h; y++) {
          const idx = x * h + y;
          if (lineage) this.lineageRgb(molecules[idx]!, owners[idx]!, rgb);
          else this.cellRgb(molecules[idx]!, owners[idx]!, rgb);
          for (let dy = 0; dy < s; dy++) {
            let p = ((y * s + dy) * this.width + x * s) * 3;
            for (let dx = 0; dx < s; dx++) {
              px[p++] = rgb[0]!;
              px[p++] = rgb[1]!;
              px[p++] = rgb[2]!;
            }
          }
        }
      return px;
    }
    const b = this.block;
    for (let bx = 0; bx * b < w; bx++)
      for (let by = 0; by * b < h; by++) {
        let filled = 0;
        let total = 0;
        let firstM = 0;
        let firstO = 0;
        for (let x = bx * b; x < Math.min(w, bx * b + b); x++)
          for (let y = by * b; y < Math.min(h, by * b + b); y++) {
            const idx = x * h + y;
            total++;
            if (molecules[idx] !== 0 || owners[idx] !== 0) {
              if (filled === 0) {
                firstM = molecules[idx]!;
                firstO = owners[idx]!;
              }
              filled++;
            }
          }
        if (this.options.mode === 'minimap') this.cellRgb(firstM, firstO, rgb);
        else heat(total === 0 ? 0 : filled / total, rgb);
        const p = (by * this.width + bx) * 3;
        px[p] = rgb[0]!;
        px[p + 1] = rgb[1]!;
        px[p + 2] = rgb[2]!;
      }
    return px;
  }
}

/** 0 → dark, 1/3 → blue, 2/3 → yellow, 1 → white. */
function heat(f: number, out: number[]): void {
  const stops = [
    [6, 8, 10],
    [40, 90, 210],
    [230, 200, 60],
    [255, 255, 255],
  ];
  const x = Math.max(0, Math.min(1, f)) * 3;
  const i = Math.min(2, Math.floor(x));
  const t = x - i;
  for (let k = 0; k < 3; k++) out[k] = Math.round(stops[i]![k]! * (1 - t) + stops[i + 1]![k]! * t);
}
