// Files larger than the memory mldesk is given: `data add`, `data profile` and `data diff` of two CSVs of ROWS
// rows (default 8M ≈ 600 MB each) with DuckDB capped at MEM (default 256MB) and the diff's in-memory scan
// refused (budget 16 MB), so everything streams or spills to disk. Prints each command's time and peak RSS next
// to the data size; then the default diff (in-memory scan engine) on the same files for reference.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { generatePair } from './csvGen.mjs';
import { root, tmp } from './lib.mjs';

const ROWS = Number(process.env.ROWS ?? 8_000_000);
const MEM = process.env.MEM ?? '256MB';
const dir = tmp();
const dataDir = path.join(dir, 'mldesk-data');

function mldesk(args, env = {}) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const p = spawn(process.execPath, [path.join(root, 'bin', 'mldesk.js'), 'data', ...args, '--stats', '--data-dir', dataDir], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`mldesk data ${args[0]} exit ${code}: ${err}`));
      const stats = JSON.parse(err.trim().split('\n').pop());
      resolve({ ...stats, wall: performance.now() - t0, out });
    });
  });
}

try {
  const project = path.join(dir, 'project');
  fs.mkdirSync(project);
  spawnSync('git', ['init', '-q', project]);
  const [a, b] = generatePair(project, ROWS, 'big-');
  const gb = (f) => fs.statSync(f).size / 1073741824;
  const capped = { MLDESK_DUCKDB_MEMORY: MEM, MLDESK_DIFF_MEMORY_MB: '16' };
  const add = await mldesk(['add', a, '--project', project], capped);
  const profile = await mldesk(['profile', a, '--json'], capped);
  const diff = await mldesk(['diff', a, b, '--key', 'id', '--json', '--limit', '5'], capped);
  const scan = await mldesk(['diff', a, b, '--key', 'id', '--json', '--limit', '5']);
  const d = JSON.parse(diff.out);
  const sd = JSON.parse(scan.out);
  const row = (what, r, data) => `  ${what.padEnd(44)} ${(r.ms / 1000).toFixed(1).padStart(6)} s   peak RSS ${(r.maxRssKb / 1024).toFixed(0).padStart(5)} MB   (${((r.maxRssKb / 1048576 / data) * 100).toFixed(0)}% of the data)`;
  console.log(`large files: ${ROWS.toLocaleString('en')} rows, ${gb(a).toFixed(2)} GB + ${gb(b).toFixed(2)} GB; DuckDB memory_limit ${MEM}, scan budget 16 MB`);
  console.log(row('data add (strict read, hash + copy to cache)', add, gb(a)));
  console.log(row('data profile', profile, gb(a)));
  console.log(row(`data diff --key id (engine ${d.engine})`, diff, gb(a) + gb(b)));
  console.log(row(`data diff --key id, default (engine ${sd.engine})`, scan, gb(a) + gb(b)));
  const same = JSON.stringify(d.rows) === JSON.stringify(sd.rows);
  console.log(`  rows: ${JSON.stringify(d.rows)}${same ? ' — both engines agree' : ` — ENGINES DISAGREE: ${JSON.stringify(sd.rows)}`}`);
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
