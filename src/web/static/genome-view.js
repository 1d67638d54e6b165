// The selected organism's genome as laid out in the world, diffed against its parent's (from
// /organisms/{tick}/{id}/genome): a small grid in the world's cell colours, changed cells and the cells only one of
// the two owns marked, a one-line summary with a link to the parent. Answers are cached per run, tick and organism
// (they never change), so stepping back and forth fetches nothing twice.
import { TYPE_COLORS, EMPTY_CODE_COLOR, BACKGROUND_COLOR } from '/visualizer/cell-colors.js';
import { api } from './api.js';
import { actions } from './state.js';
import { escapeHtml, isAbort } from './util.js';

export const CHANGED_COLOR = '#ff3b3b';
export const CHILD_ONLY_COLOR = '#4de1ff';
export const PARENT_ONLY_COLOR = '#ffb000';

const MAX_CACHED = 64;
const MAX_HEIGHT = 240;
const cache = new Map();
let lastDrawn = null;

/** The section's place in the organism panel; `loadGenome` fills it. */
export function genomeHtml() {
  const swatch = (color, text) => `<span class="genome-key" style="border-color:${color}">${text}</span>`;
  return `<h3>Genome vs parent</h3><canvas id="op-genome" class="genome" height="40"></canvas><div id="op-genome-summary" class="muted">loading…</div><div class="muted genome-legend">${swatch(CHANGED_COLOR, 'changed')} ${swatch(CHILD_ONLY_COLOR, 'only here')} ${swatch(PARENT_ONLY_COLOR, 'only in parent')}</div>`;
}

/** Fetches (or takes from the cache) the genome of `d` (an organism details answer) and draws it. */
export async function loadGenome(d, signal, isCurrent) {
  const key = `${d.runId}:${d.tick}:${d.organismId}`;
  let g = cache.get(key);
  if (!g) {
    // The organism's last drawn genome stands until the new one arrives (no flicker while stepping).
    if (lastDrawn?.runId === d.runId && lastDrawn.organismId === d.organismId) drawGenome(lastDrawn);
    try {
      g = await api.organismGenome(d.runId, d.tick, d.organismId, signal);
    } catch (err) {
      const summary = document.getElementById('op-genome-summary');
      if (!isAbort(err) && summary && isCurrent()) summary.textContent = `genome: ${err.message}`;
      return;
    }
    cache.set(key, g);
    if (cache.size > MAX_CACHED) cache.delete(cache.keys().next().value);
  }
  if (isCurrent()) drawGenome(g);
}

const colorOf = (raw) => (raw === 0 ? EMPTY_CODE_COLOR : (TYPE_COLORS[(raw >>> 20) & 0xff] ?? '#ffffff'));

const moleculeText = (m) => `${m.type}:${m.value}${m.opcode ? ` (${m.opcode})` : ''}${m.marker ? `@${m.marker}` : ''}`;

/**
 * Lays the cells out: the bounding box of both genomes, cut into bands of columns that fit the canvas and
 * stacked (a genome written along one row, like our replicator's, folds into a few lines instead of a hairline).
 */
function layout(cells, width) {
  let minX = Infinity;
  let maxX = -Infinity;
  let minY = Infinity;
  let maxY = -Infinity;
  for (const c of cells) {
    minX = Math.min(minX, c.at[0]);
    maxX = Math.max(maxX, c.at[0]);
    minY = Math.min(minY, c.at[1] ?? 0);
    maxY = Math.max(maxY, c.at[1] ?? 0);
  }
  const w = maxX - minX + 1;
  const h = maxY - minY + 1;
  // The largest cells (8 px down to 1) at which the folded genome fits MAX_HEIGHT.
  let cell = 8;
  let perBand;
  let bands;
  let bandHeight;
  for (; ; cell--) {
    perBand = Math.max(1, Math.floor(width / cell));
    bands = Math.ceil(w / perBand);
    bandHeight = h + (bands > 1 ? 1 : 0);
    if (cell === 1 || bands * bandHeight * cell <= MAX_HEIGHT) break;
  }
  const place = (at) => {
    const x = at[0] - minX;
    const band = Math.floor(x / perBand);
    return [(x - band * perBand) * cell, (band * bandHeight + ((at[1] ?? 0) - minY)) * cell];
  };
  return { cell, height: Math.min(MAX_HEIGHT, bands * bandHeight * cell), place };
}

