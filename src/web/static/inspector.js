// The organism panel (inspector): state, lineage links, energy/entropy chart, genome vs parent, last and next
// instruction, registers with changes highlighted when stepping forward, stacks, call stack and the program source
// with the current line.
import { api, ApiError } from './api.js';
import { state, actions, syncUrl } from './state.js';
import { renderOrganismList } from './organism-list.js';
import { draw } from './renderer.js';
import { drawHistory, historyHtml } from './history-chart.js';
import { genomeHtml, loadGenome } from './genome-view.js';
import { $, escapeHtml, isAbort, setStatus } from './util.js';

let lastHistory = null;

export async function loadDetails(signal) {
  if (state.selected === null) return;
  const panel = $('organism-panel');
  panel.hidden = false;
  $('op-id').textContent = `#${state.selected}`;
  try {
    const history = api.organismHistory(state.runId, state.tick, state.selected, signal);
    history.catch(() => {}); // awaited below; a failure there only costs the chart
    const wanted = state.selected;
    const d = await api.organism(state.runId, state.tick, wanted, signal);
    // A quicker click elsewhere meanwhile: this answer is stale and must not cover the newer selection.
    if (state.selected !== wanted) return;
    state.prevDetails =
      state.details && state.details.organismId === d.organismId && state.details.tick < d.tick ? state.details : null;
    state.details = d;
    renderDetails(d);
    // The genome is fetched only now, while the panel shows this organism (and once per run, tick and organism).
    void loadGenome(d, signal, () => state.details === d && !panel.hidden);
    // The previous chart of this organism stands until the new one arrives (no flicker while stepping).
    if (lastHistory?.organismId === d.organismId) drawHistory(lastHistory);
    try {
      const h = await history;
      if (state.details !== d) return; // a newer selection or tick rendered meanwhile
      lastHistory = h;
      drawHistory(h);
    } catch (err) {
      if (!isAbort(err) && state.details === d) $('op-history-legend').textContent = `history: ${err.message}`;
    }
  } catch (err) {
    if (isAbort(err)) return;
    if (err instanceof ApiError && err.status === 404) {
      $('op-body').innerHTML = `<p class="muted">${escapeHtml(err.message)}</p>`;
      return;
    }
    setStatus(`organism: ${err.message}`);
  }
}

const fmt = (v) => (v === null || v === undefined ? '–' : (v.text ?? (Array.isArray(v) ? v.join('|') : String(v))));

const TYPE_ABBR = { CODE: 'C', DATA: 'D', ENERGY: 'E', STRUCTURE: 'S', LABEL: 'L', LABELREF: 'LR', REGISTER: 'R' };
// Compact register cell text: D:5, C:4, [1|0]
function short(v) {
  if (!v) return '–';
  if (v.kind === 'VECTOR') return v.vector.join('|');
  return `${TYPE_ABBR[v.type] ?? v.type}:${v.value}${v.marker ? `@${v.marker}` : ''}`;
}

// A register value too wide for its column wraps after its type or a vector's separator, never cut off.
function breakable(text) {
  return escapeHtml(text).replace(/([:|])/g, '$1<wbr>');
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
  html += historyHtml();
  html += genomeHtml();
  html += `<h3>Instructions</h3>${kv([
    ['last', instructionHtml(s.instructions.last)],
    ['next', instructionHtml(s.instructions.next)],
  ])}`;
  html += '<h3>Registers</h3><table class="regs" id="op-registers"><tbody>';
  s.registers.forEach((bank, b) => {
    const cells = bank.registers.map((r, i) => {
      const before = prev?.registers[b]?.registers[i]?.value;
      const changed = before !== undefined && fmt(before) !== fmt(r.value);
      return `<td title="${escapeHtml(r.name)} = ${escapeHtml(fmt(r.value))}" class="${changed ? 'changed' : ''}">${breakable(short(r.value))}</td>`;
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
      void actions.selectOrganism(Number(a.dataset.id));
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

export function installInspector() {
  // A checkbox keeps the keyboard's focus otherwise, and the arrow keys would stop stepping ticks.
  $('op-follow').onchange = (ev) => ev.target.blur();
  $('op-close').onclick = () => {
    state.selected = null;
    $('organism-panel').hidden = true;
    syncUrl();
    renderOrganismList();
    draw();
  };
}
