/**
 * ESLint rules from the architecture check (scripts/check-architecture.mjs), so an editor and `npm run lint`
 * show an import circle or an arrow up the floors on the import that makes it:
 *   evochora/no-import-cycle     a file that is part of an import circle (type-only imports count);
 *   evochora/imports-run-down    an import from a lower floor to a higher one.
 * The graph is built once per lint run from the files on disk.
 */
import { relative, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FLOORS, areaOf, importCycles, importGraph } from '../check-architecture.mjs';

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

function importNodes(program) {
  return program.body.filter(
    (n) =>
      (n.type === 'ImportDeclaration' || n.type === 'ExportNamedDeclaration' || n.type === 'ExportAllDeclaration') &&
      n.source,
  );
}

function targetOf(file, spec) {
  return relative(ROOT, resolve(dirname(resolve(ROOT, file)), spec)).replace(/\.js$/, '.ts');
}

const noImportCycle = {
  meta: { type: 'problem', docs: { description: 'no import circles between files' }, schema: [] },
  create(context) {
    return {
      Program(program) {
        const file = relative(ROOT, context.filename);
        const cycle = analysis().cycleOf.get(file);
        if (!cycle) return;
        for (const node of importNodes(program)) {
          const spec = node.source.value;
          if (typeof spec === 'string' && spec.startsWith('.') && cycle.includes(targetOf(file, spec)))
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
        const from = areaOf(file);
        if (from === undefined) return;
        for (const node of importNodes(program)) {
          const spec = node.source.value;
          if (typeof spec !== 'string' || !spec.startsWith('.')) continue;
          const to = areaOf(targetOf(file, spec));
          if (to === undefined || to === from) continue;
          if (FLOORS[from] === undefined || FLOORS[to] === undefined || FLOORS[to] <= FLOORS[from])
            context.report({
              node,
              message: `${from} may not import ${to}: imports run down the floors (scripts/check-architecture.mjs).`,
            });
        }
      },
    };
  },
};

export default { rules: { 'no-import-cycle': noImportCycle, 'imports-run-down': importsRunDown } };
