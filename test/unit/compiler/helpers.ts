/** Shared helpers for the compiler unit tests (in-memory sources only; nothing here reads ../shared). */
import { expect } from 'vitest';
import {
  type CompileOptions,
  type CompileResult,
  compileSource,
  type Diagnostic,
  formatDiagnostic,
  listing,
  type ProgramArtifact,
} from '../../../src/compiler/index.js';

export const WORLD_2D = { shape: [64, 64], toroidal: true } as const;
export const WORLD_3D = { shape: [32, 32, 8], toroidal: true } as const;

export function compile(text: string, files: Record<string, string> = {}, options: CompileOptions = {}): CompileResult {
  return compileSource(text, { world: WORLD_2D, ...options }, 'main.evo', files);
}

/** Compiles and asserts success; returns the artifact. */
export function ok(text: string, files: Record<string, string> = {}, options: CompileOptions = {}): ProgramArtifact {
  const r = compile(text, files, options);
  expect(errors(r).map(formatDiagnostic)).toEqual([]);
  expect(r.artifact).toBeDefined();
  return r.artifact!;
}

/** The disassembled code of a program that must compile. */
export function code(text: string, files: Record<string, string> = {}, options: CompileOptions = {}): string {
  return listing(ok(text, files, options));
}

export function errors(r: CompileResult): Diagnostic[] {
  return r.diagnostics.filter((d) => d.severity === 'error');
}

/** `code@file:line` of every error, for compact assertions. */
export function errorSummary(text: string, files: Record<string, string> = {}, options: CompileOptions = {}): string[] {
  const r = compile(text, files, options);
  expect(r.artifact).toBeUndefined();
  return errors(r).map((d) => `${d.code.replace('EVOASM_', '')}@${d.file}:${d.line}`);
}

/** Relative coordinates of the code cells, as `x|y` strings in address order. */
export function coords(a: ProgramArtifact): string[] {
  return a.machineCodeLayout.map((c) => c.coord.join('|'));
}
