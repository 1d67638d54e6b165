// The colour legend: one swatch per molecule type, how ownership shows, and what the overlay means.
import { MOLECULE_TYPE_NAMES } from './api.js';
import { TYPE_COLORS, EMPTY_CODE_COLOR, ownerColor, hueColor } from '/visualizer/cell-colors.js';
import { state } from './state.js';
import { heat } from './paint.js';
import { $ } from './util.js';

const OVERLAY_LEGEND = {
  energy: "energy overlay: ENERGY cells by value, owned cells by their owner's energy (low → high)",
  ownership: "ownership overlay: owned cells in their owner's colour, the rest dimmed",
  age: "age overlay: owned cells by their owner's age (young → old)",
  density: 'density overlay: 8×8 blocks by how full they are (empty → full)',
};

export function renderLegend() {
  $('legend').innerHTML =
    MOLECULE_TYPE_NAMES.map(
      (name, t) => `<span><span class="swatch" style="background:${TYPE_COLORS[t]}"></span>${name}</span>`,
    ).join('') +
    `<span><span class="swatch" style="background:${EMPTY_CODE_COLOR}"></span>owned, empty</span>` +
    (state.colorBy === 'lineage'
      ? `<span><span class="swatch" style="background:${hueColor(30)}"></span><span class="swatch" style="background:${hueColor(44)}"></span>owner by genotype: related genotypes, related hues</span>`
      : `<span><span class="swatch" style="background:${ownerColor(7)}"></span>owner (outline or tint)</span>`) +
    (state.overlay === 'none'
      ? ''
      : `<span><span class="swatch" style="background:${heat(0, 1)}"></span><span class="swatch" style="background:${heat(1, 1)}"></span>${OVERLAY_LEGEND[state.overlay]}</span>`);
}
