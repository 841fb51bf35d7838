// Permutation importance: ROWS rows × 12 features × 5 repeats, roc_auc, seed 0.
// scikit-learn (Debian's /usr/bin/python3: `permutation_importance` of a fitted LogisticRegression) against mldesk's
// (electron/core/insight: onnxruntime-node in a worker thread, on the same model written as an ONNX graph
// MatMul + Add + Sigmoid) in the same run; both timed around the permutation-importance call only (data and model
// already loaded). mldesk uses numpy's shuffles, so it also prints the largest difference of the importances.
//   node bench/explain-permutation.mjs            (ROWS=100000 REPEATS=5 by default)
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { build } from 'esbuild';
import { root } from './lib.mjs';

const ROWS = Number(process.env.ROWS ?? 100_000);
const REPEATS = Number(process.env.REPEATS ?? 5);
const K = 12;
const PYTHON = '/usr/bin/python3';
// Inside the repo (gitignored) so the bundles' external onnxruntime-node resolves from node_modules.
const dir = fs.mkdtempSync(path.join(root, 'bench', '_tmp_explain_perm_'));

const PY = String.raw`
import json, sys, time
import numpy as np, onnx
from onnx import helper, TensorProto, numpy_helper
from sklearn.linear_model import LogisticRegression
from sklearn.inspection import permutation_importance
out, n, k, repeats = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
rng = np.random.RandomState(1)
X = rng.normal(size=(n, k))
w = np.linspace(1.5, -1.5, k) * (np.arange(k) % 3 != 2)
y = (rng.uniform(size=n) < 1 / (1 + np.exp(-(X @ w)))).astype(np.float64)
clf = LogisticRegression().fit(X, y)
W = numpy_helper.from_array(clf.coef_[0].astype(np.float32).reshape(k, 1), 'W')
B = numpy_helper.from_array(clf.intercept_.astype(np.float32), 'B')
one = numpy_helper.from_array(np.asarray([1.0], dtype=np.float32), 'one')
nodes = [helper.make_node('MatMul', ['X', 'W'], ['xw']), helper.make_node('Add', ['xw', 'B'], ['z']),
         helper.make_node('Sigmoid', ['z'], ['p']), helper.make_node('Sub', ['one', 'p'], ['q']),
         helper.make_node('Concat', ['q', 'p'], ['probabilities'], axis=1)]
g = helper.make_graph(nodes, 'logreg', [helper.make_tensor_value_info('X', TensorProto.FLOAT, [None, k])],
                      [helper.make_tensor_value_info('probabilities', TensorProto.FLOAT, [None, 2])], [W, B, one])
m = helper.make_model(g, opset_imports=[helper.make_opsetid('', 13)]); m.ir_version = 8
onnx.save(m, out + '/model.onnx')
np.concatenate([X, y[:, None]], axis=1).astype('<f8').tofile(out + '/data.f64')
t0 = time.perf_counter()
r = permutation_importance(clf, X, y, n_repeats=repeats, random_state=0, scoring='roc_auc')
secs = time.perf_counter() - t0
json.dump({'seconds': secs, 'mean': r.importances_mean.tolist()}, open(out + '/sklearn.json', 'w'))
`;

try {
  fs.writeFileSync(path.join(dir, 'ref.py'), PY);
  const py = spawnSync(PYTHON, [path.join(dir, 'ref.py'), dir, String(ROWS), String(K), String(REPEATS)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (py.status !== 0) throw new Error(`python failed (${py.status})`);
  const sk = JSON.parse(fs.readFileSync(path.join(dir, 'sklearn.json'), 'utf8'));

  // The engine's code as the app ships it: an esbuild bundle and the insightWorker bundle next to it.
  fs.writeFileSync(path.join(dir, 'entry.ts'), `export { onnxPredict } from '${root}/electron/core/insight/predict';\nexport { permutationImportance } from '${root}/electron/core/insight/global';\n`);
  const common = { absWorkingDir: root, bundle: true, platform: 'node', target: 'node20', format: 'cjs', packages: 'external', logLevel: 'warning' };
  await build({ ...common, entryPoints: { insight: path.join(dir, 'entry.ts'), insightWorker: 'electron/core/insight/worker.ts' }, outdir: dir });
  const { onnxPredict, permutationImportance } = createRequire(import.meta.url)(path.join(dir, 'insight.js'));

  const flat = new Float64Array(fs.readFileSync(path.join(dir, 'data.f64')).buffer.slice(0));
  const rows = new Array(ROWS);
  const labels = new Float64Array(ROWS);
  for (let i = 0; i < ROWS; i++) {
    const r = {};
    for (let j = 0; j < K; j++) r[`f${j}`] = flat[i * (K + 1) + j];
    rows[i] = r;
    labels[i] = flat[i * (K + 1) + K];
  }
  const model = await onnxPredict(path.join(dir, 'model.onnx'), { worker: path.join(dir, 'insightWorker.js') });
  try {
    const t0 = performance.now();
    const res = await permutationImportance(model.predict, rows, labels, model.features, { repeats: REPEATS, seed: 0, scoring: 'roc_auc' });
    const ours = (performance.now() - t0) / 1000;
    const byName = new Map(res.features.map((f) => [f.feature, f.mean]));
    const diff = Math.max(...sk.mean.map((m, j) => Math.abs(m - byName.get(`f${j}`))));
    console.log(`permutation importance, ${ROWS} rows × ${K} features × ${REPEATS} repeats, roc_auc (${1 + K * REPEATS} scorings)`);
    console.log(`  scikit-learn ${sk.seconds.toFixed(2)} s   mldesk (onnxruntime worker) ${ours.toFixed(2)} s   ratio sklearn/mldesk ${(sk.seconds / ours).toFixed(2)}×`);
    console.log(`  largest |importance difference| ${diff.toExponential(2)} (same numpy shuffles; float32 graph vs float64 sklearn)`);
  } finally {
    await model.close();
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
