#!/usr/bin/env node
/**
 * Prints the chaos suite's figures (test-output/chaos-figures.jsonl, written by test/chaos) as a table; with
 * --report also writes the table into docs/reliability.md between its markers. Exits 1 when a scenario recorded a
 * crash or a loss (the tests themselves fail first; this is the summary).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const file = join(process.cwd(), 'test-output', 'chaos-figures.jsonl');
if (!existsSync(file)) {
  console.error(`no figures in ${file}: run the chaos suite first (npm run test:chaos)`);
  process.exit(1);
}
const rows = readFileSync(file, 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => JSON.parse(l));
const header = ['scenario', 'inputs', 'faults injected', 'crashes', 'lost', 'duplicates', 'seconds', 'notes'];
const cells = rows.map((r) => [
  r.scenario,
  `${r.inputs.toLocaleString('en-US')} ${r.inputKind}`,
  r.faults === undefined ? '-' : r.faults.toLocaleString('en-US'),
  String(r.crashes),
  String(r.lost),
  r.duplicates === undefined ? '-' : String(r.duplicates),
  r.seconds.toFixed(1),
  r.notes ?? '',
]);
const md = [
  `| ${header.join(' | ')} |`,
  `|${header.map(() => '---').join('|')}|`,
  ...cells.map((c) => `| ${c.join(' | ')} |`),
].join('\n');
const size = rows[0]?.size ?? 'ci';
console.log(`chaos and fuzz suite (${size} size, ${rows.length} scenarios)\n`);
console.log(md);
const bad = rows.filter((r) => r.crashes > 0 || r.lost > 0 || (r.duplicates ?? 0) > 0);
if (process.argv.includes('--report')) {
  const doc = join(process.cwd(), 'docs', 'reliability.md');
  const text = readFileSync(doc, 'utf8');
  const start = '<!-- chaos-table:start -->';
  const end = '<!-- chaos-table:end -->';
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  if (a < 0 || b < 0) throw new Error(`docs/reliability.md lacks the ${start} … ${end} markers`);
  const stamp = `Measured ${rows.at(-1).at.slice(0, 10)}, \`CHAOS_SIZE=${size} npm run test:chaos -- --report\`:`;
  writeFileSync(doc, `${text.slice(0, a + start.length)}\n${stamp}\n\n${md}\n${text.slice(b)}`);
  console.log(`\nwritten into ${doc}`);
}
if (bad.length > 0) {
  console.error(`\n${bad.length} scenario(s) recorded crashes, losses or duplicates`);
  process.exit(1);
}
