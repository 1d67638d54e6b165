// The notice over the grid: what went wrong and what the page did about it (a lost node, a run or tick that is not
// there). One notice at a time; a later one replaces it, and `clearNotice(kind)` removes it only if it is still of
// that kind.
import { $ } from './util.js';

let timer = null;
let shownKind = null;

/** Shows `text`; it goes away after `ms` (0: stays until cleared or replaced). */
export function showNotice(kind, text, ms = 10_000) {
  const el = $('notice');
  el.textContent = text;
  el.dataset.kind = kind;
  el.hidden = false;
  shownKind = kind;
  clearTimeout(timer);
  if (ms > 0) timer = setTimeout(() => clearNotice(kind), ms);
}

export function clearNotice(kind) {
  if (kind !== undefined && kind !== shownKind) return;
  $('notice').hidden = true;
  shownKind = null;
}
