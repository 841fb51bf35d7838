// Keyed data diff: two CSVs of N rows × 12 mixed columns differing in ~1% of rows.
// mldesk (`mldesk data diff --key id --json`, a separate process) vs the npm `daff` library on the same files,
// at 1M rows and at 100k rows; plus mldesk's DuckDB engine (the out-of-core path for files beyond memory).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { generatePair } from './csvGen.mjs';
import { root, tmp } from './lib.mjs';

const ROWS = Number(process.env.ROWS ?? 1_000_000);
const SMALL_ROWS = Number(process.env.SMALL_ROWS ?? 100_000);
const dir = tmp();

function child(args, parseStderr) {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('exit', (code) => (code === 0 ? resolve(parseStderr ? { out, stats: JSON.parse(err.trim().split('\n').pop()) } : JSON.parse(out)) : reject(new Error(`exit ${code}: ${err}`))));
  });
}

async function mldesk(a, b, engine = 'auto') {
  const t0 = performance.now();
  const args = [path.join(root, 'bin', 'mldesk.js'), 'data', 'diff', a, b, '--key', 'id', '--json', '--stats', '--limit', '20', '--engine', engine, '--data-dir', path.join(dir, 'data')];
  const { out, stats } = await child(args, true);
  const wall = performance.now() - t0;
  return { ...stats, wall, result: JSON.parse(out) };
}
const daff = (a, b) => child([path.join(root, 'bench', 'diffDaff.mjs'), a, b, 'id']).catch((e) => ({ error: e.message.slice(0, 200) }));
const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
const mb = (kb) => `${(kb / 1024).toFixed(0)} MB`;
const rate = (rows, ms) => `${((rows / ms) * 1000 / 1e6).toFixed(2)}M rows/s per side`;

try {
  const [a, b] = generatePair(dir, ROWS, 'big-');
  const [sa, sb] = generatePair(dir, SMALL_ROWS, 'small-');
  const size = (fs.statSync(a).size / 1048576).toFixed(0);
  const big = await mldesk(a, b);
  const small = await mldesk(sa, sb);
  const duck = await mldesk(a, b, 'duckdb');
  const daffSmall = await daff(sa, sb);
  const daffBig = await daff(a, b);
  const r = big.result.rows;
  const same = JSON.stringify(duck.result.rows) === JSON.stringify(r) && JSON.stringify(duck.result.changedByColumn) === JSON.stringify(big.result.changedByColumn);
  console.log(`data diff (keyed on id, 12 columns, ~1% of rows differ; ${ROWS.toLocaleString('en')} rows = ${size} MB per file):`);
  console.log(`  +${r.added} added, −${r.removed} removed, ~${r.changed} changed, ${r.unchanged} unchanged${same ? ' (DuckDB engine agrees)' : ' — DuckDB ENGINE DISAGREES'}`);
  const vs = (d, m) => (d.error ? `daff failed: ${d.error}` : `daff ${s(d.ms)} (peak ${mb(d.maxRssKb)}) → mldesk ${(d.ms / m.ms).toFixed(1)}× faster`);
  console.log(`  ${ROWS.toLocaleString('en')} rows: mldesk ${s(big.ms)} in the diff (${s(big.wall)} process wall), ${rate(ROWS, big.ms)}, peak ${mb(big.maxRssKb)}; ${vs(daffBig, big)}`);
  console.log(`  ${SMALL_ROWS.toLocaleString('en')} rows: mldesk ${s(small.ms)} (${s(small.wall)} wall), ${rate(SMALL_ROWS, small.ms)}, peak ${mb(small.maxRssKb)}; ${vs(daffSmall, small)}`);
  console.log(`  mldesk --engine duckdb (out-of-core path), ${ROWS.toLocaleString('en')} rows: ${s(duck.ms)}, peak ${mb(duck.maxRssKb)} → the scan engine is ${(duck.ms / big.ms).toFixed(1)}× faster`);
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
