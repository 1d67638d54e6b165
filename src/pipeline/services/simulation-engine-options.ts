/** SimulationEngine's option spec, apart from the engine (the registry reads it without loading the engine). */
import { defineOptions, type OptionsOf } from '../../config/field-spec.js';
import { DEFAULT_TOPOLOGY, DEFAULT_WORLD_SHAPE } from '../engine/configured-world.js';

/** Chunks from this size up are assembled into reused memory (smaller ones are cheap to allocate afresh). */
export const DEFAULT_REUSE_CHUNK_MEMORY_FROM_BYTES = 512 * 1024;

export const simulationEngineOptions = defineOptions({
  kind: 'object',
  doc: 'SimulationEngine options',
  fields: {
    environment: {
      kind: 'object',
      doc: 'The world.',
      fields: {
        shape: { kind: 'list', of: 'int', default: [...DEFAULT_WORLD_SHAPE], doc: 'Cells per dimension.' },
        topology: {
          kind: 'string',
          enum: ['TORUS', 'BOUND'],
          default: DEFAULT_TOPOLOGY,
          doc: 'TORUS wraps around, BOUND has edges.',
        },
      },
    },
    seed: {
      kind: 'int',
      default: 42,
      min: -Number.MAX_SAFE_INTEGER,
      max: Number.MAX_SAFE_INTEGER,
      doc: 'Seed of every random choice; the same seed and config give the same run.',
    },
    organisms: {
      kind: 'any',
      default: [{ program: 'builtin:replicator', energy: 100000, positions: [[100, 100]] }],
      doc: 'Organisms placed at start: [{ program = path, builtin:replicator (our self-replicator) or builtin:counter, energy, positions = [[x, y], ...] }].',
    },
    sourceRoots: {
      kind: 'list',
      of: 'string',
      default: [],
      doc: 'Roots for .IMPORT/.SOURCE of program files (default: each file’s folder).',
    },
    samplingInterval: { kind: 'int', default: 1, min: 1, max: 1_000_000_000, doc: 'Record every n-th tick.' },
    accumulatedDeltaInterval: {
      kind: 'int',
      default: 50,
      min: 1,
      max: 10_000,
      doc: 'Every n-th delta of a chunk holds all changes since the snapshot (so any tick rebuilds from the snapshot, one accumulated delta and fewer than n incremental ones).',
    },
    snapshotInterval: {
      kind: 'int',
      // 1,000-sample chunks: a mature world's snapshot (every occupied cell, ~1.5 MB before compression) is copied,
      // compressed and analysed once per chunk; half as often as with 500 recorded ~10-15 % more ticks/s and 17 %
      // fewer bytes per tick, with random access unchanged (docs/pipeline.md, "2026-12-07 (fourth stop)").
      default: 20,
      min: 1,
      max: 10_000,
      doc: 'Accumulated intervals per chunk: a chunk holds accumulatedDeltaInterval × snapshotInterval samples and starts with a full snapshot of every occupied cell.',
    },
    reuseChunkMemoryFromBytes: {
      kind: 'int',
      default: DEFAULT_REUSE_CHUNK_MEMORY_FROM_BYTES,
      min: 0,
      max: 2 ** 31 - 1,
      doc: 'Chunks of at least this many bytes are assembled into memory that is reused once storage and indexers are done with them (a mature world’s chunks are megabytes: fresh memory for each cost the main thread page faults and full garbage collections). 0: every chunk.',
    },
    pauseTicks: {
      kind: 'list',
      of: 'int',
      default: [],
      doc: 'Pause the simulation after these ticks (resume with `evochora pipeline resume`).',
    },
    maxTicks: { kind: 'int', default: 0, min: 0, doc: 'Stop simulating after this tick; 0 = run until stopped.' },
    maxChunksInFlight: {
      kind: 'int',
      // 2, not 4: each chunk waiting between the threads is megabytes of memory (~20 MB of RSS less in a young
      // default node), and the node is bound by its total CPU, so a waiting simulation thread leaves its core to the
      // others (same ticks per second within the machine's noise, docs/pipeline.md).
      default: 2,
      min: 1,
      max: 1024,
      doc: 'Chunks the simulation may run ahead of the queue before it waits (each is up to a few MB in a mature world).',
    },
    runtime: {
      kind: 'any',
      default: {},
      doc: 'Runtime options: plugins, thermodynamics, organism limits, labelMatching, quirks.',
    },
    threads: {
      kind: 'int',
      default: 1,
      min: 1,
      max: 256,
      doc: 'Threads that plan each tick; the run and its stored bytes are the same for any count. Beside `runtime`, not in it: runtime options define the simulation, this only how fast it runs. On 2 cores not faster yet (docs/runtime.md, "Multi-threaded planning").',
    },
    minOrganismsPerThread: {
      kind: 'int',
      default: 0,
      min: 0,
      max: 1_000_000,
      doc: "With threads > 1: ticks with fewer living organisms per thread than this are planned on one thread (a hand-off costs more than small ticks save); 0 = the runtime's default.",
    },
    fork: {
      kind: 'object',
      doc: 'Start a new run from a stored tick of another run (`evochora node run --fork RUN@TICK`).',
      fields: {
        runId: { kind: 'string', default: '', doc: 'Run to fork; empty = no fork.' },
        tick: { kind: 'int', default: 0, min: 0, doc: 'Stored tick the new run starts from.' },
        seed: {
          kind: 'string',
          default: '',
          doc: "A new seed from the fork on (an integer); empty = the parent's random streams continue exactly.",
        },
        runtime: {
          kind: 'any',
          default: {},
          doc: "Runtime options changed from the fork on, merged over the parent run's (objects merge, lists are replaced).",
        },
      },
    },
    experiment: {
      kind: 'object',
      doc: 'The experiment and cell this run belongs to (set by `evochora experiment run`; kept in its provenance).',
      fields: {
        name: { kind: 'string', default: '', doc: 'Experiment name; empty = not part of an experiment.' },
        cell: { kind: 'string', default: '', doc: 'The cell of the experiment grid this run is.' },
      },
    },
    resume: {
      kind: 'object',
      doc: 'Continue a stored run.',
      fields: {
        runId: {
          kind: 'string',
          default: '',
          doc: 'Run to continue from its last stored snapshot; empty = start a new run.',
        },
      },
    },
    metadata: { kind: 'any', default: {}, doc: 'Free-form notes kept in the run metadata.' },
  },
});

/** SimulationEngine's options as its type declares them (validated, defaults filled). */
export type SimulationEngineOptions = OptionsOf<typeof simulationEngineOptions>;
