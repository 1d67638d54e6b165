// Server push (/visualizer/api/events): an update as soon as the index grows, and the engine's tick with how far
// the index is behind it. EventSource reconnects by itself (a node restart); while it is down, poll every 2 s, and
// say so when the node does not answer at all. "Follow live" follows the engine onto its next run (a restarted node
// records a new one).
import { state } from './state.js';
import { poll, selectRun } from './loader.js';
import { clearNotice, showNotice } from './notice.js';
import { $ } from './util.js';

let feedOpen = false;
let lost = false;
/** The run the engine was recording when it was last the run shown. */
let liveRun = null;

function reached(ok) {
  if (!ok && !lost) {
    lost = true;
    $('engine-lag').textContent = '';
    showNotice('node', `Lost the connection to the node at ${location.host}: reconnecting…`, 0);
  } else if (ok && lost) {
    lost = false;
    clearNotice('node');
    showNotice('node', 'Reconnected to the node.', 4000);
  }
}

async function check() {
  reached(await poll());
}

export function follow() {
  setInterval(() => {
    if (!feedOpen) void check();
  }, 2000);
  if (typeof EventSource === 'undefined') return;
  const es = new EventSource('/visualizer/api/events');
  es.onopen = () => {
    feedOpen = true;
  };
  es.onerror = () => {
    feedOpen = false;
    void check();
  };
  es.addEventListener('update', async (ev) => {
    const u = JSON.parse(ev.data);
    reached(true);
    const engine = u.engine;
    if (engine && engine.runId === state.runId) liveRun = engine.runId;
    else if (engine && state.follow && state.runId !== null && liveRun === state.runId) {
      const next = u.runs.find((r) => r.runId === engine.runId);
      if (next?.hasMetadata && next.ticks) {
        liveRun = engine.runId;
        showNotice('run', `The node records a new run (${engine.runId}): following it live.`);
        await poll({ runs: u.runs });
        await selectRun(engine.runId);
      }
    }
    await poll({ runs: u.runs });
    $('engine-lag').textContent =
      engine && engine.runId === state.runId
        ? `engine ${engine.tick.toLocaleString()} · index ${u.indexLagTicks ? `${u.indexLagTicks.toLocaleString()} ticks behind` : 'current'}`
        : '';
  });
}
