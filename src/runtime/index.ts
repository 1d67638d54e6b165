/**
 * Public API of the simulation runtime. The engine (pipeline) uses:
 *
 *   const sim = new Simulation(resolveRuntimeOptions({ shape: [512, 512], seed: 42n }));
 *   sim.placeProgram(programFromArtifact(compileFileOrThrow(file, { world })), [100, 100], 100_000);
 *   sim.step();                                   // one tick
 *   sim.world.drainChanged((idx) => …);            // cells written since the last drain
 *   sim.organisms.map(organismView);              // organism states (alive + died this tick)
 *   sim.pruneDead();
 *   const cp = saveCheckpoint(sim);  restoreCheckpoint(cp);
 *
 * The world arrays (`sim.world.cells`, `sim.world.owners`) are Int32Arrays in flat row-major order
 * (last dimension fastest); read them directly.
 */
export {
  Simulation,
  DEFAULT_MIN_ORGANISMS_PER_THREAD,
  type PlaceableProgram,
  type SimulationThreading,
  type TickStats,
} from './simulation.js';
export { World } from './world.js';
export { Organism, type DeathCause } from './organism.js';
export { organismView, type OrganismView } from './organism-view.js';
export {
  defaultRuntimeOptions,
  defaultPlugins,
  referenceThermodynamics,
  zeroThermodynamics,
  resolveRuntimeOptions,
  type RuntimeOptions,
  type RuntimeOptionsInput,
  type PluginConfig,
  type QuirkMode,
  type ThermodynamicsOptions,
  type UniversalPolicy,
  type CostRule,
  type OrganismLimits,
  type LabelMatchingOptions,
} from './config.js';
export {
  saveCheckpoint,
  checkpointJsonWithoutWorld,
  restoreCheckpoint,
  CHECKPOINT_VERSION,
  type Checkpoint,
  type OrganismState,
} from './checkpoint.js';
export { stateHash } from './state-hash.js';
export { forkSimulation } from './fork.js';
export {
  registerUserPlugin,
  USER_PLUGIN_API,
  type UserPluginDefinition,
  type UserPluginApi,
  type UserPluginOptionSpec,
  type UserTickPlugin,
  type UserBirthHandler,
  type UserDeathHandler,
} from './plugins/user-plugin.js';
export { programFromArtifact } from './program.js';
export { parseRunSpec, simulationFromSpec, specRuntimeOptions, programFromLayoutJson, type RunSpec } from './spec.js';
export {
  TraceRecorder,
  traceOrganism,
  type TraceOrganism,
  type TraceInitLine,
  type TraceTickLine,
} from './trace/trace-recorder.js';
export { TraceWriter } from './trace/trace-writer.js';
export { PLUGIN_KINDS } from './plugins/registry.js';
export type { TickPlugin, DeathHandler, BirthHandler } from './plugins/types.js';
export { RuntimeError, WorldShapeError, RuntimeConfigError, CheckpointError, RunSpecError } from './errors.js';
export {
  defaultOrganismPath,
  runHeadless,
  parseProgramArg,
  parseWorldArg,
  pluginPreset,
  runtimeConfigFromObject,
  type HeadlessRunOptions,
  type HeadlessSummary,
} from './headless.js';
export { computeGenomeHash } from './genome-hash.js';
