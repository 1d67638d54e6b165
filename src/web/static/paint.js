// The page's colours on top of the shared cell colour rules (src/visualizer/cell-colors.ts, served as
// /visualizer/cell-colors.js): an owner's paint by organism or by lineage, and the overlays' heat scale.
import { ownerColor, hueColor } from '/visualizer/cell-colors.js';
import { state } from './state.js';

/** The colour an owner's cells and markers get: its own hue, or (coloured by lineage) its genotype's. */
export function ownerPaint(owner, alpha = 1) {
  if (state.colorBy === 'lineage') {
    const hue = state.lineage.hues.get(state.genomeOf.get(owner));
    if (hue !== undefined) return hueColor(hue, alpha);
    return `rgba(200, 200, 200, ${alpha})`; // a genotype the analytics have not seen yet
  }
  return ownerColor(owner, alpha);
}

/** Heat colour for 0..1: dark blue → cyan → yellow → red. */
export function heat(f, alpha) {
  const v = Math.max(0, Math.min(1, f));
  const h = 240 - 240 * v;
  return `hsla(${h.toFixed(0)}, 90%, ${35 + 25 * v}%, ${alpha})`;
}
