/**
 * The overlays `evochora video --overlay` draws on every frame (a comma-separated list of names): the info line
 * at the top, the population graph at the bottom. Drawn into the renderer's pixels after it rendered a frame.
 */
import { EvochoraError } from '../../errors.js';
import { ExitCode } from '../../exit-codes.js';
import { VisualizerErrorCode } from '../error-codes.js';
import { GraphOverlay } from './overlay-graph.js';
import { InfoOverlay } from './overlay-info.js';
import type { RgbCanvas } from './rgb-canvas.js';

export const OVERLAY_NAMES = ['info', 'graph'] as const;
export type OverlayName = (typeof OVERLAY_NAMES)[number];

export class UnknownOverlayError extends EvochoraError {
  constructor(name: string) {
    super(VisualizerErrorCode.VIDEO_UNKNOWN_OVERLAY, `Unknown overlay '${name}'.`, {
      exitCode: ExitCode.Usage,
      actions: [`--overlay takes a comma-separated list of ${OVERLAY_NAMES.join(', ')} (e.g. --overlay info,graph).`],
      data: { overlay: name, known: [...OVERLAY_NAMES] },
    });
  }
}

/** The names in an --overlay value (`info,graph`), each once; throws UnknownOverlayError. */
export function parseOverlays(value: string | undefined): OverlayName[] {
  const out: OverlayName[] = [];
  for (const raw of (value ?? '').split(',')) {
    const name = raw.trim();
    if (name === '') continue;
    if (!(OVERLAY_NAMES as readonly string[]).includes(name)) throw new UnknownOverlayError(name);
    if (!out.includes(name as OverlayName)) out.push(name as OverlayName);
  }
  return out;
}

export interface FrameOverlaysOptions {
  readonly width: number;
  readonly height: number;
  readonly runId: string;
  readonly mode: string;
  readonly fromTick: number;
  readonly toTick: number;
  /** The world's cells: the most organisms a frame can hold. */
  readonly cells: number;
}

export class FrameOverlays {
  private readonly info: InfoOverlay | undefined;
  private readonly graph: GraphOverlay | undefined;

  constructor(names: readonly OverlayName[], o: FrameOverlaysOptions) {
    const size = { width: o.width, height: o.height };
    this.info = names.includes('info')
      ? new InfoOverlay({ ...size, runId: o.runId, mode: o.mode, maxTick: o.toTick, maxAlive: o.cells })
      : undefined;
    this.graph = names.includes('graph')
      ? new GraphOverlay({ ...size, fromTick: o.fromTick, toTick: o.toTick })
      : undefined;
  }

  get any(): boolean {
    return this.info !== undefined || this.graph !== undefined;
  }

  /** Draws the overlays of the frame at `tick` with `alive` organisms into `c`. */
  draw(c: RgbCanvas, tick: number, alive: number): void {
    if (this.graph) {
      this.graph.push(tick, alive);
      this.graph.draw(c);
    }
    this.info?.draw(c, tick, alive);
  }
}
