// Draws the world grid (cells, owner outlines or tints, opcode names when zoomed in, overlays, IP rings and DP
// squares) and the minimap with the view's rectangle. Cell colours are the shared rules of cell-colors.js.
import { moleculeType, moleculeValue } from './api.js';
import { TYPE_COLORS, EMPTY_CODE_COLOR, BACKGROUND_COLOR } from '/visualizer/cell-colors.js';
import { state } from './state.js';
import { ownerPaint, heat } from './paint.js';
import { $ } from './util.js';

const MINIMAP_COLORS = [...TYPE_COLORS, BACKGROUND_COLOR];

const mod = (a, n) => ((a % n) + n) % n;

/** Whether the world wraps (a torus): the grid then tiles it, so panning across an edge is seamless. */
export function wraps() {
  return state.meta?.environment.topology === 'TORUS' && state.shape.length === 2;
}

/** The offset (in cells from the view's edge) of the first copy of [pos, pos + extent) that reaches into view. */
function firstCopy(pos, extent, v, size, wrap) {
  if (!wrap) return pos - v;
  let o = mod(pos - v, size);
  while (o - size + extent > 0) o -= size;
  return o;
}

/** What one draw needs to place things: the view, the canvas size in cells and whether the world wraps. */
function frame(canvas) {
  const { x, y, cell } = state.view;
  const [W, H] = state.shape;
  const width = canvas.clientWidth;
  const height = canvas.clientHeight;
  return { vx: x, vy: y, cell, W, H, width, height, wrap: wraps(), spanX: width / cell, spanY: height / cell };
}

/**
 * Calls `fn(px, py)` with the canvas position of every copy of the w×h cells at (x, y) that shows: one on a
 * bounded world, one per tile of a torus (the view may show the world more than once when zoomed out).
 */
function eachCopy(f, x, y, w, h, fn) {
  const stepX = f.wrap ? f.W : Infinity;
  const stepY = f.wrap ? f.H : Infinity;
  const oy0 = firstCopy(y, h, f.vy, f.H, f.wrap);
  for (let ox = firstCopy(x, w, f.vx, f.W, f.wrap); ox < f.spanX; ox += stepX)
    for (let oy = oy0; oy < f.spanY; oy += stepY) fn(ox * f.cell, oy * f.cell);
}

/** Where the cell (x, y) shows on the canvas (its first visible copy on a torus), in CSS pixels. */
export function screenOf(x, y) {
  const f = frame($('grid'));
  return [firstCopy(x, 1, f.vx, f.W, f.wrap) * f.cell, firstCopy(y, 1, f.vy, f.H, f.wrap) * f.cell];
}

/** The world cell under canvas position (px, py): on a torus taken back into the world. */
export function cellAtScreen(px, py) {
  const x = Math.floor(state.view.x + px / state.view.cell);
  const y = Math.floor(state.view.y + py / state.view.cell);
  return wraps() ? [mod(x, state.shape[0]), mod(y, state.shape[1])] : [x, y];
}

/** One axis of the region to load: the cells in view, or the whole axis when the view crosses a torus edge. */
function axisRange(v, span, size, wrap) {
  const lo = Math.floor(v);
  const hi = Math.ceil(v + span);
  if (wrap) {
    if (hi - lo + 1 >= size) return [0, size - 1];
    const a = mod(lo, size);
    const b = mod(hi, size);
    return a <= b ? [a, b] : [0, size - 1];
  }
  const a = Math.max(0, lo);
  return [a, Math.max(a, Math.min(size - 1, hi))];
}

/** The world cells the grid shows: [x0, x1, y0, y1]. */
export function visibleRegion() {
  const f = frame($('grid'));
  return [...axisRange(f.vx, f.spanX, f.W, f.wrap), ...axisRange(f.vy, f.spanY, f.H, f.wrap)];
}

export function fitView() {
  const canvas = $('grid');
  const [W, H] = state.shape;
  const cell = Math.max(0.25, Math.min(canvas.clientWidth / W, canvas.clientHeight / H));
  state.view = { x: 0, y: 0, cell: Math.max(cell, Math.min(12, cell)) };
  if (W * H <= 256 * 256) state.view.cell = Math.min(canvas.clientWidth / W, canvas.clientHeight / H);
}

export function resizeCanvas() {
  const canvas = $('grid');
  const dpr = window.devicePixelRatio || 1;
  canvas.width = Math.round(canvas.clientWidth * dpr);
  canvas.height = Math.round(canvas.clientHeight * dpr);
}

/**
 * An overlay over the cells in view: `energy` (ENERGY cells by value, owned cells by their owner's energy),
 * `ownership` (owned cells in their owner's colour, the rest dimmed), `age` (owned cells by their owner's age,
 * young blue → old red) or `density` (8×8 blocks by how full they are).
 */
