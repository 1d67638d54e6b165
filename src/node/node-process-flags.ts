/**
 * V8 flags of a node process (the daemon started by `node run --detached`; `bin/run.js` carries the same in its
 * shebang for `node run` in the foreground).
 *
 * Why: every recorded chunk crosses into the node's main thread as an ArrayBuffer, and V8 counts that external
 * memory against the old generation's allocation limit. With the default (small) initial limit, the main
 * thread ran a full mark-compact every ~30 chunks; on a 2-core machine that CPU is taken from the simulation.
 * A 128 MB initial old space cuts those collections by about 3/4 and raised the recording-on throughput
 * ~8 % (`npm run bench:pipeline`, which runs with the same flag). The cost is up to ~128 MB more resident
 * memory before the first full collection.
 */
export const NODE_PROCESS_FLAGS: readonly string[] = ['--initial-old-space-size=128'];
