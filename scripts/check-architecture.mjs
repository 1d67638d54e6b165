#!/usr/bin/env node
/**
 * The architecture check (`npm run check:architecture`, also a unit test): every import arrow between the
 * product's areas runs down the floors below, and no file imports itself back through others (type-only
 * and dynamic imports count too: a circle of types is still a circle to read).
 *
 *   commands → cli → (node, experiment) → (visualizer, analyzer, web) → http → (pipeline, logging) → config
 *   → runtime → compiler → isa → (errors, version, spawn-module-worker) → exit-codes
 *
 * Within one area anything goes except a circle. An area with a public face (PUBLIC_FACES) is entered only
 * through it by the areas listed there.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Floor of each area: an import may only go to a higher number (or stay in its area). */
export const FLOORS = {
  commands: 0,
  cli: 1,
  node: 2,
  experiment: 2,
  visualizer: 3,
  analyzer: 3,
  web: 3,
  http: 4,
  pipeline: 5,
  logging: 5,
  config: 6,
  runtime: 7,
  compiler: 8,
  isa: 9,
  errors: 10,
  version: 10,
  'spawn-module-worker': 10,
  'exit-codes': 11,
};

const IMPORT =
  /(?:^|[\s;])(?:import|export)\s+(type\s+)?(?:[^'";]*?\s+from\s+)?['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;

function sourceFiles(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (name !== 'generated' && name !== 'static') sourceFiles(path, out);
    } else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** The area of a repository-relative path: `commands`, or the first folder (or file) under src/. */
export function areaOf(file) {
  if (file.startsWith('commands/')) return 'commands';
  const m = /^src\/([^/]+)/.exec(file);
  return m ? m[1].replace(/\.ts$/, '') : undefined;
}

/** The import graph of src/ and commands/: file → [{ target, typeOnly, line }]. */
export function importGraph(root) {
  const graph = new Map();
  const files = [...sourceFiles(join(root, 'src')), ...sourceFiles(join(root, 'commands'))];
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const deps = [];
    for (const m of text.matchAll(IMPORT)) {
      const spec = m[2] ?? m[3];
      const target = relative(root, resolve(dirname(file), spec)).replace(/\.js$/, '.ts');
      deps.push({ target, typeOnly: m[1] !== undefined, line: text.slice(0, m.index).split('\n').length });
    }
    graph.set(relative(root, file), deps);
  }
  return graph;
}

/** Strongly connected components with more than one file (Tarjan). */
export function importCycles(graph) {
  let next = 0;
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const cycles = [];
  const visit = (v) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const { target: w } of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), index.get(w)));
    }
    if (low.get(v) === index.get(v)) {
      const component = [];
      let w;
      do {
        w = stack.pop();
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) cycles.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return cycles;
}

/**
 * Areas whose public face is the one module the listed areas may import from them (types included), so what
 * they use of it is written down in one place (nats.js's mod.ts, this project's src/runtime/index.ts).
 */
export const PUBLIC_FACES = {
  pipeline: { face: 'src/pipeline/index.ts', for: ['commands', 'cli', 'node', 'experiment'] },
};

/** Why an import from `file` to `target` goes around a public face, or undefined when it is fine. */
export function faceProblem(file, target) {
  const to = areaOf(target);
  const from = areaOf(file);
  const rule = PUBLIC_FACES[to];
  if (!rule || from === to || !rule.for.includes(from) || target === rule.face) return undefined;
  return `${from} imports ${to} only through its public face ${rule.face}`;
}

/** Why an import from `file` (area `from`) to area `to` breaks the floors, or undefined when it is fine. */
export function floorProblem(from, to) {
  if (from === undefined || to === undefined || from === to) return undefined;
  const a = FLOORS[from];
  const b = FLOORS[to];
  if (a === undefined || b === undefined)
    return `area '${a === undefined ? from : to}' has no floor in scripts/check-architecture.mjs`;
  return b <= a ? `${from} (floor ${a}) may not import ${to} (floor ${b})` : undefined;
}

/** Imports that run up the floors (or into an area the floors do not know). */
export function floorViolations(graph) {
  const out = [];
  for (const [file, deps] of graph)
    for (const d of deps) {
      const problem = floorProblem(areaOf(file), areaOf(d.target)) ?? faceProblem(file, d.target);
      if (problem) out.push(`${file}:${d.line} imports ${d.target}: ${problem}`);
    }
  return out;
}

export function checkArchitecture(root) {
  const graph = importGraph(root);
  return { files: graph.size, cycles: importCycles(graph), violations: floorViolations(graph) };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const { files, cycles, violations } = checkArchitecture(root);
  for (const c of cycles) console.log(`import circle of ${c.length} files:\n  ${c.join('\n  ')}`);
  for (const v of violations) console.log(v);
  console.log(`${files} files: ${cycles.length} import circles, ${violations.length} arrows up the floors`);
  process.exitCode = cycles.length + violations.length === 0 ? 0 : 1;
}
