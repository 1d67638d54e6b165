// The organism list at the shown tick: filter by id, sort, click a row to select the organism.
import { state, actions } from './state.js';
import { ownerPaint } from './paint.js';
import { $ } from './util.js';

// The sort keys, largest first for quantities (energy, entropy, age, generation), ascending ids otherwise; a second
// click on the sorted column's header reverses the order.
const KEYS = {
  id: (o) => o.organismId,
  energy: (o) => -o.energy,
  entropy: (o) => -o.entropy,
  age: (o) => o.birthTick ?? 0,
  generation: (o) => -(o.generation ?? 0),
};
let reversed = false;

/** The header row: a click on a column sorts by it (the select beside the filter says the same). */
function renderHeader(by) {
  const head = $('org-head');
  for (const cell of head.querySelectorAll('[data-sort]')) {
    const active = cell.dataset.sort === by;
    // Ids go up; the quantities (age too: oldest first) go down, until reversed.
    const ascending = (cell.dataset.sort === 'id') !== reversed;
    cell.classList.toggle('sorted', active);
    cell.setAttribute('aria-sort', active ? (ascending ? 'ascending' : 'descending') : 'none');
    cell.textContent = `${cell.dataset.label}${active ? (ascending ? ' ▲' : ' ▼') : ''}`;
  }
}

export function renderOrganismList() {
  const list = $('org-list');
  const filter = $('org-filter').value.trim();
  list.innerHTML = '';
  const frag = document.createDocumentFragment();
  const by = $('org-sort').value in KEYS ? $('org-sort').value : 'id';
  const key = KEYS[by];
  const sign = reversed ? -1 : 1;
  const sorted = [...state.organisms].sort((a, b) => sign * (key(a) - key(b)) || a.organismId - b.organismId);
  renderHeader(by);
  for (const o of sorted) {
    if (filter && !String(o.organismId).startsWith(filter)) continue;
    const row = document.createElement('div');
    row.className = `org-row${o.organismId === state.selected ? ' selected' : ''}${o.isDead ? ' dead' : ''}`;
    row.setAttribute('role', 'option');
    row.dataset.id = String(o.organismId);
    row.innerHTML = `<span class="swatch" style="background:${ownerPaint(o.organismId)}"></span><span>#${o.organismId}</span><span class="energy">E ${o.energy}</span><span class="entropy">S ${o.entropy}</span><span class="ip">${o.isDead ? 'dead' : `ip ${o.ip.join('|')}`}</span><span class="age">${state.tick - o.birthTick}</span><span class="generation">${o.generation ?? '–'}</span>`;
    row.onclick = () => actions.selectOrganism(o.organismId);
    frag.append(row);
  }
  list.append(frag);
}

export function installOrganismList() {
  $('org-filter').oninput = renderOrganismList;
  $('org-sort').onchange = () => {
    reversed = false;
    renderOrganismList();
  };
  $('org-filter').onkeydown = (ev) => ev.stopPropagation();
  for (const cell of $('org-head').querySelectorAll('[data-sort]'))
    cell.onclick = () => {
      reversed = $('org-sort').value === cell.dataset.sort ? !reversed : false;
      $('org-sort').value = cell.dataset.sort;
      renderOrganismList();
    };
}
