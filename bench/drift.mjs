// Batch drift: a reference and a drifted current CSV of ROWS rows × 10 numeric + 2 categorical columns.
// mldesk (`mldesk drift --json --all`, a separate process: every statistic of every column) against pandas + scipy
// in the same run (Debian's /usr/bin/python3: read_csv both files, then ks_2samp, wasserstein_distance and PSI per
// numeric column), whole processes timed; then the largest difference of mldesk's statistics from scipy's.
// Goal: within 1e-6 of scipy, ≥ 2× faster than pandas + scipy.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { root, tmp, median } from './lib.mjs';

const ROWS = Number(process.env.ROWS ?? 1_000_000);
const RUNS = Number(process.env.RUNS ?? 3);
const PYTHON = fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const dir = tmp('mldesk-bench-drift-');

function rng(seed) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0) / 4294967296);
}

/**
 * Ten numeric columns of different shapes (normal, log-normal, uniform, exponential, integers with ties, a
 * bimodal mix, a column with missing values) and two categorical ones; `drift` shifts some of them: a
 * large shift, a small one (a p-value between 0 and 1) and none.
 */
function generate(file, n, seed, drift) {
  const r = rng(seed);
  const normal = () => {
    let u = 0;
    while (u === 0) u = r();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
  };
  const cities = ['berlin', 'paris', 'rome', 'madrid', 'vienna', 'oslo', 'lisbon', 'prague'];
  const tiers = ['bronze', 'silver', 'gold'];
  const fd = fs.openSync(file, 'w');
  fs.writeSync(fd, 'n_normal,n_lognormal,n_uniform,n_expo,n_int,n_bimodal,n_missing,n_small_shift,n_scaled,n_stable,city,tier\n');
  let buf = '';
  for (let i = 0; i < n; i++) {
    const cols = [
      (normal() * 10 + 50 + (drift ? 2 : 0)).toFixed(4),
      Math.exp(normal() * 0.5 + 10).toFixed(2),
      (r() * 100).toFixed(3),
      (-Math.log(1 - r()) * (drift ? 1.2 : 1)).toFixed(5),
      String(Math.floor(r() * 40 + (drift ? r() * 3 : 0))),
      (r() < 0.3 ? normal() * 2 - 5 : normal() * 3 + 8).toFixed(4),
      r() < (drift ? 0.08 : 0.02) ? '' : (normal() * 5).toFixed(3),
      (normal() + (drift ? 0.004 : 0)).toFixed(6),
      (normal() * (drift ? 1.1 : 1)).toFixed(6),
      (normal() * 7 + 3).toFixed(5),
      cities[Math.floor(Math.pow(r(), drift ? 1.15 : 1) * cities.length)],
      tiers[Math.floor(r() * tiers.length)],
    ];
    buf += cols.join(',') + '\n';
    if (buf.length > 1 << 20) {
      fs.writeSync(fd, buf);
      buf = '';
    }
  }
  fs.writeSync(fd, buf);
  fs.closeSync(fd);
}

function run(cmd, args) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('exit', (code) => {
      const ms = performance.now() - t0;
      // mldesk drift exits 1 when the dataset drifted: that is a result, not a failure.
      if (code === 0 || code === 1) resolve({ ms, out, err, code });
      else reject(new Error(`${cmd} exited ${code}: ${err.slice(0, 2000)}`));
    });
  });
}

// pandas + scipy: what a data scientist would run. PSI as mldesk defines it: 10 bins at the reference's
// quantiles (numpy's default linear method), a value v in bin #{edges <= v}, shares floored at 1e-4.
const PY = `
import json, sys, time
t0 = time.perf_counter()
import numpy as np, pandas as pd
from scipy import stats
ref = pd.read_csv(sys.argv[1]); cur = pd.read_csv(sys.argv[2])
t1 = time.perf_counter()
out = {}
for c in ref.columns:
    if not pd.api.types.is_numeric_dtype(ref[c]): continue
    a = ref[c].dropna().to_numpy(); b = cur[c].dropna().to_numpy()
    ks = stats.ks_2samp(a, b)
    w = stats.wasserstein_distance(a, b) / max(np.std(a), 0.001)
    edges = np.quantile(a, np.arange(1, 10) / 10)
    ra = np.bincount(np.searchsorted(edges, a, side='right'), minlength=10) / len(a)
    rb = np.bincount(np.searchsorted(edges, b, side='right'), minlength=10) / len(b)
    ra = np.maximum(ra, 1e-4); rb = np.maximum(rb, 1e-4)
    psi = float(np.sum((rb - ra) * np.log(rb / ra)))
    out[c] = {'ks': float(ks.statistic), 'ks_p': float(ks.pvalue), 'wasserstein': float(w), 'psi': psi}
t2 = time.perf_counter()
print(json.dumps({'stats': out, 'read_s': t1 - t0, 'stats_s': t2 - t1}))
`;

