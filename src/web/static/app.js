// The Evochora web visualizer: world grid, minimap, timeline, organism list and organism panel.
import { api, ApiError, moleculeType, moleculeValue, moleculeMarker, MOLECULE_TYPE_NAMES } from './api.js';
// The colour rules `evochora video` uses too (src/visualizer/cell-colors.ts).
import {
  TYPE_COLORS,
  EMPTY_CODE_COLOR,
  BACKGROUND_COLOR,
  ownerColor,
  hueColor,
  lineageHues,
} from '/visualizer/cell-colors.js';

const $ = (id) => document.getElementById(id);
const TYPE_NAMES = MOLECULE_TYPE_NAMES;
const MINIMAP_COLORS = [...TYPE_COLORS, BACKGROUND_COLOR];

const state = {
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
  view: { x: 0, y: 0, cell: 8 },
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

// ---------------------------------------------------------------- helpers

function setStatus(text) {
  $('status').textContent = text;
}

function url() {
  const q = new URLSearchParams();
  if (state.runId) q.set('runId', state.runId);
  q.set('tick', String(state.tick));
  if (state.selected !== null) q.set('organism', String(state.selected));
  if (state.colorBy !== 'organism') q.set('color', state.colorBy);
  if (state.overlay !== 'none') q.set('overlay', state.overlay);
  history.replaceState(null, '', `?${q}`);
}

/** The colour an owner's cells and markers get: its own hue, or (coloured by lineage) its genotype's. */
function ownerPaint(owner, alpha = 1) {
  if (state.colorBy === 'lineage') {
    const hue = state.lineage.hues.get(state.genomeOf.get(owner));
    if (hue !== undefined) return hueColor(hue, alpha);
    return `rgba(200, 200, 200, ${alpha})`; // a genotype the analytics have not seen yet
  }
  return ownerColor(owner, alpha);
}

/** Loads the run's genome tree (again when a genotype at this tick is not in it, at most every 5 s). */
async function refreshLineage() {
  if (state.colorBy !== 'lineage' || !state.runId) return;
  const l = state.lineage;
  const known = l.runId === state.runId;
  const missing = [...state.genomeOf.values()].some((g) => !l.hues.has(g));
  if (known && (!missing || Date.now() - l.fetchedAt < 5000)) return;
  l.fetchedAt = Date.now();
  try {
    const res = await fetch(`/analyzer/api/runs/${encodeURIComponent(state.runId)}/genome-tree`);
    if (!res.ok) {
      Object.assign(l, { runId: state.runId, hues: new Map(), missing: true });
      setStatus(
        "lineage colours need the run's analytics (the node's analytics indexer, or `evochora index --run RUN`)",
      );
      return;
    }
    const tree = await res.json();
    Object.assign(l, { runId: state.runId, hues: lineageHues(tree.genomes), missing: false });
    draw();
    drawMinimap();
    renderOrganismList();
    renderLegend();
  } catch (err) {
    setStatus(`lineage: ${err.message}`);
  }
}

function isAbort(err) {
  return err?.name === 'AbortError';
}

function clampTick(t) {
  if (!state.range) return 0;
  const s = state.sampling;
  let v = Math.round((t - state.range.minTick) / s) * s + state.range.minTick;
  return Math.max(state.range.minTick, Math.min(state.range.maxTick, v));
}

// ---------------------------------------------------------------- runs

async function loadRuns(pushed) {
  const { runs } = pushed ?? (await api.runs());
  state.runs = runs;
  const sel = $('run-select');
  const current = sel.value;
  sel.innerHTML = '';
  for (const r of runs) {
    const opt = document.createElement('option');
    opt.value = r.runId;
    const when = r.startTimeMs ? new Date(r.startTimeMs).toLocaleString() : '';
    opt.textContent = `${r.runId.slice(0, 26)}${r.runId.length > 26 ? '…' : ''} ${when}`;
    sel.append(opt);
  }
  if (current && runs.some((r) => r.runId === current)) sel.value = current;
  return runs;
}

async function selectRun(runId, tick) {
  state.runId = runId;
  $('run-select').value = runId;
  $('analyzer-link').href = `/analyzer?run=${encodeURIComponent(runId)}`;
  state.meta = null;
  state.range = null;
  state.env = null;
  state.minimap = null;
  state.organisms = [];
  const run = state.runs.find((r) => r.runId === runId);
  if (!run || !run.hasMetadata || !run.ticks) {
    $('overlay').hidden = false;
    draw();
    return;
  }
  state.meta = await api.metadata(runId);
  state.shape = state.meta.environment.shape;
  state.sampling = state.meta.samplingInterval || 1;
  state.opcodes = state.meta.opcodes;
  state.range = run.ticks;
  $('run-info').textContent =
    `${state.shape.join('×')} ${state.meta.environment.topology} · sampling ${state.sampling} · ${state.meta.programs.length} program(s)`;
  // A forked run names its branch point; the link opens the parent run at that tick.
  const fork = state.meta.forkedFrom;
  if (fork) {
    const a = document.createElement('a');
    a.id = 'fork-parent';
    a.href = '#';
    a.textContent = `forked from ${fork.runId.slice(0, 17)}… at tick ${fork.tick}`;
    a.title = fork.runId;
    a.onclick = (ev) => {
      ev.preventDefault();
      if (state.runs.some((r) => r.runId === fork.runId)) void selectRun(fork.runId, fork.tick);
    };
    $('run-info').append(' · ', a);
  }
  $('overlay').hidden = true;
  fitView();
  updateTimeline();
  await goToTick(tick ?? (state.follow ? state.range.maxTick : state.range.minTick));
}

// Applies the runs /runs answers (polled) or the live feed pushes: a live run's growth and new runs appear.
async function poll(pushed) {
  try {
    const runs = await loadRuns(pushed);
    const run = runs.find((r) => r.runId === state.runId);
    if (!state.runId && runs.length > 0) {
      await selectRun(runs[0].runId);
    } else if (run && (!state.meta || !state.range) && run.hasMetadata && run.ticks) {
      await selectRun(run.runId);
    } else if (run && run.ticks && state.range && run.ticks.maxTick !== state.range.maxTick) {
      state.range = run.ticks;
      updateTimeline();
      if (state.follow) await goToTick(state.range.maxTick);
    }
  } catch (err) {
    if (!isAbort(err)) setStatus(`poll failed: ${err.message}`);
  }
}

// ---------------------------------------------------------------- timeline

function updateTimeline() {
  const r = state.range;
  if (!r) return;
  const s = $('t-slider');
  s.min = String(r.minTick);
  s.max = String(r.maxTick);
  s.step = String(state.sampling);
  s.value = String(state.tick);
  $('t-input').value = String(state.tick);
  $('t-input').step = String(state.sampling);
  $('t-max').textContent = `/ ${r.maxTick}`;
}

async function goToTick(t) {
  if (!state.range) return;
  state.tick = clampTick(t);
  updateTimeline();
  url();
  await loadTick();
}

function step(samples) {
  if (!state.range) return;
  const target = state.tick + samples * state.sampling;
  if (samples < 0 || target < state.range.maxTick) state.follow = false;
  $('t-follow').checked = state.follow;
  goToTick(target);
}

// ---------------------------------------------------------------- loading a tick

let envAbort = null;
let orgAbort = null;

function visibleRegion() {
  const canvas = $('grid');
  const { x, y, cell } = state.view;
  const [W, H] = state.shape;
  const x0 = Math.max(0, Math.floor(x));
  const y0 = Math.max(0, Math.floor(y));
  const x1 = Math.min(W - 1, Math.ceil(x + canvas.clientWidth / cell));
  const y1 = Math.min(H - 1, Math.ceil(y + canvas.clientHeight / cell));
  return [x0, Math.max(x0, x1), y0, Math.max(y0, y1)];
}

async function loadEnvironment(withMinimap) {
  if (!state.meta || state.shape.length !== 2) return;
  envAbort?.abort();
  envAbort = new AbortController();
  const seq = state.loadSeq;
  // Zoomed out below one pixel per cell: the minimap is the picture; skip the cells.
  const overview = state.view.cell < 1;
  const region = overview ? [0, 0, 0, 0] : visibleRegion();
  try {
    const env = await api.environment(state.runId, state.tick, region, withMinimap || overview, envAbort.signal);
    if (seq !== state.loadSeq) return;
    state.env = env;
    if (env.minimap) state.minimap = env.minimap;
    draw();
    drawMinimap();
  } catch (err) {
    if (!isAbort(err)) setStatus(`cells: ${err.message}`);
  }
}

async function loadTick() {
  state.loadSeq++;
  const seq = state.loadSeq;
  orgAbort?.abort();
  orgAbort = new AbortController();
  const started = performance.now();
  const envP = loadEnvironment(true);
  try {
    const orgs = await api.organisms(state.runId, state.tick, orgAbort.signal);
    if (seq !== state.loadSeq) return;
    state.organisms = orgs.organisms;
    state.genomeOf = new Map(orgs.organisms.map((o) => [o.organismId, o.genomeHash]));
    void refreshLineage();
    // "follow": the view stays on the selected organism as the ticks go by.
    if ($('op-follow')?.checked && state.selected !== null) {
      const o = orgs.organisms.find((x) => x.organismId === state.selected);
      if (o && !o.isDead) centerOn(o.ip[0], o.ip[1]);
    }
    $('org-count').textContent = `${orgs.aliveCount} alive / ${orgs.totalOrganismsCreated} created`;
    renderOrganismList();
    if (state.selected !== null) await loadDetails(orgAbort.signal);
  } catch (err) {
    if (!isAbort(err)) setStatus(`organisms: ${err.message}`);
  }
  await envP;
  if (seq === state.loadSeq) setStatus(`tick ${state.tick} · ${(performance.now() - started).toFixed(0)} ms`);
  draw();
}

// ---------------------------------------------------------------- grid

function fitView() {
  const canvas = $('grid');
  const [W, H] = state.shape;
  const cell = Math.max(0.25, Math.min(canvas.clientWidth / W, canvas.clientHeight / H));
  state.view = { x: 0, y: 0, cell: Math.max(cell, Math.min(12, cell)) };
  if (W * H <= 256 * 256) state.view.cell = Math.min(canvas.clientWidth / W, canvas.clientHeight / H);
}

function resizeCanvas() {
  const canvas = $('grid');
  const dpr = window.devicePixelRatio || 1;
  canvas.width = Math.round(canvas.clientWidth * dpr);
  canvas.height = Math.round(canvas.clientHeight * dpr);
}

/** Heat colour for 0..1: dark blue → cyan → yellow → red. */
function heat(f, alpha) {
  const v = Math.max(0, Math.min(1, f));
  const h = 240 - 240 * v;
  return `hsla(${h.toFixed(0)}, 90%, ${35 + 25 * v}%, ${alpha})`;
}

/**
 * An overlay over the cells in view: `energy` (ENERGY cells by value, owned cells by their owner's energy),
 * `ownership` (owned cells in their owner's colour, the rest dimmed), `age` (owned cells by their owner's age,
 * young blue → old red) or `density` (8×8 blocks by how full they are).
 */
function drawOverlay(ctx, env, H, vx, vy, cell, canvas) {
  const byId = new Map(state.organisms.map((o) => [o.organismId, o]));
  let maxEnergy = 1;
  let maxAge = 1;
  for (const o of state.organisms) {
    maxEnergy = Math.max(maxEnergy, o.energy);
    maxAge = Math.max(maxAge, state.tick - o.birthTick);
  }
  const visible = (px, py) => !(px + cell < 0 || py + cell < 0 || px > canvas.clientWidth || py > canvas.clientHeight);
  if (state.overlay === 'ownership') {
    ctx.fillStyle = 'rgba(0, 0, 0, 0.65)';
    ctx.fillRect(-vx * cell, -vy * cell, state.shape[0] * cell, state.shape[1] * cell);
  }
  const blocks = new Map();
  for (let i = 0; i < env.flat.length; i++) {
    const idx = env.flat[i];
    const x = Math.floor(idx / H);
    const y = idx - x * H;
    const px = (x - vx) * cell;
    const py = (y - vy) * cell;
    if (state.overlay === 'density') {
      const key = `${x >> 3},${y >> 3}`;
      blocks.set(key, (blocks.get(key) ?? 0) + 1);
      continue;
    }
    if (!visible(px, py)) continue;
    const m = env.molecules[i];
    const owner = env.owners[i];
    const o = owner !== 0 ? byId.get(owner) : undefined;
    let fill = null;
    if (state.overlay === 'energy') {
      if (moleculeType(m) === 2) fill = heat(moleculeValue(m) / 20000, 0.85);
      else if (o) fill = heat(o.energy / maxEnergy, 0.7);
    } else if (state.overlay === 'ownership') {
      if (owner !== 0) fill = ownerPaint(owner, 0.9);
    } else if (state.overlay === 'age') {
      if (o) fill = heat((state.tick - o.birthTick) / maxAge, 0.75);
    }
    if (fill) {
      ctx.fillStyle = fill;
      ctx.fillRect(px, py, cell, cell);
    }
  }
  for (const [key, n] of blocks) {
    const [bx, by] = key.split(',').map(Number);
    const px = (bx * 8 - vx) * cell;
    const py = (by * 8 - vy) * cell;
    ctx.fillStyle = heat(n / 64, 0.55);
    ctx.fillRect(px, py, 8 * cell, 8 * cell);
  }
}

function draw() {
  const canvas = $('grid');
  const ctx = canvas.getContext('2d');
  const dpr = window.devicePixelRatio || 1;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.fillStyle = '#07090b';
  ctx.fillRect(0, 0, canvas.clientWidth, canvas.clientHeight);
  if (!state.meta || state.shape.length !== 2) return;
  const [W, H] = state.shape;
  const { x: vx, y: vy, cell } = state.view;
  // world background
  ctx.fillStyle = '#0e1217';
  ctx.fillRect(-vx * cell, -vy * cell, W * cell, H * cell);
  const env = state.env;
  if (cell < 1 && state.minimapImage) {
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(
      state.minimapCanvas,
      0,
      0,
      state.minimap.width,
      state.minimap.height,
      -vx * cell,
      -vy * cell,
      W * cell,
      H * cell,
    );
  } else if (env) {
    const gap = cell >= 6 ? 1 : 0;
    const showText = cell >= 18;
    ctx.font = `${Math.max(8, Math.min(12, cell / 3))}px ui-monospace, monospace`;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    for (let i = 0; i < env.flat.length; i++) {
      const idx = env.flat[i];
      const x = Math.floor(idx / H);
      const y = idx - x * H;
      const px = (x - vx) * cell;
      const py = (y - vy) * cell;
      if (px + cell < 0 || py + cell < 0 || px > canvas.clientWidth || py > canvas.clientHeight) continue;
      const m = env.molecules[i];
      const t = moleculeType(m);
      const owner = env.owners[i];
      ctx.fillStyle = m === 0 ? EMPTY_CODE_COLOR : (TYPE_COLORS[t] ?? '#fff');
      ctx.fillRect(px, py, cell - gap, cell - gap);
      if (owner !== 0 && cell >= 3) {
        ctx.strokeStyle = ownerPaint(owner, 0.9);
        ctx.lineWidth = Math.max(1, cell / 10);
        ctx.strokeRect(
          px + ctx.lineWidth / 2,
          py + ctx.lineWidth / 2,
          cell - gap - ctx.lineWidth,
          cell - gap - ctx.lineWidth,
        );
      } else if (owner !== 0) {
        ctx.fillStyle = ownerPaint(owner, 0.35);
        ctx.fillRect(px, py, cell, cell);
      }
      if (showText) {
        ctx.fillStyle = '#000';
        const v = moleculeValue(m);
        const label = t === 0 ? (state.opcodes[v] ?? String(v)).slice(0, 5) : String(v);
        ctx.fillText(label, px + cell / 2, py + cell / 2);
      }
    }
    if (state.overlay !== 'none') drawOverlay(ctx, env, H, vx, vy, cell, canvas);
  }
  // organism markers: IP as a ring, DPs as small squares
  for (const o of state.organisms) {
    if (o.isDead) continue;
    const sel = o.organismId === state.selected;
    const color = ownerPaint(o.organismId);
    for (const dp of o.dataPointers) {
      const px = (dp[0] - vx) * cell;
      const py = (dp[1] - vy) * cell;
      ctx.fillStyle = color;
      const s = Math.max(3, cell * 0.4);
      ctx.fillRect(px + cell / 2 - s / 2, py + cell / 2 - s / 2, s, s);
    }
    const px = (o.ip[0] - vx) * cell + cell / 2;
    const py = (o.ip[1] - vy) * cell + cell / 2;
    ctx.beginPath();
    ctx.arc(px, py, Math.max(4, cell * 0.6) * (sel ? 1.4 : 1), 0, Math.PI * 2);
    ctx.lineWidth = sel ? 3 : 2;
    ctx.strokeStyle = sel ? '#fff' : color;
    ctx.stroke();
  }
  drawMinimapViewport();
}

function drawMinimap() {
  const mm = state.minimap;
  const canvas = $('minimap');
  if (!mm) {
    canvas.hidden = true;
    return;
  }
  canvas.hidden = false;
  if (canvas.width !== mm.width || canvas.height !== mm.height) {
    canvas.width = mm.width;
    canvas.height = mm.height;
    const scale = Math.min(1, 220 / mm.width, 160 / mm.height);
    canvas.style.width = `${Math.round(mm.width * scale)}px`;
    canvas.style.height = `${Math.round(mm.height * scale)}px`;
  }
  const img = new ImageData(mm.width, mm.height);
  const rgb = MINIMAP_COLORS.map((c) => [
    parseInt(c.slice(1, 3), 16),
    parseInt(c.slice(3, 5), 16),
    parseInt(c.slice(5, 7), 16),
  ]);
  for (let p = 0; p < mm.width * mm.height; p++) {
    const c = rgb[mm.classes[p]] ?? rgb[7];
    img.data.set([c[0], c[1], c[2], 255], p * 4);
  }
  state.minimapImage = img;
  const off = document.createElement('canvas');
  off.width = mm.width;
  off.height = mm.height;
  off.getContext('2d').putImageData(img, 0, 0);
  state.minimapCanvas = off;
  drawMinimapViewport();
}

function drawMinimapViewport() {
  const mm = state.minimap;
  if (!mm || !state.minimapImage) return;
  const canvas = $('minimap');
  const ctx = canvas.getContext('2d');
  ctx.putImageData(state.minimapImage, 0, 0);
  const [W, H] = state.shape;
  const grid = $('grid');
  const sx = mm.width / W;
  const sy = mm.height / H;
  ctx.strokeStyle = '#fff';
  ctx.lineWidth = 1;
  ctx.strokeRect(
    state.view.x * sx + 0.5,
    state.view.y * sy + 0.5,
    (grid.clientWidth / state.view.cell) * sx,
    (grid.clientHeight / state.view.cell) * sy,
  );
  for (const o of state.organisms) {
    if (o.isDead) continue;
    ctx.fillStyle = o.organismId === state.selected ? '#fff' : ownerPaint(o.organismId);
    ctx.fillRect(Math.floor(o.ip[0] * sx) - 1, Math.floor(o.ip[1] * sy) - 1, 3, 3);
  }
}

let reloadTimer = null;
function viewChanged() {
  draw();
  clearTimeout(reloadTimer);
  reloadTimer = setTimeout(() => loadEnvironment(false), 80);
}

function zoom(factor, cx, cy) {
  const canvas = $('grid');
  const sel = cx === undefined ? state.organisms.find((o) => o.organismId === state.selected && !o.isDead) : undefined;
  if (sel) {
    const px = (sel.ip[0] + 0.5 - state.view.x) * state.view.cell;
    const py = (sel.ip[1] + 0.5 - state.view.y) * state.view.cell;
    if (px >= 0 && py >= 0 && px <= canvas.clientWidth && py <= canvas.clientHeight) {
      cx = px;
      cy = py;
    }
  }
  cx ??= canvas.clientWidth / 2;
  cy ??= canvas.clientHeight / 2;
  const v = state.view;
  const wx = v.x + cx / v.cell;
  const wy = v.y + cy / v.cell;
  v.cell = Math.max(0.25, Math.min(64, v.cell * factor));
  v.x = wx - cx / v.cell;
  v.y = wy - cy / v.cell;
  viewChanged();
}

function centerOn(x, y) {
  const canvas = $('grid');
  state.view.x = x - canvas.clientWidth / state.view.cell / 2;
  state.view.y = y - canvas.clientHeight / state.view.cell / 2;
  viewChanged();
}

function cellAt(ev) {
  const rect = $('grid').getBoundingClientRect();
  const x = Math.floor(state.view.x + (ev.clientX - rect.left) / state.view.cell);
  const y = Math.floor(state.view.y + (ev.clientY - rect.top) / state.view.cell);
  return [x, y];
}

function describeCell(x, y) {
  const [W, H] = state.shape;
  if (x < 0 || y < 0 || x >= W || y >= H) return null;
  const idx = x * H + y;
  let text = `(${x}|${y}) empty`;
  const env = state.view.cell < 1 ? null : state.env;
  if (env) {
    for (let i = 0; i < env.flat.length; i++) {
      if (env.flat[i] !== idx) continue;
      const m = env.molecules[i];
      const t = moleculeType(m);
      const v = moleculeValue(m);
      const name = t === 0 && state.opcodes[v] ? ` ${state.opcodes[v]}` : '';
      text = `(${x}|${y}) ${TYPE_NAMES[t] ?? t}:${v}${name}${moleculeMarker(m) ? ` marker ${moleculeMarker(m)}` : ''}\nowner ${env.owners[i] || '-'}`;
    }
  }
  const here = state.organisms
    .filter((o) => !o.isDead && o.ip[0] === x && o.ip[1] === y)
    .map((o) => `IP of #${o.organismId}`);
  return here.length ? `${text}\n${here.join('\n')}` : text;
}

function installGridInput() {
  const canvas = $('grid');
  let drag = null;
  canvas.addEventListener('mousedown', (ev) => {
    drag = { x: ev.clientX, y: ev.clientY, vx: state.view.x, vy: state.view.y, moved: false };
    canvas.classList.add('dragging');
  });
  window.addEventListener('mouseup', (ev) => {
    if (drag && !drag.moved && ev.target === canvas) {
      const [x, y] = cellAt(ev);
      const hit = state.organisms.find((o) => !o.isDead && o.ip[0] === x && o.ip[1] === y);
      if (hit) selectOrganism(hit.organismId);
    }
    drag = null;
    canvas.classList.remove('dragging');
  });
  window.addEventListener('mousemove', (ev) => {
    const tip = $('tooltip');
    if (drag) {
      const dx = ev.clientX - drag.x;
      const dy = ev.clientY - drag.y;
      if (Math.abs(dx) + Math.abs(dy) > 3) drag.moved = true;
      state.view.x = drag.vx - dx / state.view.cell;
      state.view.y = drag.vy - dy / state.view.cell;
      viewChanged();
      tip.hidden = true;
      return;
    }
    if (ev.target !== canvas || !state.meta) {
      tip.hidden = true;
      return;
    }
    const [x, y] = cellAt(ev);
    const text = describeCell(x, y);
    if (!text) {
      tip.hidden = true;
      return;
    }
    const rect = canvas.getBoundingClientRect();
    tip.textContent = text;
    tip.style.left = `${ev.clientX - rect.left + 14}px`;
    tip.style.top = `${ev.clientY - rect.top + 14}px`;
    tip.hidden = false;
  });
  canvas.addEventListener(
    'wheel',
    (ev) => {
      ev.preventDefault();
      const rect = canvas.getBoundingClientRect();
      zoom(ev.deltaY < 0 ? 1.25 : 0.8, ev.clientX - rect.left, ev.clientY - rect.top);
    },
    { passive: false },
  );
  const mm = $('minimap');
  const navigate = (ev) => {
    const rect = mm.getBoundingClientRect();
    const [W, H] = state.shape;
    centerOn(((ev.clientX - rect.left) / rect.width) * W, ((ev.clientY - rect.top) / rect.height) * H);
  };
  let mmDrag = false;
  mm.addEventListener('mousedown', (ev) => {
    mmDrag = true;
    navigate(ev);
    ev.stopPropagation();
  });
  mm.addEventListener('mousemove', (ev) => {
    if (mmDrag) navigate(ev);
  });
  window.addEventListener('mouseup', () => {
    mmDrag = false;
  });
  $('zoom-in').onclick = () => zoom(1.5);
  $('zoom-out').onclick = () => zoom(1 / 1.5);
  $('zoom-fit').onclick = () => {
    fitView();
    viewChanged();
  };
}

// ---------------------------------------------------------------- organism list and panel

function renderOrganismList() {
  const list = $('org-list');
  const filter = $('org-filter').value.trim();
  list.innerHTML = '';
  const frag = document.createDocumentFragment();
  const by = $('org-sort').value;
  // Largest first for quantities (energy, entropy, age); ascending ids otherwise.
  const key =
    {
      energy: (o) => -o.energy,
      entropy: (o) => -o.entropy,
      age: (o) => o.birthTick ?? 0,
      id: (o) => o.organismId,
    }[by] ?? ((o) => o.organismId);
  const sorted = [...state.organisms].sort((a, b) => key(a) - key(b) || a.organismId - b.organismId);
  for (const o of sorted) {
    if (filter && !String(o.organismId).startsWith(filter)) continue;
    const row = document.createElement('div');
    row.className = `org-row${o.organismId === state.selected ? ' selected' : ''}${o.isDead ? ' dead' : ''}`;
    row.setAttribute('role', 'option');
    row.dataset.id = String(o.organismId);
    row.innerHTML = `<span class="swatch" style="background:${ownerPaint(o.organismId)}"></span><span>#${o.organismId}</span><span>E ${o.energy}</span><span>S ${o.entropy}</span><span>${o.isDead ? 'dead' : `ip ${o.ip.join('|')}`}</span>`;
    row.onclick = () => selectOrganism(o.organismId);
    frag.append(row);
  }
  list.append(frag);
}

const OVERLAY_LEGEND = {
  energy: "energy overlay: ENERGY cells by value, owned cells by their owner's energy (low → high)",
  ownership: "ownership overlay: owned cells in their owner's colour, the rest dimmed",
  age: "age overlay: owned cells by their owner's age (young → old)",
  density: 'density overlay: 8×8 blocks by how full they are (empty → full)',
};

/** What the colours mean: one swatch per molecule type, and how ownership shows. */
function renderLegend() {
  $('legend').innerHTML =
    TYPE_NAMES.map(
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

async function selectOrganism(id) {
  state.selected = id;
  state.prevDetails = null;
  url();
  renderOrganismList();
  draw();
  await loadDetails();
  const o = state.organisms.find((x) => x.organismId === id);
  if (o && !o.isDead) centerOn(o.ip[0], o.ip[1]);
}

async function loadDetails(signal) {
  if (state.selected === null) return;
  const panel = $('organism-panel');
  panel.hidden = false;
  $('op-id').textContent = `#${state.selected}`;
  try {
    const d = await api.organism(state.runId, state.tick, state.selected, signal);
    state.prevDetails =
      state.details && state.details.organismId === d.organismId && state.details.tick < d.tick ? state.details : null;
    state.details = d;
    renderDetails(d);
  } catch (err) {
    if (isAbort(err)) return;
    if (err instanceof ApiError && err.status === 404) {
      $('op-body').innerHTML = `<p class="muted">${escapeHtml(err.message)}</p>`;
      return;
    }
    setStatus(`organism: ${err.message}`);
  }
}

function escapeHtml(s) {
  return String(s).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c],
  );
}

const fmt = (v) => (v === null || v === undefined ? '–' : (v.text ?? (Array.isArray(v) ? v.join('|') : String(v))));

const TYPE_ABBR = { CODE: 'C', DATA: 'D', ENERGY: 'E', STRUCTURE: 'S', LABEL: 'L', LABELREF: 'LR', REGISTER: 'R' };
// Compact register cell text: D:5, C:4, [1|0]
function short(v) {
  if (!v) return '–';
  if (v.kind === 'VECTOR') return v.vector.join('|');
  return `${TYPE_ABBR[v.type] ?? v.type}:${v.value}${v.marker ? `@${v.marker}` : ''}`;
}

function kv(rows) {
  return `<div class="kv">${rows.map(([k, v]) => `<div>${escapeHtml(k)}</div><div>${v}</div>`).join('')}</div>`;
}

function instructionHtml(ins) {
  if (!ins) return '<span class="muted">none</span>';
  const args = ins.arguments
    .map((a) => (a.registerValue ? `${escapeHtml(a.text)}=${escapeHtml(fmt(a.registerValue))}` : escapeHtml(a.text)))
    .join(' ');
  let extra = '';
  if (ins.energyDelta !== undefined)
    extra += ` <span class="muted">ΔE ${ins.energyDelta} ΔS ${ins.entropyDelta}</span>`;
  if (ins.failed) extra += ` <span class="changed">failed: ${escapeHtml(ins.failureReason || '')}</span>`;
  return `<span class="mono">${escapeHtml(ins.opcodeName)} ${args}</span>${extra}`;
}

function renderDetails(d) {
  const s = d.state;
  const prev = state.prevDetails?.state;
  const info = d.staticInfo;
  // Parent, ancestors and the children alive at this tick are links: a click selects that organism.
  const link = (id) => `<a href="#" class="org-link" data-id="${id}">#${id}</a>`;
  const lineage = info.lineage.length ? info.lineage.map((a) => link(a.organismId)).join(' ← ') : '–';
  const children = state.organisms
    .filter((o) => o.parentId === d.organismId && !o.isDead)
    .map((o) => link(o.organismId));
  let html = kv([
    ['tick', String(d.tick)],
    ['parent', info.parentId === null ? '–' : link(info.parentId)],
    ['lineage', lineage],
    ['children', children.length ? children.join(' ') : '<span class="muted">none alive</span>'],
    ['born', String(info.birthTick)],
    ['program', escapeHtml(info.programId)],
    ['genome', escapeHtml(info.genomeHash)],
    ['energy', `<span id="op-energy">${s.energy}</span>`],
    ['entropy', `<span id="op-entropy">${s.entropy}</span>`],
    ['IP', s.ip.join('|')],
    ['DV', s.dv.join('|')],
    ['DPs', s.dataPointers.map((p, i) => `${i === s.activeDpIndex ? '*' : ''}${p.join('|')}`).join('  ')],
    ['marker', String(s.moleculeMarker)],
    ['status', s.isDead ? `dead at ${s.deathTick} (${escapeHtml(s.deathCause ?? '')})` : 'alive'],
    ['procedure', escapeHtml(s.currentProc ?? '–')],
  ]);
  html += `<h3>Instructions</h3>${kv([
    ['last', instructionHtml(s.instructions.last)],
    ['next', instructionHtml(s.instructions.next)],
  ])}`;
  html += '<h3>Registers</h3><table class="regs" id="op-registers"><tbody>';
  s.registers.forEach((bank, b) => {
    const cells = bank.registers.map((r, i) => {
      const before = prev?.registers[b]?.registers[i]?.value;
      const changed = before !== undefined && fmt(before) !== fmt(r.value);
      return `<td title="${escapeHtml(r.name)} = ${escapeHtml(fmt(r.value))}" class="${changed ? 'changed' : ''}">${escapeHtml(short(r.value))}</td>`;
    });
    html += `<tr><th>${bank.bank}</th>${cells.join('')}</tr>`;
  });
  html += '</tbody></table>';
  html += `<h3>Data stack (${s.dataStack.length})</h3><div class="mono">${s.dataStack.length ? s.dataStack.map(fmt).reverse().map(escapeHtml).join('  ') : '<span class="muted">empty</span>'}</div>`;
  html += `<h3>Location stack (${s.locationStack.length})</h3><div class="mono">${
    s.locationStack.length
      ? s.locationStack
          .map((v) => v.join('|'))
          .reverse()
          .join('  ')
      : '<span class="muted">empty</span>'
  }</div>`;
  html += `<h3>Call stack (${s.callStack.length})</h3><div class="mono">${
    s.callStack.length
      ? s.callStack
          .slice()
          .reverse()
          .map((f) => `${escapeHtml(f.procName)} ← ${f.callIp.join('|')} (ret ${f.returnIp.join('|')})`)
          .join('\n')
      : '<span class="muted">empty</span>'
  }</div>`;
  html += sourceHtml(info.programId, s.sourceLocation);
  $('op-body').innerHTML = html;
  for (const a of $('op-body').querySelectorAll('.org-link'))
    a.onclick = (ev) => {
      ev.preventDefault();
      void selectOrganism(Number(a.dataset.id));
    };
  const src = $('op-body').querySelector('.source');
  const cur = src?.querySelector('.current');
  if (src && cur) src.scrollTop = Math.max(0, cur.offsetTop - src.clientHeight / 2);
}

function sourceHtml(programId, loc) {
  const prog = state.meta?.programs.find((p) => p.programId === programId);
  const files = prog?.artifact?.sources ?? {};
  const names = Object.keys(files);
  if (names.length === 0) return '<h3>Source</h3><p class="muted">no source for this program</p>';
  const file =
    loc?.file && files[loc.file]
      ? loc.file
      : prog.artifact.mainFile && files[prog.artifact.mainFile]
        ? prog.artifact.mainFile
        : names[0];
  const lines = files[file];
  const rows = lines
    .map(
      (text, i) =>
        `<div class="${loc && loc.file === file && loc.line === i + 1 ? 'current' : ''}"><span class="ln">${i + 1}</span>${escapeHtml(text)}</div>`,
    )
    .join('');
  return `<h3>Source ${escapeHtml(file)}${loc ? ` : ${loc.line}` : ''}</h3><div class="source">${rows}</div>`;
}

// ---------------------------------------------------------------- wiring

function installControls() {
  $('run-select').onchange = (ev) => {
    state.selected = null;
    $('organism-panel').hidden = true;
    selectRun(ev.target.value);
  };
  $('t-first').onclick = () => {
    state.follow = false;
    $('t-follow').checked = false;
    goToTick(state.range?.minTick ?? 0);
  };
  $('t-last').onclick = () => goToTick(state.range?.maxTick ?? 0);
  $('t-back').onclick = () => step(-1);
  $('t-fwd').onclick = () => step(1);
  $('t-back-big').onclick = () => step(-10);
  $('t-fwd-big').onclick = () => step(10);
  $('t-slider').oninput = (ev) => {
    state.follow = false;
    $('t-follow').checked = false;
    goToTick(Number(ev.target.value));
  };
  $('t-input').onkeydown = (ev) => {
    if (ev.key === 'Enter') {
      state.follow = false;
      $('t-follow').checked = false;
      goToTick(Number(ev.target.value));
    }
    if (ev.key === 'Escape') {
      ev.target.value = String(state.tick);
      ev.target.blur();
    }
    ev.stopPropagation();
  };
  $('t-follow').onchange = (ev) => {
    state.follow = ev.target.checked;
    if (state.follow && state.range) goToTick(state.range.maxTick);
  };
  $('org-filter').oninput = renderOrganismList;
  $('org-sort').onchange = renderOrganismList;
  // A checkbox keeps the keyboard's focus otherwise, and the arrow keys would stop stepping ticks.
  $('op-follow').onchange = (ev) => ev.target.blur();
  $('overlay-select').onchange = (ev) => {
    state.overlay = ev.target.value;
    url();
    renderLegend();
    draw();
  };
  $('color-by').onchange = (ev) => {
    state.colorBy = ev.target.value;
    url();
    renderLegend();
    renderOrganismList();
    draw();
    drawMinimap();
    void refreshLineage();
  };
  renderLegend();
  $('org-filter').onkeydown = (ev) => ev.stopPropagation();
  $('op-close').onclick = () => {
    state.selected = null;
    $('organism-panel').hidden = true;
    url();
    renderOrganismList();
    draw();
  };
  window.addEventListener('keydown', (ev) => {
    if (ev.target instanceof HTMLInputElement || ev.target instanceof HTMLSelectElement) return;
    const keys = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1, PageUp: 10, PageDown: -10 };
    if (ev.key in keys) {
      ev.preventDefault();
      step(keys[ev.key]);
    } else if (ev.key === 'Home') {
      ev.preventDefault();
      $('t-first').click();
    } else if (ev.key === 'End') {
      ev.preventDefault();
      $('t-last').click();
    } else if (ev.key === '+' || ev.key === '=') zoom(1.5);
    else if (ev.key === '-') zoom(1 / 1.5);
    else if (ev.key === '0') {
      fitView();
      viewChanged();
    }
  });
  window.addEventListener('resize', () => {
    resizeCanvas();
    viewChanged();
  });
}

