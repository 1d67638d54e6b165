// The page's one state object, its URL form (?runId, tick, organism, color, overlay) and the actions other
// modules call without importing the module that defines them (main.js fills `actions`, so no import cycles).
import { $ } from './util.js';

export const OVERLAYS = ['energy', 'ownership', 'age', 'density'];

export const state = {
  runs: [],
  runId: null,
  meta: null,
  shape: [0, 0],
  sampling: 1,
  range: null,
  tick: 0,
  organisms: [],
  selected: null,
  details: null,
  prevDetails: null,
  env: null,
  minimap: null,
  /** The minimap as pixels and as an offscreen canvas (the picture when zoomed out below a pixel per cell). */
  minimapImage: null,
  minimapCanvas: null,
  view: { x: 0, y: 0, cell: 8 },
  /** A view from the URL (`view=x,y,cell`), applied instead of fitting the world when its run loads. */
  pendingView: null,
  follow: true,
  opcodes: {},
  loadSeq: 0,
  /** 'organism': each owner its own hue; 'lineage': each owner its genotype's hue (related genotypes, related hues). */
  colorBy: 'organism',
  /** Drawn over the cells: none, energy, ownership, age or density. */
  overlay: 'none',
  /** Lineage hues of the selected run: genome hash → hue, from the analyzer's genome tree. */
  lineage: { runId: null, hues: new Map(), fetchedAt: 0, missing: false },
  /** Organism id → genome hash at the shown tick. */
  genomeOf: new Map(),
};

/**
 * What modules below main.js call upward: loadTick, loadEnvironment, selectOrganism, selectRun (set by main.js).
 */
export const actions = {};

/** Writes the state's shareable part into the URL (no history entry per step). */
export function syncUrl() {
  const q = new URLSearchParams();
  if (state.runId) q.set('runId', state.runId);
  q.set('tick', String(state.tick));
  if (state.selected !== null) q.set('organism', String(state.selected));
  if (state.colorBy !== 'organism') q.set('color', state.colorBy);
  if (state.overlay !== 'none') q.set('overlay', state.overlay);
  if (state.meta) {
    const { x, y, cell } = state.view;
    q.set('view', `${x.toFixed(1)},${y.toFixed(1)},${Number(cell.toFixed(3))}`);
  }
  history.replaceState(null, '', `?${q}`);
}

/** Reads the URL into the state; returns the run and tick it asks for (the analyzer links with ?run=RUN&tick=T). */
export function readUrl() {
  const q = new URLSearchParams(location.search);
  if (q.has('organism')) state.selected = Number(q.get('organism'));
  if (q.get('color') === 'lineage') state.colorBy = 'lineage';
  if (OVERLAYS.includes(q.get('overlay'))) state.overlay = q.get('overlay');
  $('overlay-select').value = state.overlay;
  $('color-by').value = state.colorBy;
  if (q.has('tick')) state.follow = false;
  const view = (q.get('view') ?? '').split(',').map(Number);
  if (view.length === 3 && view.every(Number.isFinite) && view[2] > 0)
    state.pendingView = { x: view[0], y: view[1], cell: view[2] };
  $('t-follow').checked = state.follow;
  // A tick that is no number is reported (`badTick`) and the page starts at the newest tick instead.
  const tick = q.has('tick') ? Number(q.get('tick')) : undefined;
  const badTick = tick !== undefined && !Number.isFinite(tick) ? q.get('tick') : undefined;
  if (badTick !== undefined) state.follow = true;
  $('t-follow').checked = state.follow;
  return { runId: q.get('run') ?? q.get('runId'), tick: badTick === undefined ? tick : undefined, badTick };
}

/** The sampled tick nearest `t`, inside the indexed range. */
export function clampTick(t) {
  if (!state.range) return 0;
  const s = state.sampling;
  const v = Math.round((t - state.range.minTick) / s) * s + state.range.minTick;
  return Math.max(state.range.minTick, Math.min(state.range.maxTick, v));
}