/** Draws genome answer `g` into #op-genome and writes the summary; the canvas carries the cell count. */
export function drawGenome(g) {
  const canvas = document.getElementById('op-genome');
  const summary = document.getElementById('op-genome-summary');
  if (!canvas || !summary) return;
  const parentOnly = g.parent ? g.parent.cells.filter((c) => c.diff === 'parentOnly') : [];
  const all = [...g.cells, ...parentOnly];
  const dpr = window.devicePixelRatio || 1;
  const w = canvas.clientWidth || 280;
  const { cell, height, place } = all.length ? layout(all, w) : { cell: 1, height: 20, place: () => [0, 0] };
  canvas.style.height = `${height}px`;
  canvas.width = Math.round(w * dpr);
  canvas.height = Math.round(height * dpr);
  const ctx = canvas.getContext('2d');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.fillStyle = BACKGROUND_COLOR;
  ctx.fillRect(0, 0, w, height);
  const mark = (x, y, color) => {
    ctx.strokeStyle = color;
    ctx.lineWidth = cell >= 4 ? 1.5 : 1;
    ctx.strokeRect(x + 0.75, y + 0.75, Math.max(0.5, cell - 1.5), Math.max(0.5, cell - 1.5));
  };
  for (const c of g.cells) {
    const [x, y] = place(c.at);
    ctx.fillStyle = colorOf(c.molecule.raw);
    ctx.fillRect(x, y, cell, cell);
    if (c.diff === 'changed') mark(x, y, CHANGED_COLOR);
    else if (c.diff === 'childOnly') mark(x, y, CHILD_ONLY_COLOR);
  }
  // What only the parent owns: its molecule faded, outlined.
  ctx.globalAlpha = 0.4;
  for (const c of parentOnly) {
    const [x, y] = place(c.at);
    ctx.fillStyle = colorOf(c.molecule.raw);
    ctx.fillRect(x, y, cell, cell);
  }
  ctx.globalAlpha = 1;
  for (const c of parentOnly) {
    const [x, y] = place(c.at);
    mark(x, y, PARENT_ONLY_COLOR);
  }
  canvas.dataset.cells = String(g.cells.length);
  lastDrawn = g;
  // Hovering a cell names it (and its parent's molecule where the two differ).
  const byPos = new Map();
  for (const c of all) {
    const [x, y] = place(c.at);
    byPos.set(`${Math.round(x / cell)},${Math.round(y / cell)}`, c);
  }
  const parentAt = new Map((g.parent?.cells ?? []).map((c) => [c.at.join(','), c]));
  canvas.onmousemove = (ev) => {
    const c = byPos.get(`${Math.floor(ev.offsetX / cell)},${Math.floor(ev.offsetY / cell)}`);
    if (!c) {
      canvas.title = '';
      return;
    }
    const p = parentAt.get(c.at.join(','));
    const own = c.diff === 'parentOnly' ? '–' : moleculeText(c.molecule);
    canvas.title = `${c.at.join('|')}: ${own}${c.diff ? ` — ${c.diff}` : ''}${p && c.diff !== 'same' ? `; parent ${moleculeText(p.molecule)}` : ''}`;
  };
  const cut = g.truncated ? ` (first ${g.cells.length} of ${g.ownedCells})` : '';
  if (!g.parent) {
    summary.innerHTML = `${g.cells.length} cells${cut}, no parent`;
    return;
  }
  const d = g.diff;
  const p = g.parent;
  summary.innerHTML = `${g.cells.length} cells${cut}: ${d.changed} changed, ${d.childOnly} only here, ${d.parentOnly} only in parent <a href="#" class="org-link" data-id="${p.organismId}">#${p.organismId}</a> (at tick ${p.tick}${p.alive ? '' : ', no longer alive'})`;
  summary.title = `Parent's genome at tick ${p.tick}, the child's first stored tick after its birth at ${p.childBirthTick}; aligned by ${escapeHtml(p.shift.join('|'))}. Labels compared up to the birth rewrite.`;
  const link = summary.querySelector('.org-link');
  link.onclick = (ev) => {
    ev.preventDefault();
    void actions.selectOrganism(p.organismId);
  };
}
