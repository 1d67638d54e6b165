/** The SimulationEngine service type: its options and ports here, the engine itself loaded when a pipeline runs one. */
import type { ServiceType } from '../api/component-type.js';
import { lazyServiceType } from '../api/lazy-service-type.js';
import { simulationEngineOptions } from './simulation-engine-options.js';

export const simulationEngineType: ServiceType<typeof simulationEngineOptions> = lazyServiceType({
  className: 'SimulationEngine',
  description:
    'Runs the simulation in a worker thread and puts delta-compressed tick chunks on its queue; emits the run metadata once.',
  ports: {
    tickData: { usage: ['queue-out'] },
    metadataOutput: { usage: ['queue-out'], optional: true },
    resumeStorage: { usage: ['storage-read'], optional: true },
  },
  options: simulationEngineOptions,
  load: () => import('./simulation-engine.js'),
  preflight: (engine, options, serviceName) => engine.preflightEngine(options, serviceName),
  create: (engine, context) => new engine.SimulationEngine(context),
});
