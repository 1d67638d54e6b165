// @ts-check
/**
 * An example user plugin: every `everyTicks` ticks, `drops` cells chosen at random receive ENERGY:`amount`, when
 * they are empty, until `limit` drops have fallen (0: no limit). The count is its state: saved in checkpoints, so a
 * resumed or forked run goes on from the count the run had.
 *
 * Use it from a node configuration:
 *   pipeline.services.simulation-engine.options.runtime.plugins = [
 *     { module = "examples/plugins/energy-rain.mjs", options { amount = 5000, drops = 2 } }
 *   ]
 *
 * Rules every plugin keeps, so runs stay deterministic (same seed and config, same run):
 * - randomness only from `host.pluginRandom` (never Math.random, the clock or I/O);
 * - world changes only through `host.world.setCell(index, molecule, owner)`;
 * - all state that changes over the run in `saveState()` / `loadState()` (JSON).
 */

/** @type {import('../../dist/src/runtime/plugins/user-plugin.js').UserPluginDefinition} */
const energyRain = {
  kind: 'energyRain',
  type: 'tick',
  options: {
    amount: { kind: 'int', default: 2000, min: 1, max: 524287, doc: 'Energy per drop.' },
    drops: { kind: 'int', default: 1, min: 0, max: 1000, doc: 'Cells tried per rain.' },
    everyTicks: { kind: 'int', default: 10, min: 1, doc: 'Ticks between rains.' },
    limit: { kind: 'int', default: 0, min: 0, doc: 'Drops in all, then the rain stops (0: no limit).' },
  },
  create(options, api) {
    const energy = api.molecule('ENERGY', Number(options.amount));
    let dropped = 0;
    return {
      onTick(host) {
        if (host.tick % Number(options.everyTicks) !== 0) return;
        const limit = Number(options.limit);
        for (let i = 0; i < Number(options.drops) && (limit === 0 || dropped < limit); i++) {
          const idx = host.pluginRandom.nextInt(host.world.size);
          if (host.world.cells[idx] !== 0 || host.world.owners[idx] !== 0) continue;
          host.world.setCell(idx, energy, 0);
          dropped++;
        }
      },
      saveState: () => ({ dropped }),
      loadState: (state) => {
        dropped = Number(/** @type {{ dropped?: number } | null} */ (state)?.dropped ?? 0);
      },
    };
  },
};

export default energyRain;
