// Server push (/visualizer/api/events): an update as soon as the index grows, and the engine's tick with how far
// the index is behind it. EventSource reconnects by itself (a node restart); while it is down, poll every 2 s.
import { state } from './state.js';
import { poll } from './loader.js';
import { $ } from './util.js';

let feedOpen = false;

export function follow() {
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
