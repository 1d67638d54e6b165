// The timeline: slider, tick input, step buttons and "follow live"; every move goes through goToTick.
import { state, actions, clampTick, syncUrl } from './state.js';
import { $ } from './util.js';

export function updateTimeline() {
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

export async function goToTick(t) {
  if (!state.range) return;
  state.tick = clampTick(t);
  updateTimeline();
  syncUrl();
  await actions.loadTick();
}

/** Moves `samples` sampled ticks; anything but a step onto the newest tick stops following the live run. */
export function step(samples) {
  if (!state.range) return;
  const target = state.tick + samples * state.sampling;
  if (samples < 0 || target < state.range.maxTick) state.follow = false;
  $('t-follow').checked = state.follow;
  goToTick(target);
}

function stopFollowing() {
  state.follow = false;
  $('t-follow').checked = false;
}

export function installTimeline() {
  $('t-first').onclick = () => {
    stopFollowing();
    goToTick(state.range?.minTick ?? 0);
  };
  $('t-last').onclick = () => goToTick(state.range?.maxTick ?? 0);
  $('t-back').onclick = () => step(-1);
  $('t-fwd').onclick = () => step(1);
  $('t-back-big').onclick = () => step(-10);
  $('t-fwd-big').onclick = () => step(10);
  $('t-slider').oninput = (ev) => {
    stopFollowing();
    goToTick(Number(ev.target.value));
  };
  $('t-input').onkeydown = (ev) => {
    if (ev.key === 'Enter') {
      stopFollowing();
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
}
