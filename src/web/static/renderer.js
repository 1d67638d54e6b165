// Draws the world grid (cells, owner outlines or tints, opcode names when zoomed in, overlays, IP rings and DP
// squares) and the minimap with the view's rectangle. Cell colours are the shared rules of cell-colors.js.
import { moleculeType, moleculeValue } from './api.js';
import { TYPE_COLORS, EMPTY_CODE_COLOR, BACKGROUND_COLOR } from '/visualizer/cell-colors.js';
import { state } from './state.js';
import { ownerPaint, heat } from './paint.js';
import { $ } from './util.js';

const MINIMAP_COLORS = [...TYPE_COLORS, BACKGROUND_COLOR];

/** The world cells the grid shows: [x0, x1, y0, y1]. */
export function visibleRegion() {
  const canvas = $('grid');
  const { x, y, cell } = state.view;
  const [W, H] = state.shape;
  const x0 = Math.max(0, Math.floor(x));
  const y0 = Math.max(0, Math.floor(y));
  const x1 = Math.min(W - 1, Math.ceil(x + canvas.clientWidth / cell));
  const y1 = Math.min(H - 1, Math.ceil(y + canvas.clientHeight / cell));
  return [x0, Math.max(x0, x1), y0, Math.max(y0, y1)];
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

export function draw() {
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
