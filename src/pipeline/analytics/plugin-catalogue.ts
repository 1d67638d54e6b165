/**
 * The metric plugins the product ships, by id, and the default selection. The AnalyticsIndexer's `plugins`
 * option names ids from here; an unknown name is a configuration error that lists the known ones.
 */
import { EvochoraError } from '../../errors.js';
import { PipelineErrorCode } from '../error-codes.js';
import type { MetricPlugin } from './metric-plugin.js';
import { agePlugin } from './plugins/age.js';
import { birthsPlugin } from './plugins/births.js';
import { deathsPlugin } from './plugins/deaths.js';
import { energyPlugin } from './plugins/energy.js';
import { environmentPlugin } from './plugins/environment.js';
import { genomeDiversityPlugin } from './plugins/genome-diversity.js';
import { generationPlugin } from './plugins/generation.js';
import { instructionUsagePlugin } from './plugins/instruction-usage.js';
import { populationPlugin } from './plugins/population.js';
import { spatialDensityPlugin } from './plugins/spatial-density.js';
import { vitalStatisticsPlugin } from './plugins/vital-statistics.js';

export const METRIC_PLUGINS: readonly MetricPlugin[] = [
  populationPlugin,
  vitalStatisticsPlugin,
  agePlugin,
  generationPlugin,
  energyPlugin,
  genomeDiversityPlugin,
  instructionUsagePlugin,
  environmentPlugin,
  spatialDensityPlugin,
  birthsPlugin,
  deathsPlugin,
];

/** Every shipped plugin, on by default. */
export const DEFAULT_PLUGIN_IDS: readonly string[] = METRIC_PLUGINS.map((p) => p.id);

export class UnknownAnalyticsPluginError extends EvochoraError {
  constructor(id: string) {
    super(PipelineErrorCode.ANALYTICS_PLUGIN_UNKNOWN, `Unknown analytics plugin '${id}'.`, {
      actions: [`Known plugins: ${DEFAULT_PLUGIN_IDS.join(', ')}.`],
      data: { plugin: id },
    });
  }
}

export function metricPlugin(id: string): MetricPlugin {
  const p = METRIC_PLUGINS.find((x) => x.id === id);
  if (!p) throw new UnknownAnalyticsPluginError(id);
  return p;
}

/** The plugins named, in the catalogue's order, each once. */
export function selectPlugins(ids: readonly string[]): MetricPlugin[] {
  const wanted = new Set(ids.map((id) => metricPlugin(id).id));
  return METRIC_PLUGINS.filter((p) => wanted.has(p.id));
}
