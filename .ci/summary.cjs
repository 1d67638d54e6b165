// Prints "N passed, N failed" from vitest JSON reports. A test file that failed to load counts as one failure;
// `--lint-failed` (npm run lint did not pass) counts as one more.
const fs = require('fs');
let passed = 0;
let failed = 0;
const args = process.argv.slice(2);
if (args.includes('--lint-failed')) failed += 1;
for (const file of args.filter((a) => !a.startsWith('--'))) {
  let report;
  try {
    report = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    console.error(`missing test report: ${file}`);
    failed += 1;
    continue;
  }
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  for (const suite of report.testResults || []) {
    if (suite.status === 'failed' && !suite.assertionResults.some((a) => a.status === 'failed')) failed += 1;
  }
}
console.log(`${passed} passed, ${failed} failed`);
