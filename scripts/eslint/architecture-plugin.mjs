/**
 * ESLint rules from the architecture check (scripts/check-architecture.mjs), so an editor and `npm run lint`
 * show an import circle or an arrow up the floors on the import that makes it:
 *   evochora/no-import-cycle     a file that is part of an import circle (type-only imports count);
 *   evochora/imports-run-down    an import from a lower floor to a higher one, or around an area's public face.
 * The graph is built once per lint run from the files on disk.
 */
import { relative, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { areaOf, faceProblem, floorProblem, importCycles, importGraph } from '../check-architecture.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
let cached;
function analysis() {
  if (!cached) {
    const graph = importGraph(ROOT);
    const cycleOf = new Map();
    for (const c of importCycles(graph)) for (const f of c) cycleOf.set(f, c);
    cached = { graph, cycleOf };
  }
  return cached;
}

/** The relative imports and re-exports of a file: each node with the repository path it names. */
function relativeImports(program, file) {
  const out = [];
  for (const node of program.body) {
    const isImport =
      node.type === 'ImportDeclaration' ||
      node.type === 'ExportNamedDeclaration' ||
      node.type === 'ExportAllDeclaration';
    const spec = isImport ? node.source?.value : undefined;
    if (typeof spec === 'string' && spec.startsWith('.'))
      out.push({ node, target: relative(ROOT, resolve(dirname(resolve(ROOT, file)), spec)).replace(/\.js$/, '.ts') });
  }
  return out;
}

const noImportCycle = {
  meta: { type: 'problem', docs: { description: 'no import circles between files' }, schema: [] },
  create(context) {
    return {
      Program(program) {
        const file = relative(ROOT, context.filename);
        const cycle = analysis().cycleOf.get(file);
        if (!cycle) return;
        for (const { node, target } of relativeImports(program, file)) {
          if (cycle.includes(target))
            context.report({
              node,
              message: `Import circle of ${cycle.length} files: ${cycle.join(' → ')}. Move what both sides need to a module below them.`,
            });
        }
      },
    };
  },
};

const importsRunDown = {
  meta: { type: 'problem', docs: { description: 'imports go from higher floors to lower ones only' }, schema: [] },
  create(context) {
    return {
      Program(program) {
        const file = relative(ROOT, context.filename);
        for (const { node, target } of relativeImports(program, file)) {
          const problem = floorProblem(areaOf(file), areaOf(target)) ?? faceProblem(file, target);
          if (problem)
            context.report({
              node,
              message: `${problem}: imports run down the floors (scripts/check-architecture.mjs).`,
            });
        }
      },
    };
  },
};

export default { rules: { 'no-import-cycle': noImportCycle, 'imports-run-down': importsRunDown } };
