// The front page's run list as a tree of forks (no DOM here, so it is unit-tested under Node).

/**
 * The runs as a fork tree: each fork (`node run --fork RUN@TICK`) right below the run it was forked from, indented,
 * its parents first; runs whose parent is not on this node stay at the top level. Newest first at every level.
 */
export function forkTree(runs) {
  const byId = new Map(runs.map((r) => [r.runId, r]));
  const children = new Map();
  const roots = [];
  for (const r of runs) {
    const parent = r.forkedFrom && byId.has(r.forkedFrom.runId) ? r.forkedFrom.runId : undefined;
    if (parent === undefined) roots.push(r);
    else children.set(parent, [...(children.get(parent) ?? []), r]);
  }
  const out = [];
  const visit = (r, depth) => {
    out.push({ run: r, depth });
    for (const c of children.get(r.runId) ?? []) visit(c, depth + 1);
  };
  for (const r of roots) visit(r, 0);
  return out;
}
