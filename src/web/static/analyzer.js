// The Evochora analyzer: a run's research analytics (/analyzer/api) as charts with levels of detail, a Muller
// plot, the genotype bank, the phylogeny and a SQL console. Plain ES module, no build step; the chart library
// (uPlot) is served by the node itself at /vendor/uplot.js.
import uPlot from '/vendor/uplot.js';

const API = '/analyzer/api';
/** How often the manifest of the run on screen is re-read (a live run gains a part every few seconds). */
const POLL_MS = 3000;
const CHART_HEIGHT = 210;
/** Nodes drawn in the indented tree; the lineage canvas draws up to LINEAGE_MAX. */
const TREE_MAX = 1500;
const LINEAGE_MAX = 20000;
/** Above this many organisms the phylogeny loads only on request. */
const PHYLO_AUTO_MAX = 50000;
const MULLER_TOP = 10;

const $ = (id) => document.getElementById(id);
const PALETTE = [
  '#4fb3ff',
  '#ffb454',
  '#6fdc8c',
  '#ff6b8a',
  '#c59bff',
  '#ffe066',
  '#4de0d2',
  '#ff8f5a',
  '#a3b8cc',
  '#e07ce0',
  '#9ccc65',
  '#7f8cff',
];
const AXIS = { stroke: '#8793a0', grid: { stroke: '#232a33', width: 1 }, ticks: { stroke: '#2a313b', width: 1 } };

/** Y axis labels: k/M/G for large values, with as many decimals as the step between labels needs. */
function axisValues(u, splits) {
  if (splits.length === 0) return splits;
  const max = Math.max(...splits.map((v) => Math.abs(v)));
  const step = splits.length > 1 ? Math.abs(splits[1] - splits[0]) : max || 1;
  const [unit, suffix] = max >= 1e9 ? [1e9, 'G'] : max >= 1e6 ? [1e6, 'M'] : max >= 1e4 ? [1e3, 'k'] : [1, ''];
  const x = step / unit;
  let digits = 0;
  while (digits < 6 && Math.abs(Math.round(x * 10 ** digits) - x * 10 ** digits) > 1e-6 * 10 ** digits) digits++;
  return splits.map((v) => `${(v / unit).toFixed(digits)}${suffix}`);
}

/** Room for the longest label of a y axis. */
function axisSize(u, values) {
  if (!values || values.length === 0) return 40;
  return 16 + 7 * Math.max(...values.map((v) => String(v ?? '').length));
}

const Y_AXIS = { ...AXIS, values: axisValues, size: axisSize };
/** Stacked areas start at zero. */
const FROM_ZERO = (u, min, max) => [0, max > 0 ? max * 1.05 : 1];

const state = {
  runs: [],
  runId: null,
  manifest: null,
  /** { from, to } while zoomed into a tick range, else null (the whole run). */
  zoom: null,
  charts: [],
  muller: null,
  mullerSignature: '',
  mullerHolder: { raw: [] },
  genotypes: null,
  genotypeSort: { key: 'organisms', dir: -1 },
  phylo: null,
  openNodes: new Set(),
  loadSeq: 0,
  sqlEdited: false,
  polling: false,
  lastChange: 0,
};

// ---------------------------------------------------------------- API

class ApiError extends Error {
  constructor(status, body) {
    super(body?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = body?.code;
    this.actions = body?.actions ?? [];
  }
}

function apiUrl(path, params = {}) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null) q.set(k, String(v));
  const s = q.toString();
  return `${API}${path}${s ? `?${s}` : ''}`;
}

async function getJson(path, params = {}, signal) {
  const res = await fetch(apiUrl(path, params), { signal });
  const body = await res.json().catch(() => null);
  if (!res.ok) throw new ApiError(res.status, body);
  return body;
}

const runPath = (suffix) => `/runs/${encodeURIComponent(state.runId)}${suffix}`;
const isAbort = (err) => err?.name === 'AbortError';

// ---------------------------------------------------------------- small helpers

function escapeHtml(s) {
  return String(s).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c],
  );
}

function fmtNum(v, digits = 3) {
  if (v === null || v === undefined || Number.isNaN(v)) return '–';
  if (typeof v !== 'number') return String(v);
  if (Number.isInteger(v)) return v.toLocaleString('en-US');
  const a = Math.abs(v);
  if (a >= 1000) return Math.round(v).toLocaleString('en-US');
  return Number(v.toPrecision(digits)).toString();
}

/** A stable color per genome hash (the same in the Muller plot, the genotype table and the phylogeny). */
function genomeColor(hash, alpha = 1) {
  if (!hash || hash === 'other') return alpha === 1 ? '#66707c' : `rgba(102,112,124,${alpha})`;
  const h = parseInt(hash.slice(0, 8), 16) || 0;
  const hue = (h * 137.508) % 360;
  const light = 52 + (h % 3) * 8;
  return `hsla(${hue.toFixed(1)}, 70%, ${light}%, ${alpha})`;
}

