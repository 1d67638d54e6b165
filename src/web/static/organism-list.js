// The organism list at the shown tick: filter by id, sort, click a row to select the organism.
import { state, actions } from './state.js';
import { ownerPaint } from './paint.js';
import { $ } from './util.js';

export function renderOrganismList() {
  const list = $('org-list');
  const filter = $('org-filter').value.trim();
  list.innerHTML = '';
  const frag = document.createDocumentFragment();
  const by = $('org-sort').value;
  // Largest first for quantities (energy, entropy, age); ascending ids otherwise.
  const key =
    {
      energy: (o) => -o.energy,
      entropy: (o) => -o.entropy,
      age: (o) => o.birthTick ?? 0,
      id: (o) => o.organismId,
    }[by] ?? ((o) => o.organismId);
  const sorted = [...state.organisms].sort((a, b) => key(a) - key(b) || a.organismId - b.organismId);
  for (const o of sorted) {
    if (filter && !String(o.organismId).startsWith(filter)) continue;
    const row = document.createElement('div');
    row.className = `org-row${o.organismId === state.selected ? ' selected' : ''}${o.isDead ? ' dead' : ''}`;
    row.setAttribute('role', 'option');
    row.dataset.id = String(o.organismId);
    row.innerHTML = `<span class="swatch" style="background:${ownerPaint(o.organismId)}"></span><span>#${o.organismId}</span><span>E ${o.energy}</span><span>S ${o.entropy}</span><span>${o.isDead ? 'dead' : `ip ${o.ip.join('|')}`}</span>`;
    row.onclick = () => actions.selectOrganism(o.organismId);
    frag.append(row);
  }
  list.append(frag);
}

export function installOrganismList() {
  $('org-filter').oninput = renderOrganismList;
  $('org-sort').onchange = renderOrganismList;
  $('org-filter').onkeydown = (ev) => ev.stopPropagation();
}
