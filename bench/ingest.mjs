// Ingest throughput: a separate client process sends 1,000,000 metric points as log-batch requests of 1000
// to `mldesk serve` over HTTP. Ceiling, same run: the same rows inserted directly with better-sqlite3
// (one row per point, indexed, batched transactions of 1000, WAL + synchronous=NORMAL).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { root, serve, tmp } from './lib.mjs';

const TOTAL = Number(process.env.POINTS ?? 1_000_000);
const BATCH = 1000;
const KEYS = 10;
const INFLIGHT = Number(process.env.INFLIGHT ?? 2);

function ceiling(dir) {
  const db = new Database(path.join(dir, 'ceiling.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE metrics (run_uuid TEXT, key TEXT, step INTEGER, timestamp INTEGER, value REAL)');
  db.exec('CREATE INDEX metrics_run_key_step ON metrics (run_uuid, key, step)');
  const ins = db.prepare('INSERT INTO metrics VALUES (?, ?, ?, ?, ?)');
  const perKey = BATCH / KEYS;
  const tx = db.transaction((b) => {
    for (let k = 0; k < KEYS; k++) {
      for (let s = 0; s < perKey; s++) {
        const step = b * perKey + s;
        ins.run('run', `metric_${k}`, step, 1_700_000_000_000 + step, Math.sin(step / 100 + k));
      }
    }
  });
  const t0 = performance.now();
  for (let b = 0; b < TOTAL / BATCH; b++) tx(b);
  const ms = performance.now() - t0;
  const n = db.prepare('SELECT count(*) FROM metrics').pluck().get();
  db.close();
  if (n !== TOTAL) throw new Error(`ceiling stored ${n} rows`);
  return ms;
}

async function json(url, body) {
  const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!r.ok) throw new Error(`${r.status} ${await r.text()}`);
  return r.json();
}

const dir = tmp();
const server = await serve(path.join(dir, 'data'));
try {
  const { run } = await json(`${server.url}/api/2.0/mlflow/runs/create`, { experiment_id: '0', run_name: 'ingest-bench' });
  const client = spawn(process.execPath, [path.join(root, 'bench', 'ingestClient.mjs'), server.url, run.info.run_id, String(TOTAL), String(BATCH), String(KEYS), String(INFLIGHT)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  client.stdout.on('data', (b) => (out += b));
  const code = await new Promise((r) => client.on('exit', r));
  if (code !== 0) throw new Error(`client exited ${code}`);
  const { ms } = JSON.parse(out);
  // Everything acknowledged must be there.
  const got = await json(`${server.url}/rpc/tracking.getRun`, { runId: run.info.run_id });
  const hist = await fetch(`${server.url}/api/2.0/mlflow/metrics/get-history?run_id=${run.info.run_id}&metric_key=metric_0`).then((r) => r.json());
  if (got.data.metrics.length !== KEYS || hist.metrics.length !== TOTAL / KEYS) throw new Error(`stored ${hist.metrics.length} points of metric_0`);

  const ceilMs = ceiling(dir);
  const rate = TOTAL / (ms / 1000);
  const ceilRate = TOTAL / (ceilMs / 1000);
  console.log(`ingest (${TOTAL.toLocaleString('en')} points, log-batch of ${BATCH}, ${KEYS} keys, ${INFLIGHT} requests in flight):`);
  console.log(`  mldesk over HTTP:          ${(rate / 1000).toFixed(0)}k points/s  (${(ms / 1000).toFixed(2)} s)`);
  console.log(`  raw better-sqlite3 rows:   ${(ceilRate / 1000).toFixed(0)}k points/s  (${(ceilMs / 1000).toFixed(2)} s)`);
  console.log(`  ratio mldesk/ceiling:      ${((rate / ceilRate) * 100).toFixed(0)}%`);
} finally {
  await server.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}