async function main() {
  resizeCanvas();
  installControls();
  installGridInput();
  const q = new URLSearchParams(location.search);
  if (q.has('organism')) state.selected = Number(q.get('organism'));
  if (q.get('color') === 'lineage') state.colorBy = 'lineage';
  if (['energy', 'ownership', 'age', 'density'].includes(q.get('overlay'))) state.overlay = q.get('overlay');
  $('overlay-select').value = state.overlay;
  $('color-by').value = state.colorBy;
  if (q.has('tick')) state.follow = false;
  $('t-follow').checked = state.follow;
  const runs = await loadRuns();
  // The analyzer links here with ?run=RUN&tick=T; the page itself writes ?runId=.
  const wanted = q.get('run') ?? q.get('runId');
  const run = runs.find((r) => r.runId === wanted) ?? runs[0];
  if (run) await selectRun(run.runId, q.has('tick') ? Number(q.get('tick')) : undefined);
  else $('overlay').hidden = false;
  follow();
}

// Server push (/visualizer/api/events): an update as soon as the index grows, and the engine's tick with how far
// the index is behind it. EventSource reconnects by itself (a node restart); while it is down, poll every 2 s.
let feedOpen = false;
function follow() {
  setInterval(() => {
    if (!feedOpen) poll();
  }, 2000);
  if (typeof EventSource === 'undefined') return;
  const es = new EventSource('/visualizer/api/events');
  es.onopen = () => (feedOpen = true);
  es.onerror = () => (feedOpen = false);
  es.addEventListener('update', (ev) => {
    const u = JSON.parse(ev.data);
    poll({ runs: u.runs });
    $('engine-lag').textContent =
      u.engine && u.engine.runId === state.runId
        ? `engine ${u.engine.tick.toLocaleString()} · index ${u.indexLagTicks ? `${u.indexLagTicks.toLocaleString()} ticks behind` : 'current'}`
        : '';
  });
}

main().catch((err) => setStatus(`failed to start: ${err.message}`));