function withAlpha(hex, alpha) {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255},${(n >> 8) & 255},${n & 255},${alpha})`;
}

function visualizerUrl(tick, organism) {
  const q = new URLSearchParams();
  if (state.runId) q.set('run', state.runId);
  if (tick !== undefined && tick !== null) q.set('tick', String(Math.max(0, Math.round(tick))));
  if (organism !== undefined && organism !== null) q.set('organism', String(organism));
  return `/visualizer?${q}`;
}

/** Opens the visualizer at a tick: in this tab, or a new one with Ctrl/⌘/middle click. */
function openVisualizer(ev, tick, organism) {
  const href = visualizerUrl(tick, organism);
  if (ev && (ev.ctrlKey || ev.metaKey || ev.button === 1)) window.open(href, '_blank', 'noopener');
  else location.assign(href);
}

function setStatus(text) {
  $('status').textContent = text;
}

function showError(err, context) {
  const box = $('error');
  if (!err) {
    box.hidden = true;
    box.innerHTML = '';
    return;
  }
  const actions = err.actions?.length ? `<ul>${err.actions.map((a) => `<li>${escapeHtml(a)}</li>`).join('')}</ul>` : '';
  box.innerHTML = `<strong>${escapeHtml(context ? `${context}: ` : '')}${escapeHtml(err.message)}</strong>${actions}`;
  box.hidden = false;
}

function download(name, text, type = 'text/csv') {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([text], { type }));
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

function showTooltip(ev, text) {
  const tip = $('tooltip');
  if (!text) {
    tip.hidden = true;
    return;
  }
  tip.textContent = text;
  tip.style.left = `${Math.min(ev.clientX + 14, window.innerWidth - 320)}px`;
  tip.style.top = `${ev.clientY + 14}px`;
  tip.hidden = false;
}

// ---------------------------------------------------------------- chart specs

/**
 * Which charts a per-tick table gets. `lines` on the left axis, `right` on a right axis, `band` a distribution
 * (prefix with _mean/_min/_max and maybe _p50/_p90), `stack` stacked areas (with `lines` drawn over them).
 * A table not listed here gets a band per distribution prefix and lines for its other numeric columns.
 */
function chartSpecs(table) {
  const numeric = table.columns.filter((c) => c.name !== 'tick' && c.type !== 'string').map((c) => c.name);
  const has = (c) => numeric.includes(c);
  const pick = (cols) => cols.filter(has);
  const prefixes = [
    ...new Set(
      numeric.filter((c) => c.endsWith('_mean') && has(c.replace(/_mean$/, '_min'))).map((c) => c.slice(0, -5)),
    ),
  ];
  const distribution = (p, title) => ({ title, band: p });
  switch (table.id) {
    case 'population':
      return [{ title: 'Population', lines: pick(['alive', 'born', 'died']), right: pick(['total_created']) }];
    case 'vital_statistics':
      return [
        { title: 'Birth and death rates', lines: pick(['birth_rate', 'death_rate']) },
        { title: 'Lifespan at death', lines: pick(['lifespan_mean', 'lifespan_max']), spanGaps: true },
      ];
    case 'age':
      return [distribution('age', 'Age of the living')];
    case 'energy':
      return prefixes.map((p) =>
        distribution(p, p === 'energy' ? 'Energy (ER)' : p === 'entropy' ? 'Entropy (SR)' : p),
      );
    case 'genome_diversity':
      return [
        {
          title: 'Genome diversity',
          lines: pick(['genomes', 'dominant_count']),
          right: pick(['shannon', 'simpson', 'dominant_share']),
        },
      ];
    case 'instruction_usage':
      return [
        {
          title: 'Instructions by family',
          stack: numeric.filter((c) => c !== 'executed' && c !== 'failed'),
          lines: pick(['failed']),
        },
      ];
    case 'environment':
      return [
        {
          title: 'World cells by molecule type',
          stack: numeric.filter((c) => c.endsWith('_cells') && c !== 'occupied_cells' && c !== 'owned_cells'),
          lines: pick(['owned_cells']),
        },
        { title: 'Energy in the world', lines: pick(['energy_in_world']) },
      ];
    case 'spatial_density':
      return [
        {
          title: 'Spatial density',
          lines: pick(['regions_with_organisms', 'max_per_region', 'mean_per_occupied_region']),
          right: pick(['occupied_fraction', 'owned_fraction']),
        },
      ];
    default: {
      const inBand = new Set(prefixes.flatMap((p) => numeric.filter((c) => c.startsWith(`${p}_`))));
      const rest = numeric.filter((c) => !inBand.has(c));
      const specs = prefixes.map((p) => distribution(p, `${table.id} · ${p}`));
      if (rest.length) specs.push({ title: table.id, lines: rest.slice(0, 8) });
      return specs;
    }
  }
}

/** A column of a metric answer; at a coarser level `agg` picks the bucket's mean, min or max. */
function columnOf(res, name, agg = 'mean') {
  const key = res.level > 1 && agg !== 'mean' ? `${name}_${agg}` : name;
  const i = res.columns.indexOf(key);
  if (i < 0) return null;
  return res.data[i].map((v) => (v === null || v === undefined ? null : Number(v)));
}

/**
 * uPlot series, data and bands of one chart for one metric answer. Legend values read `holder.raw` (the
 * unstacked values of stacked series), so a later setData only has to replace holder.raw.
 */
function buildChart(spec, res, docs, holder) {
  const ticks = res.data[0].map(Number);
  const series = [{ label: 'tick', value: (u, v) => (v === null ? '–' : String(Math.round(v))) }];
  const data = [ticks];
  const bands = [];
  const raw = [null];
  let color = 0;
  const add = (label, values, { rawValues = null, ...opts } = {}) => {
    series.push({ label, value: (u, v, si, di) => fmtNum(holder.raw[si]?.[di] ?? v), ...opts });
    data.push(values);
    raw.push(rawValues);
    return data.length - 1;
  };
  const coarse = res.level > 1;
  let right = false;
  if (spec.band) {
    const p = spec.band;
    const c = PALETTE[0];
    const lo = columnOf(res, `${p}_min`, 'min');
    const hi = columnOf(res, `${p}_max`, 'max');
    if (lo && hi) {
      const iLo = add(`${p} min`, lo, { stroke: withAlpha(c, 0.45), width: 1, points: { show: false } });
      const iHi = add(`${p} max`, hi, { stroke: withAlpha(c, 0.45), width: 1, points: { show: false } });
      bands.push({ series: [iHi, iLo], fill: withAlpha(c, 0.12) });
    }
    const p90 = columnOf(res, `${p}_p90`);
    const p50 = columnOf(res, `${p}_p50`);
    if (p90) add(`${p} p90`, p90, { stroke: PALETTE[1], width: 1, dash: [5, 4] });
    if (p50) add(`${p} p50`, p50, { stroke: PALETTE[2], width: 1, dash: [2, 3] });
    const mean = columnOf(res, `${p}_mean`);
    if (mean) add(`${p} mean`, mean, { stroke: c, width: 2 });
  }
  if (spec.stack) {
    const acc = new Array(ticks.length).fill(0);
    let prev = null;
    for (const name of spec.stack) {
      const v = columnOf(res, name);
      if (!v) continue;
      const stacked = v.map((x, i) => (acc[i] += x ?? 0));
      const c = PALETTE[color++ % PALETTE.length];
      const idx = add(name.replace(/_cells$/, ''), stacked, {
        stroke: c,
        width: 1,
        fill: withAlpha(c, 0.45),
        points: { show: false },
        rawValues: v,
      });
      if (prev !== null) bands.push({ series: [idx, prev], fill: withAlpha(c, 0.45) });
      prev = idx;
    }
    color = Math.max(color, 6);
  }
  (spec.lines ?? []).forEach((name, n) => {
    const v = columnOf(res, name);
    if (!v) return;
    const c = PALETTE[color++ % PALETTE.length];
    if (coarse && n === 0 && !spec.stack) {
      // The bucket's range of the first line, as a faint envelope.
      const lo = columnOf(res, name, 'min');
      const hi = columnOf(res, name, 'max');
      if (lo && hi) {
        const envelope = { stroke: withAlpha(c, 0.3), width: 1, points: { show: false }, hideLegend: true };
        const iLo = add(`${name} min`, lo, envelope);
        const iHi = add(`${name} max`, hi, envelope);
        bands.push({ series: [iHi, iLo], fill: withAlpha(c, 0.1) });
      }
    }
    add(name, v, {
      stroke: c,
      width: spec.stack ? 1.5 : 2,
      spanGaps: !!spec.spanGaps,
      dash: spec.stack ? [4, 3] : undefined,
    });
  });
  for (const name of spec.right ?? []) {
    const v = columnOf(res, name);
    if (!v) continue;
    right = true;
    add(name, v, { stroke: PALETTE[color++ % PALETTE.length], width: 1.5, scale: 'r', dash: [6, 3] });
  }
  for (const s of series) if (s.dash === undefined) delete s.dash;
  series.forEach((s) => (s.doc = docs.get(s.label.replace(/ (min|max|mean|p50|p90)$/, '')) ?? ''));
  return { series, data, bands, right, raw, stacked: !!spec.stack };
}

// ---------------------------------------------------------------- charts

function chartWidth(el) {
  return Math.max(240, Math.floor(el.clientWidth));
}

function makeCard(title, table, doc) {
  const card = document.createElement('div');
  card.className = 'card chart';
  card.dataset.table = table;
  card.innerHTML = `<div class="card-head"><h3><span class="title"></span> <span class="lod muted"></span></h3>
    <span class="actions"><button class="csv" title="Download the data shown as CSV">CSV</button></span></div>
    <p class="doc muted"></p><div class="chart-body"></div><p class="note muted" hidden></p>`;
  card.querySelector('.title').textContent = title;
  card.querySelector('.doc').textContent = doc;
  return card;
}

/** Wires drag-select (zoom), click (visualizer), double-click (reset) and the legend's docs on a uPlot. */
function interactive(u) {
  let down = null;
  u.over.addEventListener('mousedown', (ev) => {
    down = { x: ev.clientX, y: ev.clientY };
    u.dragOrigin = true;
  });
  u.over.addEventListener('click', (ev) => {
    u.dragOrigin = false;
    if (!down || Math.abs(ev.clientX - down.x) + Math.abs(ev.clientY - down.y) > 4) return;
    const ticks = u.data[0];
    if (!ticks.length) return;
    const rect = u.over.getBoundingClientRect();
    const t = u.posToVal(ev.clientX - rect.left, 'x');
    let best = 0;
    for (let i = 1; i < ticks.length; i++) if (Math.abs(ticks[i] - t) < Math.abs(ticks[best] - t)) best = i;
    openVisualizer(ev, ticks[best]);
  });
  u.over.addEventListener('dblclick', () => {
    if (state.zoom) resetZoom();
  });
}

function uplotOptions(width, built, zoomable) {
  const axes = [{ ...AXIS }, { ...Y_AXIS }];
  if (built.right) axes.push({ ...Y_AXIS, scale: 'r', side: 1, grid: { show: false } });
  return {
    width,
    height: CHART_HEIGHT,
    scales: {
      x: { time: false },
      y: built.stacked ? { auto: true, range: FROM_ZERO } : { auto: true },
      r: { auto: true },
    },
    axes,
    series: built.series,
    bands: built.bands,
    legend: { live: true },
    cursor: {
      drag: { x: zoomable, y: false, setScale: false },
      sync: { key: 'analyzer-ticks' },
      points: { size: 6 },
    },
    hooks: {
      setSelect: [
        (u) => {
          // Charts share the cursor, so a selection shows on all of them: each clears its own, and only the
          // chart the drag began on zooms.
          const origin = u.dragOrigin;
          u.dragOrigin = false;
          if (u.select.width === 0) return;
          const from = u.posToVal(u.select.left, 'x');
          const to = u.posToVal(u.select.left + u.select.width, 'x');
          const width = u.select.width;
          u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
          if (zoomable && origin && width >= 3) zoomTo(from, to);
        },
      ],
    },
  };
}

/** Column docs as legend tooltips; envelope series (a line's bucket min/max) stay out of the legend. */
function labelLegend(u, series) {
  u.root.querySelectorAll('.u-legend .u-series').forEach((row, i) => {
    if (series[i]?.doc) row.title = series[i].doc;
    if (series[i]?.hideLegend) row.hidden = true;
  });
}

function clearCharts() {
  for (const c of state.charts) c.plot?.destroy();
  state.charts = [];
  $('charts').innerHTML = '';
  state.muller?.destroy();
  state.muller = null;
  $('muller').innerHTML = '';
}

/** One card per chart spec of every per-tick table in the manifest (the data comes from loadCharts). */
function layoutCharts() {
  clearCharts();
  const host = $('charts');
  for (const table of state.manifest.tables) {
    if (table.kind !== 'per-tick') continue;
    const docs = new Map(table.columns.map((c) => [c.name, c.doc]));
    for (const spec of chartSpecs(table)) {
      const card = makeCard(spec.title, table.id, table.doc);
      host.append(card);
      const chart = { table: table.id, spec, docs, card, plot: null, signature: '', res: null, holder: { raw: [] } };
      card.querySelector('.csv').onclick = () => chartCsv(chart);
      state.charts.push(chart);
    }
  }
  if (state.charts.length === 0)
    host.innerHTML = '<p class="muted">This run has no per-tick tables (only events): see the SQL console.</p>';
}

function chartCsv(chart) {
  if (!chart.res) return;
  const { columns, data } = chart.res;
  const lines = [columns.join(',')];
  for (let r = 0; r < data[0].length; r++)
    lines.push(columns.map((_, c) => (data[c][r] === null ? '' : JSON.stringify(data[c][r]))).join(','));
  download(`${state.runId}-${chart.table}-lod${chart.res.level}.csv`, `${lines.join('\n')}\n`);
}

/** Fetches every table once over the zoom range with `points` ≈ chart width and (re)draws its charts. */
async function loadCharts() {
  const seq = ++state.loadSeq;
  const runId = state.runId;
  const byTable = new Map();
  for (const c of state.charts) {
    if (!byTable.has(c.table)) byTable.set(c.table, []);
    byTable.get(c.table).push(c);
  }
  const range = state.zoom ?? {};
  await Promise.all(
    [...byTable.entries()].map(async ([table, charts]) => {
      const body = charts[0].card.querySelector('.chart-body');
      const points = chartWidth(body);
      try {
        const res = await getJson(runPath(`/metrics/${encodeURIComponent(table)}`), {
          from: range.from,
          to: range.to,
          points,
        });
        if (seq !== state.loadSeq || runId !== state.runId) return;
        for (const chart of charts) drawChart(chart, res);
      } catch (err) {
        if (isAbort(err) || seq !== state.loadSeq) return;
        for (const chart of charts) {
          chart.plot?.destroy();
          chart.plot = null;
          chart.signature = '';
          chart.card.querySelector('.chart-body').innerHTML = `<p class="chart-error">${escapeHtml(err.message)}</p>`;
        }
      }
    }),
  );
}

function drawChart(chart, res) {
  chart.res = res;
  const body = chart.card.querySelector('.chart-body');
  const built = buildChart(chart.spec, res, chart.docs, chart.holder);
  chart.card.querySelector('.lod').textContent = `lod ${res.level}`;
  chart.card.querySelector('.lod').title =
    res.level === 1 ? 'every sampled tick' : `means (and min/max) over buckets of ${res.level} ticks`;
  chart.card.dataset.level = String(res.level);
  const signature = built.series.map((s) => `${s.label}:${s.scale ?? 'y'}`).join('|');
  const empty = res.data[0].length > 0 && built.data.slice(1).every((col) => col.every((v) => v === null));
  const note = chart.card.querySelector('.note');
  note.hidden = !empty;
  note.textContent = empty ? 'Every value is empty in this range (lifespans, for example, need deaths).' : '';
  if (res.data[0].length === 0) {
    chart.plot?.destroy();
    chart.plot = null;
    chart.signature = '';
    body.innerHTML = '<p class="muted chart-error">No samples in this range.</p>';
    return;
  }
  chart.holder.raw = built.raw;
  if (chart.plot && chart.signature === signature) {
    chart.plot.setData(built.data);
    return;
  }
  chart.plot?.destroy();
  body.innerHTML = '';
  chart.signature = signature;
  chart.plot = new uPlot(uplotOptions(chartWidth(body), built, true), built.data, body);
  interactive(chart.plot);
  labelLegend(chart.plot, built.series);
}

// ---------------------------------------------------------------- zoom

function zoomTo(from, to) {
  const m = state.manifest;
  if (!m) return;
  const a = Math.max(m.firstTick, Math.floor(Math.min(from, to)));
  const b = Math.min(m.lastTick, Math.ceil(Math.max(from, to)));
  if (b - a < 2) return;
  state.zoom = { from: a, to: b };
  updateZoomUi();
  loadCharts();
  state.muller?.setScale('x', { min: a, max: b });
}

function resetZoom() {
  state.zoom = null;
  updateZoomUi();
  loadCharts();
  if (state.muller) state.muller.setScale('x', { min: state.muller.data[0][0], max: state.muller.data[0].at(-1) });
}

function updateZoomUi() {
  const z = state.zoom;
  $('reset-zoom').hidden = !z;
  $('zoom-info').hidden = !z;
  $('zoom-info').textContent = z ? `ticks ${z.from}–${z.to}` : '';
}

// ---------------------------------------------------------------- Muller plot

async function loadMuller() {
  const runId = state.runId;
  const host = $('muller');
  const points = Math.min(5000, Math.max(20, Math.floor(chartWidth(host) / 2)));
  try {
    const m = await getJson(runPath('/muller'), { points, top: MULLER_TOP });
    if (runId !== state.runId) return;
    drawMuller(m);
  } catch (err) {
    if (isAbort(err)) return;
    state.muller?.destroy();
    state.muller = null;
    host.innerHTML = `<p class="chart-error">${escapeHtml(err.message)}</p>`;
  }
}

function drawMuller(m) {
  const host = $('muller');
  if (m.ticks.length === 0 || m.genotypes.length === 0) {
    state.muller?.destroy();
    state.muller = null;
    host.innerHTML = '<p class="muted chart-error">No organisms yet.</p>';
    return;
  }
  const series = [{ label: 'tick', value: (u, v) => (v === null ? '–' : String(Math.round(v))) }];
  const data = [m.ticks];
  const raw = [null];
  const holder = state.mullerHolder;
  const bands = [];
  const acc = new Array(m.ticks.length).fill(0);
  m.genotypes.forEach((g, i) => {
    const stacked = g.counts.map((x, j) => (acc[j] += x));
    const c = genomeColor(g.genomeHash, 0.75);
    series.push({
      label: g.genomeHash === 'other' ? 'other' : g.genomeHash.slice(0, 10),
      stroke: genomeColor(g.genomeHash),
      fill: c,
      width: 1,
      points: { show: false },
      value: (u, v, si, di) => fmtNum(holder.raw[si]?.[di]),
    });
    data.push(stacked);
    raw.push(g.counts);
    if (i > 0) bands.push({ series: [i + 1, i], fill: c });
  });
  const built = { series, data, bands, right: false, stacked: true };
  const z = state.zoom;
  holder.raw = raw;
  const signature = series.map((s) => s.label).join('|');
  if (state.muller && state.mullerSignature === signature) {
    state.muller.setData(data);
  } else {
    state.mullerSignature = signature;
    state.muller?.destroy();
    host.innerHTML = '';
    const opts = uplotOptions(chartWidth(host), built, true);
    opts.height = CHART_HEIGHT + 40;
    state.muller = new uPlot(opts, data, host);
    interactive(state.muller);
  }
  if (z) state.muller.setScale('x', { min: z.from, max: z.to });
}

// ---------------------------------------------------------------- genotype bank

async function loadGenotypes() {
  const runId = state.runId;
  try {
    const g = await getJson(runPath('/genotypes'), { limit: 200 });
    if (runId !== state.runId) return;
    state.genotypes = g;
    renderGenotypes();
  } catch (err) {
    if (isAbort(err)) return;
    $('genotypes').querySelector('tbody').innerHTML =
      `<tr><td colspan="5" class="chart-error">${escapeHtml(err.message)}</td></tr>`;
  }
}

function renderGenotypes() {
  const g = state.genotypes;
  if (!g) return;
  const col = Object.fromEntries(g.columns.map((c, i) => [c, i]));
  const { key, dir } = state.genotypeSort;
  const rows = g.rows.slice().sort((a, b) => {
    const x = a[col[key]];
    const y = b[col[key]];
    if (x === y) return 0;
    if (x === null) return 1;
    if (y === null) return -1;
    return (x < y ? -1 : 1) * dir;
  });
  $('genotype-count').textContent = `${g.rows.length}${g.rows.length >= 200 ? '+' : ''} genotypes`;
  for (const th of $('genotypes').querySelectorAll('th')) {
    th.classList.toggle('sorted', th.dataset.key === key);
    th.dataset.dir = dir > 0 ? '▲' : '▼';
  }
  const tbody = $('genotypes').querySelector('tbody');
  tbody.innerHTML = rows
    .map((r) => {
      const hash = String(r[col.genome_hash] ?? '');
      const first = r[col.first_tick];
      const org = r[col.first_organism];
      const href = visualizerUrl(first === null ? undefined : Number(first) + 1, org);
      return `<tr>
        <td class="mono"><span class="swatch" style="background:${genomeColor(hash)}"></span>${escapeHtml(hash)}
          <a class="source" href="${apiUrl(runPath(`/genotypes/${encodeURIComponent(hash)}`), { format: 'text' })}" target="_blank" title="The genome, disassembled from the cells of its first organism">source</a></td>
        <td class="num"><a href="${href}" title="Open the visualizer at the first organism with this genome (#${escapeHtml(org)})">${fmtNum(first)}</a></td>
        <td class="num">${fmtNum(r[col.organisms])}</td>
        <td class="num">${fmtNum(r[col.alive])}</td>
        <td class="num">${fmtNum(r[col.mean_lifespan], 4)}</td>
      </tr>`;
    })
    .join('');
  if (rows.length === 0) tbody.innerHTML = '<tr><td colspan="5" class="muted">No organisms yet.</td></tr>';
}

// ---------------------------------------------------------------- phylogeny

async function loadPhylogeny(force = false) {
  const runId = state.runId;
  $('dl-alife').href = apiUrl(runPath('/phylogeny'), { format: 'alife' });
  $('dl-newick').href = apiUrl(runPath('/phylogeny'), { format: 'newick' });
  try {
    if (!force && !state.phylo) {
      const n = await getJson(runPath('/query'), { sql: 'SELECT count(*) AS n FROM organisms' });
      const count = Number(n.rows[0]?.[0] ?? 0);
      if (count > PHYLO_AUTO_MAX) {
        $('phylo-load').hidden = false;
        $('phylo-load').textContent = `Load phylogeny (${count.toLocaleString('en-US')} organisms)`;
        $('phylo-count').textContent = '';
        return;
      }
    }
    $('phylo-load').hidden = true;
    const p = await getJson(runPath('/phylogeny'), { format: 'json' });
    if (runId !== state.runId) return;
    state.phylo = buildTree(p);
    renderPhylogeny();
  } catch (err) {
    if (isAbort(err)) return;
    $('tree').innerHTML = `<p class="chart-error">${escapeHtml(err.message)}</p>`;
  }
}

/** Children lists, roots (no parent, or a parent not recorded), subtree sizes and a depth-first order. */
function buildTree(p) {
  const nodes = new Map();
  for (const o of p.organisms) if (!nodes.has(o.id)) nodes.set(o.id, { ...o, children: [], size: 1 });
  const roots = [];
  for (const n of nodes.values()) {
    const parent = n.parentId === null ? undefined : nodes.get(n.parentId);
    if (parent && parent !== n) parent.children.push(n);
    else roots.push(n);
  }
  const byBirth = (a, b) => a.birthTick - b.birthTick || a.id - b.id;
  roots.sort(byBirth);
  // Depth-first preorder without recursion (lineages can be deep); sizes accumulate in reverse.
  const order = [];
  const stack = roots
    .slice()
    .reverse()
    .map((n) => [n, 0]);
  while (stack.length) {
    const [n, depth] = stack.pop();
    n.depth = depth;
    order.push(n);
    n.children.sort(byBirth);
    for (let i = n.children.length - 1; i >= 0; i--) stack.push([n.children[i], depth + 1]);
  }
  for (let i = order.length - 1; i >= 0; i--) {
    const n = order[i];
    const parent = n.parentId === null ? undefined : nodes.get(n.parentId);
    if (parent && parent !== n && parent.children.includes(n)) parent.size += n.size;
  }
  return { roots, order, count: nodes.size, orphans: p.orphans };
}

function renderPhylogeny() {
  const t = state.phylo;
  if (!t) return;
  const alive = t.order.filter((n) => n.deathTick === null).length;
  $('phylo-count').textContent =
    `${t.count.toLocaleString('en-US')} organisms · ${alive.toLocaleString('en-US')} alive`;
  const notes = [];
  if (t.count > TREE_MAX) notes.push(`The tree shows the first ${TREE_MAX} of ${t.count} organisms (depth first).`);
  if (t.count > LINEAGE_MAX) notes.push(`The lineage plot shows the first ${LINEAGE_MAX}.`);
  if (t.orphans) notes.push(`${t.orphans} organism(s) have a parent that is not recorded and start their own tree.`);
  if (notes.length) notes.push('Download the ALife CSV or Newick file for the whole phylogeny.');
  $('phylo-note').textContent = notes.join(' ');
  $('phylo-note').hidden = notes.length === 0;
  drawLineage();
  renderTree();
}

function nodeLine(n) {
  const life =
    n.deathTick === null
      ? '<span class="alive">alive</span>'
      : `died ${n.deathTick}${n.deathCause ? ` (${escapeHtml(n.deathCause)})` : ''}`;
  const desc = n.size > 1 ? ` · <span class="muted">${n.size - 1} descendant${n.size === 2 ? '' : 's'}</span>` : '';
  return `<span class="swatch" style="background:${genomeColor(n.genomeHash)}"></span><a href="${visualizerUrl(
    n.birthTick + 1,
    n.id,
  )}" title="Open the visualizer at this organism's first tick">#${n.id}</a> <span class="muted">gen ${n.generation}</span> · born ${n.birthTick} · ${life} · <span class="mono" title="genome hash">${escapeHtml(
    n.genomeHash.slice(0, 12),
  )}</span>${desc}`;
}

function renderTree() {
  const t = state.phylo;
  const host = $('tree');
  host.innerHTML = '';
  if (t.count === 0) {
    host.innerHTML = '<p class="muted">No organisms yet.</p>';
    return;
  }
  // Build nested lists following the preorder; open the first levels and whatever the user opened.
  const root = document.createElement('ul');
  const lists = [root];
  let shown = 0;
  for (const n of t.order) {
    if (shown >= TREE_MAX) break;
    lists.length = n.depth + 1;
    const parentList = lists[n.depth];
    if (!parentList) continue;
    const li = document.createElement('li');
    if (n.children.length) {
      const details = document.createElement('details');
      details.open = state.openNodes.has(n.id) || (n.depth < 3 && !state.openNodes.has(-n.id));
      details.dataset.id = String(n.id);
      details.innerHTML = `<summary>${nodeLine(n)}</summary>`;
      const ul = document.createElement('ul');
      details.append(ul);
      li.append(details);
      lists[n.depth + 1] = ul;
      details.addEventListener('toggle', () => {
        state.openNodes.delete(details.open ? -n.id : n.id);
        state.openNodes.add(details.open ? n.id : -n.id);
      });
    } else {
      li.innerHTML = `<span class="leaf">${nodeLine(n)}</span>`;
    }
    parentList.append(li);
    shown++;
  }
  host.append(root);
}

/** Each organism a horizontal line from birth to death (or the last tick), joined to its parent at birth. */
function drawLineage() {
  const t = state.phylo;
  const canvas = $('lineage');
  const nodes = t.order.slice(0, LINEAGE_MAX);
  if (nodes.length === 0) {
    canvas.hidden = true;
    return;
  }
  canvas.hidden = false;
  const width = canvas.parentElement.clientWidth - 24;
  // At most 8 px a row and 420 px in all: with many organisms rows share pixels (lines overlap).
  const height = Math.max(60, Math.min(420, nodes.length * 8) + 28);
  const rowH = (height - 28) / nodes.length;
  const dpr = window.devicePixelRatio || 1;
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  canvas.width = Math.round(width * dpr);
  canvas.height = Math.round(height * dpr);
  const ctx = canvas.getContext('2d');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.fillStyle = '#0c0f13';
  ctx.fillRect(0, 0, width, height);
  const m = state.manifest;
  const t0 = m?.firstTick ?? 0;
  const t1 = Math.max(t0 + 1, m?.lastTick ?? Math.max(...nodes.map((n) => n.deathTick ?? n.birthTick)));
  const left = 8;
  const plotW = width - 16;
  const x = (tick) => left + ((Math.min(tick, t1) - t0) / (t1 - t0)) * plotW;
  const y = (i) => 6 + i * rowH + rowH / 2;
  const row = new Map(nodes.map((n, i) => [n.id, i]));
  ctx.lineWidth = Math.max(1, Math.min(3, rowH * 0.6));
  nodes.forEach((n, i) => {
    ctx.strokeStyle = genomeColor(n.genomeHash, 0.9);
    ctx.beginPath();
    ctx.moveTo(x(n.birthTick), y(i));
    ctx.lineTo(Math.max(x(n.birthTick) + 1, x(n.deathTick ?? t1)), y(i));
    ctx.stroke();
    const p = n.parentId === null ? undefined : row.get(n.parentId);
    if (p !== undefined) {
      ctx.strokeStyle = 'rgba(160,170,180,0.35)';
      ctx.lineWidth = 1;
      ctx.beginPath();
      ctx.moveTo(x(n.birthTick) + 0.5, y(p));
      ctx.lineTo(x(n.birthTick) + 0.5, y(i));
      ctx.stroke();
      ctx.lineWidth = Math.max(1, Math.min(3, rowH * 0.6));
    }
  });
  ctx.fillStyle = '#8793a0';
  ctx.font = '11px system-ui, sans-serif';
  ctx.textBaseline = 'bottom';
  ctx.textAlign = 'left';
  ctx.fillText(`tick ${t0}`, left, height - 4);
  ctx.textAlign = 'right';
  ctx.fillText(`tick ${t1}`, width - 8, height - 4);
  canvas.lineage = { nodes, rowH, t0, t1, left, plotW };
}

function lineageAt(ev) {
  const l = $('lineage').lineage;
  if (!l) return null;
  const rect = $('lineage').getBoundingClientRect();
  const i = Math.floor((ev.clientY - rect.top - 6) / l.rowH);
  const n = l.nodes[i];
  if (!n) return null;
  const tick = Math.round(l.t0 + ((ev.clientX - rect.left - l.left) / l.plotW) * (l.t1 - l.t0));
  return { n, tick: Math.max(n.birthTick + 1, Math.min(tick, n.deathTick ?? l.t1)) };
}

// ---------------------------------------------------------------- SQL console

async function runSql() {
  const sql = $('sql').value.trim();
  if (!sql || !state.runId) return;
  const status = $('sql-status');
  status.textContent = 'running…';
  const started = performance.now();
  try {
    const r = await getJson(runPath('/query'), { sql, maxRows: 2000 });
    renderViews(r.views);
    const head = `<thead><tr>${r.columns.map((c) => `<th title="${escapeHtml(c.type)}">${escapeHtml(c.name)}</th>`).join('')}</tr></thead>`;
    const body = r.rows
      .slice(0, 500)
      .map(
        (row) =>
          `<tr>${row.map((v) => `<td>${escapeHtml(typeof v === 'number' ? fmtNum(v, 6) : (v ?? '–'))}</td>`).join('')}</tr>`,
      )
      .join('');
    $('sql-result').innerHTML = `${head}<tbody>${body}</tbody>`;
    status.textContent = `${r.rows.length} row(s)${r.truncated ? ' (truncated)' : ''}${r.rows.length > 500 ? ', first 500 shown' : ''} · ${(performance.now() - started).toFixed(0)} ms`;
  } catch (err) {
    status.textContent = '';
    $('sql-result').innerHTML = `<tbody><tr><td class="chart-error">${escapeHtml(err.message)}</td></tr></tbody>`;
  }
}

/** The SQL views of a run, as the manifest names them (plus `organisms`, births joined with deaths). */
function manifestViews(m) {
  const views = m.tables.flatMap((t) => t.levels.map((l) => l.view));
  if (m.tables.some((t) => t.id === 'births')) views.push('organisms');
  return views.sort();
}

/** An example query for the run, unless the user has written one. */
function exampleSql(m) {
  const pop = m.tables.find((t) => t.id === 'population');
  const lod = pop?.levels.find((l) => l.level === 100) ?? pop?.levels.at(-1);
  if (pop && lod) return `SELECT tick, alive, born, died FROM ${lod.view} ORDER BY tick`;
  const any = m.tables[0]?.levels[0]?.view;
  return any ? `SELECT * FROM ${any} LIMIT 100` : 'SELECT 1';
}

function renderViews(views) {
  const host = $('sql-views');
  if (!views) return;
  host.innerHTML = views
    .map((v) => `<button class="chip" data-view="${escapeHtml(v)}">${escapeHtml(v)}</button>`)
    .join(' ');
}

// ---------------------------------------------------------------- runs, manifest, live updates

function fillRunSelect() {
  const sel = $('run-select');
  const ids = state.runs.map((r) => r.runId);
  if (state.runId && !ids.includes(state.runId)) ids.push(state.runId);
  sel.innerHTML = '';
  for (const id of ids) {
    const r = state.runs.find((x) => x.runId === id);
    const opt = document.createElement('option');
    opt.value = id;
    opt.textContent = r ? `${id} · ticks ${r.firstTick}–${r.lastTick}` : `${id} · no analytics yet`;
    sel.append(opt);
  }
  if (state.runId) sel.value = state.runId;
}

async function loadRuns() {
  const { runs } = await getJson('/runs');
  state.runs = runs;
  fillRunSelect();
  return runs;
}

function describeManifest(m) {
  const per = m.tables.filter((t) => t.kind === 'per-tick').length;
  return `ticks ${m.firstTick}–${m.lastTick} · ${m.samples.toLocaleString('en-US')} samples · ${m.parts} part(s) · ${per} metric tables`;
}

async function selectRun(runId) {
  state.runId = runId;
  state.manifest = null;
  state.zoom = null;
  state.phylo = null;
  state.genotypes = null;
  state.openNodes.clear();
  updateZoomUi();
  clearCharts();
  $('tree').innerHTML = '';
  $('lineage').hidden = true;
  $('phylo-note').hidden = true;
  $('phylo-count').textContent = '';
  $('genotypes').querySelector('tbody').innerHTML = '';
  $('sql-result').innerHTML = '';
  $('sql-views').innerHTML = '';
  $('run-info').textContent = '';
  fillRunSelect();
  $('visualizer-link').href = visualizerUrl();
  history.replaceState(null, '', `?run=${encodeURIComponent(runId)}`);
  showError(null);
  try {
    state.manifest = await getJson(runPath('/manifest'));
  } catch (err) {
    if (runId !== state.runId) return;
    showError(err);
    setStatus('waiting for analytics…');
    return;
  }
  if (runId !== state.runId) return;
  state.lastChange = Date.now();
  $('run-info').textContent = describeManifest(state.manifest);
  renderViews(manifestViews(state.manifest));
  if (!state.sqlEdited) $('sql').value = exampleSql(state.manifest);
  layoutCharts();
  setStatus('loading…');
  await Promise.all([loadCharts(), loadMuller(), loadGenotypes(), loadPhylogeny()]);
  if (runId === state.runId) setStatus(`updated ${new Date().toLocaleTimeString()}`);
}

/** Every few seconds: new runs, and the run's manifest; a changed fingerprint refreshes the page's data. */
async function poll() {
  if (state.polling || document.hidden) return;
  state.polling = true;
  try {
    const runs = await loadRuns();
    if (!state.runId) {
      if (runs.length) await selectRun(runs[0].runId);
      return;
    }
    if (!state.manifest) {
      // The run had no analytics: load it once /runs lists it (a 404 per poll would fill the console).
      if (runs.some((r) => r.runId === state.runId)) await selectRun(state.runId);
      return;
    }
    const runId = state.runId;
    const m = await getJson(runPath('/manifest'));
    if (runId !== state.runId || m.fingerprint === state.manifest.fingerprint) {
      if (Date.now() - state.lastChange > 4 * POLL_MS)
        setStatus(`no new data since ${new Date(state.lastChange).toLocaleTimeString()}`);
      return;
    }
    const tablesChanged = m.tables.map((t) => t.id).join() !== state.manifest.tables.map((t) => t.id).join();
    state.manifest = m;
    state.lastChange = Date.now();
    $('run-info').textContent = describeManifest(m);
    showError(null);
    if (tablesChanged && !state.zoom) layoutCharts();
    const work = [loadGenotypes()];
    if (!state.zoom) work.push(loadCharts(), loadMuller());
    if (state.phylo && state.phylo.count <= PHYLO_AUTO_MAX) work.push(loadPhylogeny());
    await Promise.all(work);
    setStatus(`live · updated ${new Date().toLocaleTimeString()}${state.zoom ? ' (zoomed: charts held)' : ''}`);
  } catch (err) {
    if (!isAbort(err)) setStatus(`update failed: ${err.message}`);
  } finally {
    state.polling = false;
  }
}

// ---------------------------------------------------------------- wiring

function installControls() {
  $('run-select').onchange = (ev) => selectRun(ev.target.value);
  $('reset-zoom').onclick = resetZoom;
  $('phylo-load').onclick = () => loadPhylogeny(true);
  $('sql-run').onclick = runSql;
  $('sql').addEventListener('input', () => (state.sqlEdited = true));
  $('sql').addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey)) {
      ev.preventDefault();
      runSql();
    }
  });
  $('sql-views').addEventListener('click', (ev) => {
    const v = ev.target.closest('[data-view]')?.dataset.view;
    if (!v) return;
    $('sql').value = `SELECT * FROM ${v} ORDER BY 1 LIMIT 100`;
    runSql();
  });
  for (const th of $('genotypes').querySelectorAll('th')) {
    th.onclick = () => {
      const key = th.dataset.key;
      state.genotypeSort =
        state.genotypeSort.key === key
          ? { key, dir: -state.genotypeSort.dir }
          : { key, dir: key === 'genome_hash' || key === 'first_tick' ? 1 : -1 };
      renderGenotypes();
    };
  }
  const lineage = $('lineage');
  lineage.addEventListener('mousemove', (ev) => {
    const hit = lineageAt(ev);
    showTooltip(
      ev,
      hit &&
        `#${hit.n.id} (gen ${hit.n.generation}) · born ${hit.n.birthTick}${hit.n.deathTick === null ? ' · alive' : ` · died ${hit.n.deathTick}`}\ngenome ${hit.n.genomeHash}\nclick: visualizer at tick ${hit.tick}`,
    );
  });
  lineage.addEventListener('mouseleave', () => showTooltip(null, null));
  lineage.addEventListener('click', (ev) => {
    const hit = lineageAt(ev);
    if (hit) openVisualizer(ev, hit.tick, hit.n.id);
  });
  let resizeTimer = null;
  window.addEventListener('resize', () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => {
      for (const c of state.charts) {
        const body = c.card.querySelector('.chart-body');
        c.plot?.setSize({ width: chartWidth(body), height: CHART_HEIGHT });
      }
      state.muller?.setSize({ width: chartWidth($('muller')), height: CHART_HEIGHT + 40 });
      if (state.phylo) drawLineage();
    }, 150);
  });
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden) poll();
  });
}

async function main() {
  installControls();
  const wanted = new URLSearchParams(location.search).get('run');
  const runs = await loadRuns();
  const runId = wanted || runs[0]?.runId;
  if (runId) await selectRun(runId);
  else {
    setStatus('waiting for a run with analytics…');
    showError({
      message: 'No run has analytics yet.',
      actions: [
        'A node with the AnalyticsIndexer (on by default) writes them while it records, a part every few seconds.',
      ],
    });
  }
  setInterval(poll, POLL_MS);
}

// For scripts and tests: the page's own zoom, reset and state.
window.analyzer = { zoomTo, resetZoom, state };

main().catch((err) => {
  setStatus('failed to start');
  showError(err, 'Analyzer');
});
