/**
 * How many organisms are alive at one stored sample, read from its encoded TickData (snapshot) or TickDelta
 * without decoding: the frame source already holds the chunk's bytes, so the video overlays get the count
 * without a second read of storage. Alive means listed and not dead, as the visualizer API counts it.
 * A full state (snapshot field 3, format-1 delta field 4) says is_dead itself. A format-2 OrganismDelta (delta
 * field 6) carries is_dead only when it changed: the engine lists the organisms present at the sample and prunes
 * the dead after the tick they died, so an organism whose delta leaves is_dead unchanged was alive before and is
 * alive now.
 */
import { scanOrganismFacts, type OrganismFacts } from '../../pipeline/contracts/chunk-fields.js';
import { eachField } from '../../pipeline/contracts/wire-walk.js';

/** Bit n-1 of OrganismDelta.changed_fields: OrganismState field n (14, is_dead) changed. */
const DEAD_BIT = 1 << 13;

const facts: OrganismFacts = { organismId: 0, isDead: false };

function stateIsDead(bytes: Uint8Array, start: number, end: number): boolean {
  return scanOrganismFacts(bytes.subarray(start, end), facts).isDead;
}

/** Whether an encoded OrganismDelta in bytes[start, end) makes its organism dead. */
function deltaKills(bytes: Uint8Array, start: number, end: number): boolean {
  let mask = 0;
  let state: [number, number] | undefined;
  eachField(bytes, start, end, (n, wt, s, e, v) => {
    if (n === 2 && wt === 0) mask = v;
    else if (n === 3 && wt === 2) state = [s, e];
  });
  return (mask & DEAD_BIT) !== 0 && state !== undefined && stateIsDead(bytes, state[0], state[1]);
}

/**
 * Organisms alive at the sample encoded in bytes[start, end): a TickData when `snapshot`, else a TickDelta.
 */
export function aliveAt(bytes: Uint8Array, start: number, end: number, snapshot: boolean): number {
  let alive = 0;
  eachField(bytes, start, end, (n, wt, s, e) => {
    if (wt !== 2) return;
    if (snapshot ? n === 3 : n === 4) {
      if (!stateIsDead(bytes, s, e)) alive++;
    } else if (!snapshot && n === 6 && !deltaKills(bytes, s, e)) alive++;
  });
  return alive;
}
