/**
 * The one place the CLI takes oclif from. Every command, the base commands and bin/run.js import oclif's values
 * here, so one process holds one oclif (its error classes and Command base must be the same objects everywhere).
 *
 * The built CLI loads dist/vendor/oclif-core.mjs, @oclif/core bundled into one file by scripts/bundle-oclif.mjs:
 * that halves what oclif adds to each command's start. Without the bundle (running from source under tsx or
 * vitest, or a build that skipped it), and under bin/dev.js (which takes oclif from the package and sets
 * EVO_OCLIF_PACKAGE, whether oclif then loads the commands from the sources or from dist/), the package itself
 * is loaded; both are the same code.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type * as OclifCore from '@oclif/core';

const bundleUrl = new URL('../../vendor/oclif-core.mjs', import.meta.url);

async function loadOclif(): Promise<typeof OclifCore> {
  if (process.env.EVO_OCLIF_PACKAGE !== '1' && existsSync(fileURLToPath(bundleUrl))) {
    // Node hands over the bundle's namespace ({ default }); a loader with CommonJS interop (tsx) the default.
    const bundled = (await import(bundleUrl.href)) as { default?: typeof OclifCore } & Partial<typeof OclifCore>;
    return bundled.default ?? (bundled as typeof OclifCore);
  }
  return import('@oclif/core');
}

const oclif = await loadOclif();

export const Args: typeof OclifCore.Args = oclif.Args;
export const Command: typeof OclifCore.Command = oclif.Command;
export type Command = OclifCore.Command;
export const Flags: typeof OclifCore.Flags = oclif.Flags;
export const execute: typeof OclifCore.execute = oclif.execute;
export const loadHelpClass: typeof OclifCore.loadHelpClass = oclif.loadHelpClass;
export type { Interfaces } from '@oclif/core';
