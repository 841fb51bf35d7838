// Keyed data diff: two CSVs of N rows × 12 mixed columns differing in ~1% of rows.
// mldesk (`mldesk data diff --key id --json`, a separate process) vs the npm `daff` library on the same files.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { root, tmp } from './lib.mjs';

const ROWS = Number(process.env.ROWS ?? 1_000_000);
const DAFF_ROWS = Number(process.env.DAFF_ROWS ?? 100_000);
const dir = tmp();

function rng(seed) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0) / 4294967296);
}
/** Writes a.csv and b.csv; b changes ~0.6% of rows, removes ~0.2%, adds ~0.2%. */
function generate(n, prefix) {
  const r = rng(42);
  const cats = ['alpha', 'beta', 'gamma', 'delta', 'eps'];
  const header = 'id,age,income,score,ratio,count,flag,city,segment,date,note,label\n';
  const row = (i, x) =>
    `${i},${18 + Math.floor(x * 60)},${(20000 + x * 90000).toFixed(2)},${Math.floor(x * 1000)},${(x * 3).toFixed(5)},${Math.floor(x * 50)},${x > 0.5},${cats[Math.floor(x * 5)]},${cats[Math.floor(x * 7) % 5]}-${i % 13},2024-0${1 + (i % 9)}-1${i % 10},"note, ${i % 101}",${x > 0.7 ? 1 : 0}\n`;
  const fa = fs.openSync(path.join(dir, `${prefix}a.csv`), 'w');
  const fb = fs.openSync(path.join(dir, `${prefix}b.csv`), 'w');
  fs.writeSync(fa, header);
  fs.writeSync(fb, header);
  let bufA = '';
  let bufB = '';
  for (let i = 0; i < n; i++) {
    const x = r();
    const u = r();
    const line = row(i, x);
    bufA += line;
    if (u < 0.002) {
      // removed in b
    } else if (u < 0.008) bufB += row(i, (x + 0.37) % 1);
    else bufB += line;
    if (u > 0.998) bufB += row(n + i, x);
    if (bufA.length > 1 << 20) {
      fs.writeSync(fa, bufA);
      fs.writeSync(fb, bufB);
      bufA = bufB = '';
    }
  }
  fs.writeSync(fa, bufA);
  fs.writeSync(fb, bufB);
  fs.closeSync(fa);
  fs.closeSync(fb);
  return [path.join(dir, `${prefix}a.csv`), path.join(dir, `${prefix}b.csv`)];
}

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

async function mldesk(a, b) {
  const t0 = performance.now();
  const { out, stats } = await child([path.join(root, 'bin', 'mldesk.js'), 'data', 'diff', a, b, '--key', 'id', '--json', '--stats', '--limit', '20', '--data-dir', path.join(dir, 'data')], true);
  const wall = performance.now() - t0;
  return { ...stats, wall, result: JSON.parse(out) };
}

try {
  const [a, b] = generate(ROWS, 'big-');
  const [sa, sb] = generate(DAFF_ROWS, 'small-');
  const mb = (fs.statSync(a).size / 1048576).toFixed(0);
  const big = await mldesk(a, b);
  const small = await mldesk(sa, sb);
  let daff = null;
  try {
    daff = await child([path.join(root, 'bench', 'diffDaff.mjs'), sa, sb, 'id']);
  } catch (e) {
    console.log(`daff failed on ${DAFF_ROWS} rows: ${e.message.slice(0, 200)}`);
  }
  const r = big.result.rows;
  console.log(`data diff (keyed on id, 12 columns; ${ROWS.toLocaleString('en')} rows, ${mb} MB per file):`);
  console.log(`  mldesk ${ROWS.toLocaleString('en')} rows: ${(big.ms / 1000).toFixed(2)} s in the diff (${(big.wall / 1000).toFixed(2)} s process wall) → ${((ROWS / big.ms) * 1000 / 1e6).toFixed(2)}M rows/s per side, peak RSS ${(big.maxRssKb / 1024).toFixed(0)} MB`);
  console.log(`    +${r.added} added, −${r.removed} removed, ~${r.changed} changed, ${r.unchanged} unchanged`);
  console.log(`  same ${DAFF_ROWS.toLocaleString('en')}-row files: mldesk ${(small.ms / 1000).toFixed(2)} s (peak ${(small.maxRssKb / 1024).toFixed(0)} MB)` + (daff ? `, daff ${(daff.ms / 1000).toFixed(2)} s (peak ${(daff.maxRssKb / 1024).toFixed(0)} MB) → mldesk is ${(daff.ms / small.ms).toFixed(1)}× faster` : ''));
  if (daff) console.log(`  daff extrapolated to ${ROWS.toLocaleString('en')} rows (linear, optimistic): ${((daff.ms * ROWS) / DAFF_ROWS / 1000).toFixed(0)} s → ${((daff.ms * ROWS) / DAFF_ROWS / big.ms).toFixed(0)}× slower than mldesk`);
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
