#!/usr/bin/env node
// `npm test`: runs every test suite and ends with one line `N passed, N failed, N skipped`
// totalling all of them (CI reads that line). Suites: vitest (unit, ISA, machine and CLI tests).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dir = mkdtempSync(join(tmpdir(), 'corescope-test-'));
const json = join(dir, 'vitest.json');
const vitest = new URL('../node_modules/.bin/vitest', import.meta.url).pathname;
const run = spawnSync(
  vitest,
  ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${json}`, ...process.argv.slice(2)],
  {
    stdio: 'inherit',
  },
);

let passed = 0;
let failed = 0;
let skipped = 0;
try {
  const r = JSON.parse(readFileSync(json, 'utf8'));
  passed = r.numPassedTests;
  // Failed tests, plus test files that failed before running any test (syntax or import errors).
  const brokenFiles = (r.testResults ?? []).filter(
    (f) => f.status === 'failed' && (f.assertionResults ?? []).length === 0,
  );
  failed = r.numFailedTests + brokenFiles.length;
  skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
} catch (e) {
  console.error(`run_tests: could not read vitest results (${e.message})`);
  failed += 1;
}
rmSync(dir, { recursive: true, force: true });
console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(run.status === 0 && failed === 0 ? 0 : 1);
