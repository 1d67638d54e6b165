// The Evochora web visualizer: wires the modules (state, api, renderer, navigation, timeline, organism list,
// inspector, push) to the page and starts it.
import { state, actions, readUrl, syncUrl } from './state.js';
import { draw, drawMinimap, fitView, resizeCanvas } from './renderer.js';
import { renderLegend } from './legend.js';
import { renderOrganismList, installOrganismList } from './organism-list.js';
import { installInspector } from './inspector.js';
import { refreshLineage } from './lineage.js';
import { installGridInput, viewChanged, zoom } from './navigation.js';
import { installTimeline, step } from './timeline.js';
import { loadEnvironment, loadRuns, loadTick, selectOrganism, selectRun } from './loader.js';
import { follow } from './push.js';
import { showNotice } from './notice.js';
import { $, setStatus } from './util.js';

Object.assign(actions, { loadTick, loadEnvironment, selectOrganism, selectRun });

function installControls() {
  $('run-select').onchange = (ev) => {
    state.selected = null;
    $('organism-panel').hidden = true;
    selectRun(ev.target.value);
  };
  $('overlay-select').onchange = (ev) => {
    state.overlay = ev.target.value;
    syncUrl();
    renderLegend();
    draw();
  };
  $('color-by').onchange = (ev) => {
    state.colorBy = ev.target.value;
    syncUrl();
    renderLegend();
    renderOrganismList();
    draw();
    drawMinimap();
    void refreshLineage();
  };
  renderLegend();
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
  installTimeline();
  installOrganismList();
  installInspector();
  installGridInput();
  const wanted = readUrl();
  if (wanted.badTick !== undefined)
    showNotice('tick', `Tick '${wanted.badTick}' is not a number: showing the newest tick.`);
  const runs = await loadRuns();
  const run = runs.find((r) => r.runId === wanted.runId);
  if (wanted.runId && !run) {
    // A link to a run this node does not have (deleted, or from another node): say so and show the newest run.
    showNotice('run', `No run '${wanted.runId}' on this node (deleted, or not indexed): showing the newest run.`);
    state.follow = true;
    $('t-follow').checked = true;
  }
  if (run) await selectRun(run.runId, wanted.tick);
  else if (runs[0]) await selectRun(runs[0].runId, wanted.runId ? undefined : wanted.tick);
  else $('overlay').hidden = false;
  follow();
}

main().catch((err) => setStatus(`failed to start: ${err.message}`));
