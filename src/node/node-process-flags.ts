/**
 * V8 flags of the node daemon that `node run --detached` starts. A foreground `node run` runs in the CLI's own
 * process and cannot get them: a shebang needs `env -S`, which BusyBox (Alpine) lacks, and re-executing would
 * put a second process between the terminal's Ctrl+C and the node. Start it as
 * `node --initial-old-space-size=128 bin/run.js node run` to have them there too.
 *
 * Why: every recorded chunk crosses into the node's main thread as an ArrayBuffer, and V8 counts that external
 * memory against the old generation's allocation limit. With the default (small) initial limit, the main
 * thread ran a full mark-compact every ~30 chunks; on a 2-core machine that CPU is taken from the simulation.
 * A 128 MB initial old space cuts those collections by about 3/4 and raised the recording-on throughput
 * ~8 % (`npm run bench:pipeline`, which runs with the same flag). The cost is up to ~128 MB more resident
 * memory before the first full collection.
 */
export const NODE_PROCESS_FLAGS: readonly string[] = ['--initial-old-space-size=128'];

/**
 * Environment of the node daemon (values the user set win). glibc serves large allocations from mmap only up to
 * a threshold it raises by itself after the first large free (to 32 MB), after which the node's chunk and batch
 * buffers (1-20 MB each, allocated on one thread and freed on another) come from malloc arenas that keep the
 * freed memory: a recording node's RSS grew 465 → 566 MB in its first minute that way. A fixed 256 KB threshold
 * returns such buffers to the system when freed (RSS 362 → 435 MB in the same minute, same ticks/s within noise).
 * Other C libraries ignore the variable.
 */
export const NODE_PROCESS_ENV: Readonly<Record<string, string>> = { MALLOC_MMAP_THRESHOLD_: '262144' };
