/**
 * `--overlay info`: the run id, tick, organisms alive and render mode across the top of every frame, over a dark
 * translucent band so the text reads over any colours. The layout (text size, one line or two, which parts show)
 * is fixed once per video against the widest values the video can reach (its last tick, a world full of
 * organisms), so the text never jumps between frames. The largest text that fits wins: one line, else the run id
 * and mode above tick and count; only at the smallest size are the mode, then the run id left out.
 */
import { drawText, textHeight, textWidth } from './bitmap-font.js';
import { overlayScale } from './overlay-scale.js';
import { shadeRect, type Rgb, type RgbCanvas } from './rgb-canvas.js';

export const INFO_BAND_RGB: Rgb = [0, 0, 0];
export const INFO_BAND_ALPHA = 0.6;
export const INFO_TEXT_RGB: Rgb = [232, 238, 245];

export interface InfoOverlayOptions {
  readonly width: number;
  readonly height: number;
  readonly runId: string;
  /** The render mode, shown last. */
  readonly mode: string;
  /** The last tick of the video (sizes the tick field). */
  readonly maxTick: number;
  /** The most organisms a frame can show (the world's cells; sizes the count field). */
  readonly maxAlive: number;
}

/** A generated run id (`YYYYMMDD-HHmmssCC-<uuid>`) shortened to its start time; others kept to 20 characters. */
export function shortRunId(runId: string): string {
  return runId.length <= 20 ? runId : `${runId.slice(0, 17)}…`;
}

type Part = 'run' | 'tick' | 'alive' | 'mode';

/** Layouts in order of preference at one text size: lines of parts. */
const LAYOUTS: ReadonlyArray<ReadonlyArray<readonly Part[]>> = [
  [['run', 'tick', 'alive', 'mode']],
  [
    ['run', 'mode'],
    ['tick', 'alive'],
  ],
];
/** At the smallest size, what is left out first. */
const SMALLEST: ReadonlyArray<ReadonlyArray<readonly Part[]>> = [[['run', 'tick', 'alive']], [['tick', 'alive']]];

export class InfoOverlay {
  readonly scale: number;
  /** Height of the band in pixels (from the top of the frame). */
  readonly bandHeight: number;
  private readonly pad: number;
  private readonly gap: number;
  private readonly layout: ReadonlyArray<readonly Part[]>;
  private readonly run: string;

  constructor(private readonly options: InfoOverlayOptions) {
    this.run = shortRunId(options.runId);
    const fits = (layout: ReadonlyArray<readonly Part[]>, scale: number): boolean =>
      Math.max(...this.linesOf(layout, options.maxTick, options.maxAlive).map((l) => textWidth(l, scale))) +
        2 * (scale + 1) <=
      options.width;
    let chosen: { scale: number; layout: ReadonlyArray<readonly Part[]> } | undefined;
    for (let scale = overlayScale(options.width, options.height); scale >= 1 && !chosen; scale--)
      for (const layout of scale === 1 ? [...LAYOUTS, ...SMALLEST] : LAYOUTS)
        if (fits(layout, scale)) {
          chosen = { scale, layout };
          break;
        }
    // Nothing fits a very narrow frame: the shortest layout, clipped at the right edge.
    chosen ??= { scale: 1, layout: SMALLEST[SMALLEST.length - 1]! };
    this.scale = chosen.scale;
    this.layout = chosen.layout;
    this.pad = this.scale + 1;
    this.gap = 2 * this.scale;
    const lines = this.layout.length;
    this.bandHeight = Math.min(options.height, 2 * this.pad + lines * textHeight(this.scale) + (lines - 1) * this.gap);
  }

  private linesOf(layout: ReadonlyArray<readonly Part[]>, tick: number, alive: number): string[] {
    const text: Record<Part, string> = {
      run: `run ${this.run}`,
      tick: `tick ${tick}`,
      alive: `alive ${alive}`,
      mode: this.options.mode,
    };
    return layout.map((parts) => parts.map((p) => text[p]).join('  '));
  }

  /** The text of one frame, line by line. */
  lines(tick: number, alive: number): string[] {
    return this.linesOf(this.layout, tick, alive);
  }

  draw(c: RgbCanvas, tick: number, alive: number): void {
    shadeRect(c, 0, 0, c.width, this.bandHeight, INFO_BAND_RGB, INFO_BAND_ALPHA);
    const step = textHeight(this.scale) + this.gap;
    this.lines(tick, alive).forEach((line, i) =>
      drawText(c, this.pad, this.pad + i * step, line, this.scale, INFO_TEXT_RGB),
    );
  }
}