const s = (ms) => `${(ms / 1000).toFixed(2)} s`;

try {
  const ref = path.join(dir, 'reference.csv');
  const cur = path.join(dir, 'current.csv');
  const g0 = performance.now();
  generate(ref, ROWS, 1, false);
  generate(cur, ROWS, 2, true);
  const mb = (fs.statSync(ref).size / 1048576).toFixed(0);
  console.log(`drift: ${ROWS.toLocaleString('en')} rows × 10 numeric + 2 categorical columns, ${mb} MB per file (generated in ${s(performance.now() - g0)})`);

  const mldeskArgs = [path.join(root, 'bin', 'mldesk.js'), 'drift', ref, cur, '--json', '--all', '--stats', '--data-dir', path.join(dir, 'data')];
  const m = [];
  const p = [];
  let report = null;
  let scipy = null;
  // Alternate the two, so both see the same page cache and machine load.
  for (let i = 0; i < RUNS; i++) {
    const a = await run(process.execPath, mldeskArgs);
    m.push(a.ms);
    report = JSON.parse(a.out);
    const b = await run(PYTHON, ['-c', PY, ref, cur]);
    p.push(b.ms);
    scipy = JSON.parse(b.out);
  }
  const tm = median(m);
  const tp = median(p);

  let maxDiff = 0;
  let worst = '';
  const diffs = {};
  for (const [col, want] of Object.entries(scipy.stats)) {
    const c = report.columns.find((x) => x.column === col);
    const got = c.statistics;
    const pairs = [
      ['ks', got.ks.statistic, want.ks],
      ['ks p-value', got.ks.pValue, want.ks_p],
      ['wasserstein/std', got.wasserstein.statistic, want.wasserstein],
      ['psi', got.psi.statistic, want.psi],
    ];
    for (const [what, x, y] of pairs) {
      const d = Math.abs(x - y);
      diffs[what] = Math.max(diffs[what] ?? 0, d);
      if (!(d <= maxDiff)) {
        maxDiff = d;
        worst = `${col} ${what}: mldesk ${x} vs scipy ${y}`;
      }
    }
  }
  const drifted = report.columns.filter((c) => c.drifted).map((c) => c.column);
  console.log(`  mldesk drift (whole process, median of ${RUNS}): ${s(tm)}  [runs ${m.map(s).join(', ')}]`);
  console.log(`  pandas + scipy (whole process, median of ${RUNS}): ${s(tp)}  (read_csv ${s(scipy.read_s * 1000)}, statistics ${s(scipy.stats_s * 1000)})  [runs ${p.map(s).join(', ')}]`);
  console.log(`  → mldesk ${(tp / tm).toFixed(2)}× faster (goal ≥ 2×)${tp / tm >= 2 ? '' : ' — GOAL MISSED'}`);
  console.log(`  max |mldesk − scipy|: ${maxDiff.toExponential(2)} (goal ≤ 1e-6)${maxDiff <= 1e-6 ? '' : ' — GOAL MISSED'}; by statistic: ${Object.entries(diffs).map(([k, v]) => `${k} ${v.toExponential(1)}`).join(', ')}`);
  if (maxDiff > 1e-6) console.log(`    worst: ${worst}`);
  console.log(`  report: ${report.driftedColumns} of ${report.columns.length} columns drifted (${drifted.join(', ')}); dataset drift: ${report.datasetDrift}`);
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
