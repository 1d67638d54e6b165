// The selected organism's energy and entropy over its ticks (from /organisms/{tick}/{id}/history), as two lines
// on one small canvas, each scaled to its own range; the legend names the ranges and the latest values.
import { escapeHtml } from './util.js';

export const ENERGY_COLOR = '#3fbf5f';
export const ENTROPY_COLOR = '#e08a3d';

/** The chart's place in the organism panel; `drawHistory` fills it. */
export function historyHtml() {
  return '<h3>Energy and entropy</h3><canvas id="op-history" class="history" height="70"></canvas><div id="op-history-legend" class="muted history-legend">loading…</div>';
}

function range(values) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  return hi > lo ? [lo, hi] : [lo - 1, hi + 1];
}

/** Draws `h` ({ticks, energy, entropy}) into #op-history; the canvas carries the point count in data-points. */
export function drawHistory(h) {
  const canvas = document.getElementById('op-history');
  const legend = document.getElementById('op-history-legend');
  if (!canvas || !legend) return;
  const dpr = window.devicePixelRatio || 1;
  const w = canvas.clientWidth || 280;
  const ht = canvas.clientHeight || 70;
  canvas.width = Math.round(w * dpr);
  canvas.height = Math.round(ht * dpr);
  const ctx = canvas.getContext('2d');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.fillStyle = '#0d1014';
  ctx.fillRect(0, 0, w, ht);
  const n = h.ticks.length;
  canvas.dataset.points = String(n);
  if (n === 0) {
    legend.textContent = 'no samples';
    return;
  }
  const t0 = h.ticks[0];
  const span = Math.max(1, h.ticks[n - 1] - t0);
  const x = (t) => 3 + ((t - t0) / span) * (w - 6);
  for (const [values, color] of [
    [h.energy, ENERGY_COLOR],
    [h.entropy, ENTROPY_COLOR],
  ]) {
    const [lo, hi] = range(values);
    const y = (v) => ht - 4 - ((v - lo) / (hi - lo)) * (ht - 8);
    ctx.beginPath();
    values.forEach((v, i) => (i === 0 ? ctx.moveTo(x(h.ticks[i]), y(v)) : ctx.lineTo(x(h.ticks[i]), y(v))));
    ctx.strokeStyle = color;
    ctx.lineWidth = 1.5;
    ctx.stroke();
    if (n === 1) {
      ctx.fillStyle = color;
      ctx.fillRect(x(h.ticks[0]) - 2, y(values[0]) - 2, 4, 4);
    }
  }
  const item = (name, color, values) =>
    `<span style="color:${color}">${name} ${escapeHtml(values[n - 1])}</span> (${Math.min(...values)}…${Math.max(...values)})`;
  legend.innerHTML = `${item('energy', ENERGY_COLOR, h.energy)} · ${item('entropy', ENTROPY_COLOR, h.entropy)} · ticks ${t0}–${h.ticks[n - 1]}${h.step > 1 ? `, every ${h.step}` : ''}`;
}
