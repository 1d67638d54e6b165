/**
 * Where and with what a run was made (SimulationMetadata.provenance): product version, the git commit when the
 * product runs from a checkout, the host, and a hash of the resolved configuration, so a figure in a paper can
 * name exactly what produced it.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { PACKAGE_ROOT, VERSION } from '../../version.js';
import type { RunProvenanceProps } from '../contracts/index.js';

/** The checked-out commit, read from .git without starting git (empty when not a checkout or unreadable). */
function gitCommit(root: string): string {
  try {
    const head = readFileSync(join(root, '.git', 'HEAD'), 'utf8').trim();
    if (!head.startsWith('ref: ')) return /^[0-9a-f]{40}$/.test(head) ? head : '';
    const ref = head.slice(5);
    try {
      return readFileSync(join(root, '.git', ref), 'utf8').trim();
    } catch {
      // A packed ref: "<sha> <ref>" lines.
      const packed = readFileSync(join(root, '.git', 'packed-refs'), 'utf8');
      for (const line of packed.split('\n')) {
        const [sha, name] = line.split(' ');
        if (name === ref && sha && /^[0-9a-f]{40}$/.test(sha)) return sha;
      }
      return '';
    }
  } catch {
    return '';
  }
}

let commit: string | undefined;

export function runProvenance(
  resolvedConfigJson: Uint8Array,
  experiment: { readonly name: string; readonly cell: string } = { name: '', cell: '' },
): RunProvenanceProps {
  commit ??= gitCommit(PACKAGE_ROOT);
  return {
    productVersion: VERSION,
    gitCommit: commit,
    host: hostname(),
    configSha256: createHash('sha256').update(resolvedConfigJson).digest('hex'),
    experiment: experiment.name,
    experimentCell: experiment.cell,
  };
}
