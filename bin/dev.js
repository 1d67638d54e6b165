#!/usr/bin/env -S node --import tsx
// Development entry point: runs the TypeScript commands directly (no build step) through tsx. oclif comes from
// the package, here and in every module that takes it from src/cli/oclif.ts (one oclif per process).
process.env.EVO_OCLIF_PACKAGE = '1';
const { execute } = await import('@oclif/core');

await execute({ development: true, dir: import.meta.url });
