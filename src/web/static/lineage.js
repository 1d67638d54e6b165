// Colour by lineage: the run's genome tree from the analyzer, turned into hues by the shared lineageHues rule.
import { lineageHues } from '/visualizer/cell-colors.js';
import { state } from './state.js';
import { draw, drawMinimap } from './renderer.js';
import { renderOrganismList } from './organism-list.js';
import { renderLegend } from './legend.js';
import { setStatus } from './util.js';

/** Loads the run's genome tree (again when a genotype at this tick is not in it, at most every 5 s). */
export async function refreshLineage() {
  if (state.colorBy !== 'lineage' || !state.runId) return;
  const l = state.lineage;
  const known = l.runId === state.runId;
  const missing = [...state.genomeOf.values()].some((g) => !l.hues.has(g));
  if (known && (!missing || Date.now() - l.fetchedAt < 5000)) return;
  l.fetchedAt = Date.now();
  try {
    const res = await fetch(`/analyzer/api/runs/${encodeURIComponent(state.runId)}/genome-tree`);
    if (!res.ok) {
      Object.assign(l, { runId: state.runId, hues: new Map(), missing: true });
      setStatus(
        "lineage colours need the run's analytics (the node's analytics indexer, or `evochora index --run RUN`)",
      );
      return;
    }
    const tree = await res.json();
    Object.assign(l, { runId: state.runId, hues: lineageHues(tree.genomes), missing: false });
    draw();
    drawMinimap();
    renderOrganismList();
    renderLegend();
  } catch (err) {
    setStatus(`lineage: ${err.message}`);
  }
}
