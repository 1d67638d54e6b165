// Moving the view: drag to pan, wheel and buttons to zoom, the minimap to jump, hover for a cell's tooltip,
// click an IP to select its organism. Every change redraws at once and reloads the cells in view shortly after.
import { moleculeType, moleculeValue, moleculeMarker, MOLECULE_TYPE_NAMES } from './api.js';
import { state, actions, syncUrl } from './state.js';
import { cellAtScreen, draw, fitView, screenOf, wraps } from './renderer.js';
import { $ } from './util.js';

let reloadTimer = null;
export function viewChanged() {
  // On a torus the view's corner stays inside the world (the drawing is the same a whole world further on).
  if (wraps()) {
    state.view.x = ((state.view.x % state.shape[0]) + state.shape[0]) % state.shape[0];
    state.view.y = ((state.view.y % state.shape[1]) + state.shape[1]) % state.shape[1];
  }
  draw();
  clearTimeout(reloadTimer);
  reloadTimer = setTimeout(() => {
    syncUrl(); // once the view rests: browsers throttle history updates made at every frame
    void actions.loadEnvironment(false);
  }, 80);
}

export function zoom(factor, cx, cy) {
  const canvas = $('grid');
  const sel = cx === undefined ? state.organisms.find((o) => o.organismId === state.selected && !o.isDead) : undefined;
  if (sel) {
    const [sx, sy] = screenOf(sel.ip[0], sel.ip[1]);
    const px = sx + state.view.cell / 2;
    const py = sy + state.view.cell / 2;
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

export function centerOn(x, y) {
  const canvas = $('grid');
  state.view.x = x - canvas.clientWidth / state.view.cell / 2;
  state.view.y = y - canvas.clientHeight / state.view.cell / 2;
  viewChanged();
}

function cellAt(ev) {
  const rect = $('grid').getBoundingClientRect();
  return cellAtScreen(ev.clientX - rect.left, ev.clientY - rect.top);
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
      text = `(${x}|${y}) ${MOLECULE_TYPE_NAMES[t] ?? t}:${v}${name}${moleculeMarker(m) ? ` marker ${moleculeMarker(m)}` : ''}\nowner ${env.owners[i] || '-'}`;
    }
  }
  const here = state.organisms
    .filter((o) => !o.isDead && o.ip[0] === x && o.ip[1] === y)
    .map((o) => `IP of #${o.organismId}`);
  return here.length ? `${text}\n${here.join('\n')}` : text;
}

export function installGridInput() {
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
      if (hit) actions.selectOrganism(hit.organismId);
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
