// Run search: 10,000 runs × 20 params × 10 metrics in one experiment; runs/search with a metric + param
// filter ordered by a metric. Baseline in the same run: a plain SELECT count(*) FROM runs on the same store.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { median, root, tmp } from './lib.mjs';

const require = createRequire(import.meta.url);
const { startServer } = require(path.join(root, 'dist', 'lib.js'));

const RUNS = Number(process.env.RUNS ?? 10_000);
const ROUNDS = 30;
const dir = tmp();
const served = await startServer({ dataDir: path.join(dir, 'data'), port: 0, uiDir: null });
const { engine } = served;
try {
  const t = engine.tracking;
  const exp = t.experiments.create('search-bench');
  const models = ['logreg', 'gbt', 'mlp'];
  const t0 = performance.now();
  for (let i = 0; i < RUNS; i++) {
    const id = t.runs.create({ experimentId: exp, runName: `run-${i}`, startTime: 1_700_000_000_000 + i }).info.run_id;
    const params = Array.from({ length: 20 }, (_, p) => ({ key: `param_${p}`, value: String((i * (p + 1)) % 97) }));
    params[0] = { key: 'model', value: models[i % 3] };
    const metrics = Array.from({ length: 10 }, (_, m) => ({ key: m === 0 ? 'val_auc' : `metric_${m}`, value: ((i * 7919 + m * 104729) % 10007) / 10007, timestamp: 1, step: 0 }));
    t.runs.logBatch(id, { params, metrics });
  }
  const loadS = (performance.now() - t0) / 1000;

  const db = engine.ctx.store.db;
  const countStmt = db.prepare('SELECT count(*) FROM runs');
  const filter = "metrics.val_auc > 0.5 AND params.model = 'gbt'";
  const orderBy = ['metrics.val_auc DESC'];
  const time = (fn) => {
    fn();
    const xs = [];
    for (let i = 0; i < ROUNDS; i++) {
      const s = performance.now();
      fn();
      xs.push(performance.now() - s);
    }
    return median(xs);
  };
  if (process.env.PLAN) {
    const orig = db.prepare.bind(db);
    let lastSql = "";
    db.prepare = (sql) => ((lastSql = sql), orig(sql));
    t.searchRuns({ experimentIds: [exp], filter, orderBy, viewType: "ACTIVE_ONLY", maxResults: 1000 });
    db.prepare = orig;
    console.log(lastSql);
    console.log(orig("EXPLAIN QUERY PLAN " + lastSql).all(...["val_auc", Number(exp), "active", "val_auc", 0.5, "model", "gbt", 1001, 0]).map((r) => r.detail).join("\n"));
  }
  const countMs = time(() => countStmt.pluck().get());
  let matched = 0;
  const coreMs = time(() => {
    matched = t.searchRuns({ experimentIds: [exp], filter, orderBy, viewType: 'ACTIVE_ONLY', maxResults: 1000 }).runIds.length;
  });
  const body = JSON.stringify({ experiment_ids: [exp], filter, order_by: orderBy, max_results: 100 });
  const httpOnce = async () => {
    const r = await fetch(`${served.url}/api/2.0/mlflow/runs/search`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const j = await r.json();
    if (!j.runs || j.runs.length !== 100) throw new Error('unexpected search result');
  };
  await httpOnce();
  const httpTimes = [];
  for (let i = 0; i < ROUNDS; i++) {
    const s = performance.now();
    await httpOnce();
    httpTimes.push(performance.now() - s);
  }
  const httpMs = median(httpTimes);
  console.log(`search (${RUNS.toLocaleString('en')} runs × 20 params × 10 metrics, loaded in ${loadS.toFixed(1)} s; median of ${ROUNDS}):`);
  console.log(`  filter: ${filter}   order_by: ${orderBy[0]}   → ${matched} matches (first 1000)`);
  console.log(`  search query (engine):            ${coreMs.toFixed(1)} ms`);
  console.log(`  runs/search over HTTP (100 runs): ${httpMs.toFixed(1)} ms`);
  console.log(`  baseline SELECT count(*):         ${countMs.toFixed(2)} ms`);
  console.log(`  ratio search/count:               ${(coreMs / countMs).toFixed(0)}x   (HTTP: ${(httpMs / countMs).toFixed(0)}x)`);
} finally {
  await served.close();
  fs.rmSync(dir, { recursive: true, force: true });
}
