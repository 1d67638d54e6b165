/**
 * How big overlay text is in a frame: one font pixel per 256 pixels of the frame's shorter side (at least 1), so
 * text keeps the same share of the picture from a 64-pixel minimap to a 2048-pixel exact render.
 */
export function overlayScale(width: number, height: number): number {
  return Math.max(1, Math.round(Math.min(width, height) / 256));
}
