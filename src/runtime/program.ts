import type { ProgramArtifact } from '../compiler/index.js';
import type { PlaceableProgram } from './simulation.js';

/** Adapts a compiler artifact (relative code cells + `.PLACE` objects) for `Simulation.placeProgram`. */
export function programFromArtifact(artifact: ProgramArtifact): PlaceableProgram {
  return {
    code: artifact.machineCodeLayout.map((c) => [...c.coord, c.molecule]),
    objects: artifact.initialWorldObjects.map((o) => [...o.coord, o.type, o.value, o.marker]),
    programId: artifact.programId,
  };
}
