// `npm test`: typecheck (3 configs) → lint → build → vitest → Playwright e2e, then one summary line.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'test-results');
fs.mkdirSync(out, { recursive: true });
const bin = (name) => path.join(root, 'node_modules', '.bin', name);
const only = new Set(process.argv.slice(2)); // e.g. `npm test -- unit e2e`

const totals = { passed: 0, failed: 0, skipped: 0 };
const rows = [];

function run(label, cmd, args, env = {}) {
  const started = Date.now();
  console.log(`\n━━ ${label} ━━`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  const ok = r.status === 0;
  rows.push(`${ok ? '✔' : '✘'} ${label} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  return ok;
}

function check(label, cmd, args) {
  const ok = run(label, cmd, args);
  totals[ok ? 'passed' : 'failed'] += 1;
  return ok;
}

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

const want = (stage) => only.size === 0 || only.has(stage);

if (want('typecheck')) {
  check('typecheck: node + electron (tsconfig.json)', bin('tsc'), ['-p', 'tsconfig.json']);
  check('typecheck: renderer (renderer/tsconfig.json)', bin('tsc'), ['-p', 'renderer/tsconfig.json']);
  check('typecheck: e2e (e2e/tsconfig.json)', bin('tsc'), ['-p', 'e2e/tsconfig.json']);
}
if (want('lint')) check('lint (eslint, import boundaries)', bin('eslint'), ['--max-warnings', '0', '.']);
if (want('unit') || want('e2e')) {
  if (!check('build', process.execPath, ['scripts/build.mjs'])) only.add('__build_failed');
}
if (want('unit')) {
  const file = path.join(out, 'vitest.json');
  fs.rmSync(file, { force: true });
  const ok = run('unit + integration (vitest)', bin('vitest'), ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${file}`]);
  const r = readJson(file);
  if (r) {
    totals.passed += r.numPassedTests;
    totals.failed += r.numFailedTests;
    totals.skipped += r.numPendingTests + (r.numTodoTests ?? 0);
    if (!ok && r.numFailedTests === 0) totals.failed += 1; // a suite that failed to load
  } else if (!ok) totals.failed += 1;
}
if (want('e2e') && !only.has('__build_failed')) {
  const file = path.join(out, 'playwright.json');
  fs.rmSync(file, { force: true });
  const ok = run('e2e (Playwright, Chromium; Electron when installed)', bin('playwright'), ['test', '--reporter=list,json'], {
    PLAYWRIGHT_JSON_OUTPUT_NAME: file,
  });
  const r = readJson(file);
  if (r?.stats) {
    totals.passed += r.stats.expected + (r.stats.flaky ?? 0);
    totals.failed += r.stats.unexpected;
    totals.skipped += r.stats.skipped;
    if (!ok && r.stats.unexpected === 0) totals.failed += 1;
  } else if (!ok) totals.failed += 1;
}

console.log(`\n━━ summary ━━\n${rows.join('\n')}`);
console.log(`\n${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(totals.failed > 0 ? 1 : 0);
