// The ONNX models the serving and deploy tests use, written into a folder. Standalone (python3 and Node built-ins):
// swarm.test.ts avoids tests/helpers.ts, which loads the whole engine.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';

const repoRoot = path.resolve(__dirname, '..');

/**
 * tests/fixtures/make_models.py's models (logreg.onnx, mixed.onnx, mlflow_logreg/) in `dir`, and two more:
 * logreg_v2.onnx, the same graph with other weights (a second version that answers differently), and broken.onnx,
 * bytes that are not ONNX (a version that never loads).
 */
export function makeTestModels(dir: string): void {
  execFileSync('/usr/bin/python3', [path.join(repoRoot, 'tests/fixtures/make_models.py'), dir]);
  execFileSync('/usr/bin/python3', [
    '-c',
    `import onnx,sys
from onnx import helper, TensorProto
m = onnx.load(sys.argv[1])
for t in m.graph.initializer:
    if t.name == 'W':
        t.CopyFrom(helper.make_tensor('W', TensorProto.FLOAT, [4, 1], [-0.5, 1.0, 0.25, -0.75]))
onnx.save(m, sys.argv[2])`,
    path.join(dir, 'logreg.onnx'),
    path.join(dir, 'logreg_v2.onnx'),
  ]);
  fs.writeFileSync(path.join(dir, 'broken.onnx'), 'this is not an ONNX model\n');
}

/** What in-process onnxruntime answers for a logreg model (x: float32[N,4] → prob: float32[N,1]): one value a row. */
export async function logregProbs(file: string, rows: number[][]): Promise<number[]> {
  const sess = await ort.InferenceSession.create(file);
  const out = await sess.run({ x: new ort.Tensor('float32', Float32Array.from(rows.flat()), [rows.length, 4]) });
  return Array.from(out.prob!.data as Float32Array);
}
