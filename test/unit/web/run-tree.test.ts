import { describe, expect, it } from 'vitest';
// @ts-expect-error: a browser module of the web UI, plain JavaScript without types.
import { forkTree } from '../../../src/web/static/run-tree.js';

interface Run {
  runId: string;
  forkedFrom: { runId: string; tick: number } | null;
}

describe('the front page run tree', () => {
  it('puts each fork below the run it was forked from, forks of forks deeper, orphans at the top', () => {
    const runs: Run[] = [
      { runId: 'fork-of-fork', forkedFrom: { runId: 'fork-a', tick: 900 } },
      { runId: 'fork-b', forkedFrom: { runId: 'root', tick: 700 } },
      { runId: 'orphan', forkedFrom: { runId: 'deleted-run', tick: 5 } },
      { runId: 'fork-a', forkedFrom: { runId: 'root', tick: 500 } },
      { runId: 'other', forkedFrom: null },
      { runId: 'root', forkedFrom: null },
    ];
    const tree = (forkTree(runs) as Array<{ run: Run; depth: number }>).map((e) => `${e.depth}:${e.run.runId}`);
    expect(tree).toEqual(['0:orphan', '0:other', '0:root', '1:fork-b', '1:fork-a', '2:fork-of-fork']);
  });
});
