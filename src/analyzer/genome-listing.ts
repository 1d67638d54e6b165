/**
 * The genome behind a genome hash, read back from the recording: the cells the genotype's first organism owned
 * in the sample where it first appears, in address order, each disassembled like the compiler's listing, with
 * coordinates relative to the organism's birth position (what the hash is computed over, DATA included here).
 */
import { disassembleCell } from '../compiler/listing.js';
import type { BatchStorageReader } from '../pipeline/api/batch-storage.js';
import { reconstructTick } from '../pipeline/contracts/tick-reconstruction.js';

export interface GenomeListing {
  readonly runId: string;
  readonly genomeHash: string;
  readonly organismId: number;
  /** The sample the cells were read from. */
  readonly tick: number;
  readonly cells: ReadonlyArray<{
    readonly position: readonly number[];
    readonly molecule: number;
    readonly text: string;
  }>;
  /** The instructions in address order, one line per cell. */
  readonly text: string;
}

/** Rebuilds `tick` of the run and lists the cells `organismId` owns there. Undefined when the tick is not stored. */
export async function genomeListing(
  storage: BatchStorageReader,
  runId: string,
  genomeHash: string,
  organismId: number,
  tick: number,
): Promise<GenomeListing | undefined> {
  const meta = await storage.readMetadata(runId);
  const shape = [...meta.worldShape];
  for await (const stored of storage.readChunks(runId, tick, tick)) {
    const chunk = storage.decodeChunk(stored);
    let t;
    try {
      t = reconstructTick(chunk, tick);
    } catch {
      continue;
    }
    const organism = t.organisms.find((o) => o.organismId === organismId);
    const origin = organism?.initialPosition?.components ?? shape.map(() => 0);
    const cells: Array<{ position: number[]; molecule: number; text: string }> = [];
    const { flatIndices, molecules, owners } = t.cells;
    for (let i = 0; i < flatIndices.length; i++) {
      if (owners[i] !== organismId) continue;
      // Row-major, last dimension fastest; positions relative to the birth position (wrapped on a torus).
      let rest = flatIndices[i]!;
      const coords = new Array<number>(shape.length);
      for (let d = shape.length - 1; d >= 0; d--) {
        coords[d] = rest % shape[d]!;
        rest = Math.floor(rest / shape[d]!);
      }
      const position = coords.map((c, d) => {
        const n = shape[d]!;
        const r = c - (origin[d] ?? 0);
        return meta.toroidal ? ((r % n) + n) % n : r;
      });
      cells.push({ position, molecule: molecules[i]!, text: disassembleCell(molecules[i]!, new Map()) });
    }
    return {
      runId,
      genomeHash,
      organismId,
      tick,
      cells,
      text: cells.map((c) => `${c.position.join(',').padEnd(10)} ${c.text}`).join('\n'),
    };
  }
  return undefined;
}
