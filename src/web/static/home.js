// The front page: the node, its runs (with a population sparkline from the analytics) and its services.
// Follows the node by server push (/visualizer/api/events) and re-reads the pipeline status every 3 s.
import { forkTree } from './run-tree.js';

const $ = (id) => document.getElementById(id);
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
const fmt = (n) => (typeof n === 'number' ? n.toLocaleString() : '–');

async function get(path) {
  const r = await fetch(path);
  const body = await r.json();
  if (!r.ok) throw new Error(body.message ?? `${r.status} ${path}`);
  return body;
}

function banner(text) {
  $('banner').hidden = !text;
  $('banner').textContent = text ?? '';
}

/** An inline SVG polyline of the values (the population curve). */
function sparkline(values) {
  if (!values || values.length < 2) return '<span class="muted">no analytics yet</span>';
  const w = 160;
  const h = 28;
  const max = Math.max(1, ...values);
  const pts = values.map(
    (v, i) => `${((i / (values.length - 1)) * w).toFixed(1)},${(h - (v / max) * (h - 2) - 1).toFixed(1)}`,
  );
  return `<svg class="spark" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" role="img" aria-label="population"><polyline fill="none" stroke="#3fbf5f" stroke-width="1.5" points="${pts.join(' ')}"/></svg> <span class="muted">${fmt(values.at(-1))} alive</span>`;
}

const sparkCache = new Map();
async function populationOf(runId, maxTick) {
  const key = `${runId}@${maxTick}`;
  if (sparkCache.has(key)) return sparkCache.get(key);
  try {
    const m = await get(`/analyzer/api/runs/${encodeURIComponent(runId)}/metrics/population?points=80&columns=alive`);
    const values = m.data[1].map(Number);
    sparkCache.set(key, values);
    return values;
  } catch {
    return undefined;
  }
}

/** Runs that have analytics (asked first: a metric of a run without them would be a 404 in the console). */
let analyzed = { at: 0, ids: new Set() };
async function analyzedRuns() {
  if (Date.now() - analyzed.at > 5000) {
    try {
      analyzed = { at: Date.now(), ids: new Set((await get('/analyzer/api/runs')).runs.map((r) => r.runId)) };
    } catch {
      analyzed = { at: Date.now(), ids: new Set() };
    }
  }
  return analyzed.ids;
}

/** The run id cell: indented under its parent, with a link to the tick it was forked at. */
function runCell(r, depth) {
  if (!r.forkedFrom) return `<td class="mono">${esc(r.runId)}</td>`;
  const at = `/visualizer?run=${encodeURIComponent(r.forkedFrom.runId)}&tick=${r.forkedFrom.tick}`;
  return `<td class="mono fork" style="padding-left:${0.4 + 1.4 * depth}em" data-depth="${depth}">
    <span class="muted" title="forked">⑂</span> ${esc(r.runId)}
    <div class="muted small">fork of <a href="${at}">${esc(r.forkedFrom.runId.slice(0, 26))}…</a> at tick ${fmt(r.forkedFrom.tick)}</div></td>`;
}

/** The engine's run and tick from the last push (the first render has none yet). */
let lastEngine = null;

/** A run's status: the one the engine records now (with how far the index is behind it), or stored. */
function statusCell(r, engine) {
  if (engine && engine.runId === r.runId) {
    const behind = r.ticks ? Math.max(0, engine.tick - r.ticks.maxTick) : null;
    const lag = behind ? ` <span class="muted small">index ${fmt(behind)} behind</span>` : '';
    return `<td class="state-RUNNING" data-status="recording">recording${lag}</td>`;
  }
  return `<td class="muted" data-status="stored">stored</td>`;
}

async function renderRuns(runs, engine) {
  if (engine !== undefined) lastEngine = engine;
  engine = lastEngine;
  const withAnalytics = await analyzedRuns();
  $('engine').textContent = engine ? `engine at tick ${fmt(engine.tick)} (${engine.runId.slice(0, 26)}…)` : '';
  const rows = await Promise.all(
    forkTree(runs).map(async ({ run: r, depth }) => {
      const q = `?run=${encodeURIComponent(r.runId)}`;
      const pop = r.ticks && withAnalytics.has(r.runId) ? await populationOf(r.runId, r.ticks.maxTick) : undefined;
      return `<tr>
        ${runCell(r, depth)}
        ${statusCell(r, engine)}
        <td>${r.worldShape ? esc(r.worldShape.join('×')) : '–'}</td>
        <td class="num">${r.ticks ? `${fmt(r.ticks.minTick)} – ${fmt(r.ticks.maxTick)}` : 'none yet'}</td>
        <td>${sparkline(pop)}</td>
        <td><a href="/visualizer${q}">visualizer</a> · <a href="/analyzer${q}">analyzer</a></td>
      </tr>`;
    }),
  );
  $('runs').querySelector('tbody').innerHTML =
    rows.join('') ||
    '<tr><td colspan="6" class="muted">No recorded run yet: the engine’s first batch appears within seconds.</td></tr>';
}

/** One line of what a service is doing now, from its metrics. */
function now(s) {
  const m = s.metrics ?? {};
  if (m.current_tick !== undefined) return `tick ${fmt(m.current_tick)}, ${fmt(Math.round(m.ticks_per_sec ?? 0))}/s`;
  if (m.newest_indexed_tick !== undefined) return `indexed to ${fmt(m.newest_indexed_tick)}`;
  if (m.ticks_written !== undefined) return `${fmt(m.ticks_written)} ticks written`;
  return '';
}

async function renderServices() {
  try {
    const st = await get('/pipeline/api/status');
    $('pipeline-state').textContent = `${st.status}${st.healthy === false ? ' · unhealthy' : ''}`;
    $('services').querySelector('tbody').innerHTML = (st.services ?? [])
      .map(
        (s) => `<tr>
        <td>${esc(s.name)}</td><td class="muted">${esc(s.className ?? '')}</td>
        <td class="state-${esc(s.state)}">${esc(s.state)}</td><td>${esc(now(s))}</td>
        <td class="num">${(s.errors ?? []).length}</td></tr>`,
      )
      .join('');
    banner();
  } catch (err) {
    banner(`The node does not answer (${err.message}); retrying.`);
  }
}

async function main() {
  try {
    const h = await get('/node/health');
    $('node-info').textContent = `node ${h.version} · pid ${h.pid} · ${h.dataDir}`;
  } catch (err) {
    banner(`The node does not answer (${err.message}).`);
  }
  await renderRuns((await get('/visualizer/api/runs')).runs);
  await renderServices();
  setInterval(renderServices, 3000);
  if (typeof EventSource !== 'undefined') {
    const es = new EventSource('/visualizer/api/events');
    es.addEventListener('update', (ev) => {
      const u = JSON.parse(ev.data);
      renderRuns(u.runs, u.engine);
    });
  }
}

main().catch((err) => banner(`failed to start: ${err.message}`));