function drawOverlay(ctx, env, f) {
  const { H, cell } = f;
  const byId = new Map(state.organisms.map((o) => [o.organismId, o]));
  let maxEnergy = 1;
  let maxAge = 1;
  for (const o of state.organisms) {
    maxEnergy = Math.max(maxEnergy, o.energy);
    maxAge = Math.max(maxAge, state.tick - o.birthTick);
  }
  const visible = (px, py) => !(px + cell < 0 || py + cell < 0 || px > f.width || py > f.height);
  if (state.overlay === 'ownership') {
    ctx.fillStyle = 'rgba(0, 0, 0, 0.65)';
    eachCopy(f, 0, 0, f.W, f.H, (px, py) => ctx.fillRect(px, py, f.W * cell, f.H * cell));
  }
  const blocks = new Map();
  for (let i = 0; i < env.flat.length; i++) {
    const idx = env.flat[i];
    const x = Math.floor(idx / H);
    const y = idx - x * H;
    if (state.overlay === 'density') {
      const key = `${x >> 3},${y >> 3}`;
      blocks.set(key, (blocks.get(key) ?? 0) + 1);
      continue;
    }
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
    if (!fill) continue;
    ctx.fillStyle = fill;
    eachCopy(f, x, y, 1, 1, (px, py) => {
      if (visible(px, py)) ctx.fillRect(px, py, cell, cell);
    });
  }
  for (const [key, n] of blocks) {
    const [bx, by] = key.split(',').map(Number);
    ctx.fillStyle = heat(n / 64, 0.55);
    eachCopy(f, bx * 8, by * 8, 8, 8, (px, py) => ctx.fillRect(px, py, 8 * cell, 8 * cell));
  }
}

export function draw() {
  const canvas = $('grid');
  const ctx = canvas.getContext('2d');
  const dpr = window.devicePixelRatio || 1;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.fillStyle = '#07090b';
  ctx.fillRect(0, 0, canvas.clientWidth, canvas.clientHeight);
  if (!state.meta || state.shape.length !== 2) return;
  const f = frame(canvas);
  const { W, H, cell } = f;
  // world background (every copy of it on a torus)
  ctx.fillStyle = '#0e1217';
  eachCopy(f, 0, 0, W, H, (px, py) => ctx.fillRect(px, py, W * cell, H * cell));
  const env = state.env;
  if (cell < 1 && state.minimapImage) {
    ctx.imageSmoothingEnabled = false;
    const mm = state.minimap;
    eachCopy(f, 0, 0, W, H, (px, py) =>
      ctx.drawImage(state.minimapCanvas, 0, 0, mm.width, mm.height, px, py, W * cell, H * cell),
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
      const m = env.molecules[i];
      const t = moleculeType(m);
      const owner = env.owners[i];
      eachCopy(f, x, y, 1, 1, (px, py) => {
        if (px + cell < 0 || py + cell < 0 || px > f.width || py > f.height) return;
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
      });
    }
    if (state.overlay !== 'none') drawOverlay(ctx, env, f);
  }
  if (f.wrap) {
    // A torus has no edge; a faint line marks where its tiles meet.
    ctx.strokeStyle = 'rgba(143, 209, 255, 0.18)';
    ctx.lineWidth = 1;
    eachCopy(f, 0, 0, W, H, (px, py) => ctx.strokeRect(px + 0.5, py + 0.5, W * cell, H * cell));
  }
  // organism markers: IP as a ring, DPs as small squares
  for (const o of state.organisms) {
    if (o.isDead) continue;
    const sel = o.organismId === state.selected;
    const color = ownerPaint(o.organismId);
    const s = Math.max(3, cell * 0.4);
    ctx.fillStyle = color;
    for (const dp of o.dataPointers)
      eachCopy(f, dp[0], dp[1], 1, 1, (px, py) => ctx.fillRect(px + cell / 2 - s / 2, py + cell / 2 - s / 2, s, s));
    const r = Math.max(4, cell * 0.6) * (sel ? 1.4 : 1);
    ctx.lineWidth = sel ? 3 : 2;
    ctx.strokeStyle = sel ? '#fff' : color;
    // The ring reaches beyond its cell: a copy just outside the view may still show part of it.
    eachCopy(f, o.ip[0] - r / cell, o.ip[1] - r / cell, 1 + (2 * r) / cell, 1 + (2 * r) / cell, (px, py) => {
      ctx.beginPath();
      ctx.arc(px + r + cell / 2, py + r + cell / 2, r, 0, Math.PI * 2);
      ctx.stroke();
    });
  }
  drawMinimapViewport();
}

export function drawMinimap() {
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
    const scale = Math.min(1, 150 / mm.width, 120 / mm.height);
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

export function drawMinimapViewport() {
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
  const w = (grid.clientWidth / state.view.cell) * sx;
  const h = (grid.clientHeight / state.view.cell) * sy;
  if (wraps()) {
    // On a torus the view's rectangle wraps too: drawn at its place in the world and once shifted left and up,
    // the minimap's edges cut it where the view crosses the world's edge.
    const x = mod(state.view.x, W) * sx;
    const y = mod(state.view.y, H) * sy;
    for (const dx of [0, -mm.width]) for (const dy of [0, -mm.height]) ctx.strokeRect(x + dx + 0.5, y + dy + 0.5, w, h);
  } else {
    ctx.strokeRect(state.view.x * sx + 0.5, state.view.y * sy + 0.5, w, h);
  }
  for (const o of state.organisms) {
    if (o.isDead) continue;
    ctx.fillStyle = o.organismId === state.selected ? '#fff' : ownerPaint(o.organismId);
    ctx.fillRect(Math.floor(o.ip[0] * sx) - 1, Math.floor(o.ip[1] * sy) - 1, 3, 3);
  }
}
