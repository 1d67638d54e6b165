// Loading: the run list, a run's metadata, the cells in view and the organisms at the shown tick, and the
// selection. Every load of a tick bumps state.loadSeq, so answers for a tick no longer shown are dropped.
import { api, Unreachable } from './api.js';
import { state, clampTick, syncUrl } from './state.js';
import { draw, drawMinimap, fitView, visibleRegion } from './renderer.js';
import { renderOrganismList } from './organism-list.js';
import { loadDetails } from './inspector.js';
import { refreshLineage } from './lineage.js';
import { centerOn } from './navigation.js';
import { goToTick, updateTimeline } from './timeline.js';
import { showNotice } from './notice.js';
import { $, isAbort, setStatus } from './util.js';

export async function loadRuns(pushed) {
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

export async function selectRun(runId, tick) {
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
  if (state.pendingView) {
    // A shared link's view (its first run only): the same corner and zoom as whoever copied it.
    Object.assign(state.view, state.pendingView);
    state.pendingView = null;
  }
  updateTimeline();
  const { minTick, maxTick } = state.range;
  if (tick !== undefined && (tick < minTick || tick > maxTick))
    showNotice(
      'tick',
      `Tick ${tick} is outside this run's indexed ticks (${minTick}–${maxTick}): showing ${clampTick(tick)}.`,
    );
  await goToTick(tick ?? (state.follow ? maxTick : minTick));
}

/** The run shown is gone (deleted while the page was open): show the newest run, or wait for one. */
async function runGone(runs) {
  showNotice(
    'run',
    `Run ${state.runId} is no longer on this node (deleted): ${runs.length ? 'showing the newest run' : 'waiting for a run'}.`,
  );
  state.selected = null;
  $('organism-panel').hidden = true;
  if (runs.length > 0) return selectRun(runs[0].runId);
  state.runId = null;
  state.meta = null;
  state.range = null;
  state.env = null;
  state.minimap = null;
  state.organisms = [];
  $('run-info').textContent = '';
  $('overlay').hidden = false;
  renderOrganismList();
  draw();
}

// Applies the runs /runs answers (polled) or the live feed pushes: a live run's growth and new runs appear, a
// deleted run gives way to the newest. Returns false when the node could not be reached (a network failure).
export async function poll(pushed) {
  try {
    const runs = await loadRuns(pushed);
    const run = runs.find((r) => r.runId === state.runId);
    if (state.runId && !run) {
      await runGone(runs);
    } else if (!state.runId && runs.length > 0) {
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
    if (err instanceof Unreachable) return false;
  }
  return true;
}

let envAbort = null;
let orgAbort = null;

export async function loadEnvironment(withMinimap) {
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

export async function loadTick() {
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

export async function selectOrganism(id) {
  state.selected = id;
  state.prevDetails = null;
  syncUrl();
  renderOrganismList();
  draw();
  await loadDetails();
  const o = state.organisms.find((x) => x.organismId === id);
  if (o && !o.isDead) centerOn(o.ip[0], o.ip[1]);
}
