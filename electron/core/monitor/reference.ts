import fs from 'node:fs';
import path from 'node:path';
import type { ReferenceInfo } from '../../../shared/contract';
import type { InferInputTensor, TensorMeta } from '../../../shared/runtime';
import { autoScan, cellOf, NUMERIC_TYPE, type DataService } from '../data';
import { toTensorValue, type DeployService } from '../deploy';
import { modelLineage, trainingDataset, type RegistryService } from '../registry';
import type { Tracking } from '../tracking';
import { predictions, type Cell, type Prediction } from './flatten';
import type { Containers } from '../containers';

/**
 * The reference a deployment's windows are compared with: the training dataset version of the deployed model version
 * (lineage: model version → run → its dataset inputs → the project's dataset version), or the user's override. It is
 * loaded once per deployment as a sample of at most REFERENCE_ROWS rows chosen by a hash of each row (deterministic,
 * whatever the file order or thread count), so Evidently's "> 1000 rows" method choice is made the same way every time.
 * The deployed model's outputs on that sample (onnxruntime in the app, once) are the prediction-drift reference.
 */

export const REFERENCE_ROWS = 5000;
/** Columns that are never features (ids, labels) when a wide input is mapped onto the reference's numeric columns. */
const NOT_FEATURES = /^(id|index|label|target|y|class|outcome)$/i;

export interface DatasetRef {
  projectId: string;
  path: string;
  commit: string | null;
  source: 'lineage' | 'override';
}

export interface RefColumn {
  kind: 'numeric' | 'categorical';
  values: Cell[];
}

export interface ReferenceSample {
  /** Identity of what was loaded (a changed override or model version loads again). */
  key: string;
  dataset: DatasetRef | null;
  info: ReferenceInfo;
  columns: Map<string, RefColumn>;
  /** Numeric feature columns in file order: the names of a wide input's values (x[0] → the first…). */
  wide: string[];
  predictions: Prediction[] | null;
}

export interface ReferenceDeps {
  registry: RegistryService;
  tracking: Tracking;
  data: DataService;
  deploy: DeployService;
  containers: Pick<Containers, 'resolveModel'>;
}


/** The training dataset of a model version, through lineage: its first dataset with a version (a "train" one preferred), else its working copy. */
export async function lineageDataset(deps: ReferenceDeps, model: string, version: string): Promise<{ ref: DatasetRef | null; problem: string | null }> {
  let lineage;
  try {
    lineage = await modelLineage(deps.registry, deps.tracking, deps.data, model, version);
  } catch (e) {
    return { ref: null, problem: `no lineage for ${model} v${version}: ${(e as Error).message}` };
  }
  const trained = trainingDataset(lineage);
  if (trained) return { ref: { ...trained, source: 'lineage' }, problem: null };
  return { ref: null, problem: lineage.run ? `the run of ${model} v${version} recorded no dataset it was trained on` : `${model} v${version} has no run (no lineage to a dataset)` };
}

/** A deterministic sample of the dataset (at most REFERENCE_ROWS rows), column by column. */
export async function loadSample(data: DataService, ref: DatasetRef): Promise<{ columns: Map<string, RefColumn>; wide: string[]; rows: number; total: number; label: string }> {
  const r = await data.resolve({ projectId: ref.projectId, path: ref.path, ...(ref.commit ? { version: ref.commit } : {}) });
  if (!fs.existsSync(r.file)) throw new Error(`${r.label} is not on disk`);
  const from = autoScan(r.file, r.format);
  const types = await data.duck.all<{ column_name: string; column_type: string }>(`DESCRIBE SELECT * FROM ${from}`);
  const n = (await data.duck.all<{ n: bigint | number }>(`SELECT COUNT(*) AS n FROM ${from}`))[0]?.n ?? 0;
  const rows = await data.duck.all<Record<string, unknown>>(`SELECT * FROM ${from} AS t ORDER BY hash(t) LIMIT ${REFERENCE_ROWS}`);
  const columns = new Map<string, RefColumn>();
  const wide: string[] = [];
  for (const { column_name: c, column_type: t } of types) {
    const numeric = NUMERIC_TYPE.test(t);
    columns.set(c, { kind: numeric ? 'numeric' : 'categorical', values: rows.map((row) => cellOf(row[c], numeric)) });
    if (numeric && !NOT_FEATURES.test(c) && !/_id$/i.test(c)) wide.push(c);
  }
  return { columns, wide, rows: rows.length, total: Number(n), label: r.label };
}

const norm = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');

/**
 * The deployed model's predictions on the sample, computed here with onnxruntime (the runtime's own loader, so the
 * signature and conversions are the endpoint's). Null with the reason when the version has no ONNX file or its inputs
 * cannot be filled from the sample's columns.
 */
export async function modelPredictions(deps: ReferenceDeps, model: string, version: string, sample: { columns: Map<string, RefColumn>; wide: string[]; rows: number }): Promise<{ predictions: Prediction[] | null; problem: string | null }> {
  let m;
  try {
    m = await deps.containers.resolveModel({ model, version });
  } catch (e) {
    return { predictions: null, problem: (e as Error).message };
  }
  if (!m.onnxFile) return { predictions: null, problem: `${model} v${version} has no ONNX file` };
  const { loadModel, infer } = await import('../../../resources/runtime/model');
  const dir = path.dirname(m.onnxFile);
  let loaded;
  try {
    loaded = await loadModel(fs.existsSync(path.join(dir, 'MLmodel')) ? dir : m.onnxFile, m.name);
  } catch (e) {
    return { predictions: null, problem: `the ONNX model cannot be loaded: ${(e as Error).message.split('\n')[0]}` };
  }
  try {
    const byNorm = new Map([...sample.columns.keys()].map((c) => [norm(c), c]));
    const plan: Array<{ meta: TensorMeta; cols: string[] }> = [];
    for (const meta of loaded.inputs) {
      const k = meta.shape.slice(1).reduce((a, b) => a * (b > 0 ? b : 1), 1);
      const col = byNorm.get(norm(meta.name));
      if (col !== undefined && k === 1) plan.push({ meta, cols: [col] });
      else if (loaded.inputs.length === 1 && sample.wide.length >= k) plan.push({ meta, cols: sample.wide.slice(0, k) });
      else return { predictions: null, problem: `input '${meta.name}' has no column in the reference` };
    }
    const out: Prediction[] = [];
    const BATCH = 1000;
    for (let lo = 0; lo < sample.rows; lo += BATCH) {
      const hi = Math.min(sample.rows, lo + BATCH);
      const tensors: InferInputTensor[] = plan.map(({ meta, cols }) => {
        const data: unknown[] = [];
        for (let i = lo; i < hi; i++) for (const c of cols) data.push(toTensorValue(sample.columns.get(c)!.values[i]!, meta.datatype));
        const shape = meta.shape.length <= 1 ? [hi - lo] : [hi - lo, ...meta.shape.slice(1).map((d) => (d > 0 ? d : 1))];
        return { name: meta.name, shape, datatype: meta.datatype, data };
      });
      const outs = await infer(loaded, tensors);
      out.push(...predictions('/v2/models/{name}/infer', outs));
    }
    return { predictions: out, problem: null };
  } catch (e) {
    return { predictions: null, problem: `the model could not score the reference: ${(e as Error).message.split('\n')[0]}` };
  } finally {
    await loaded.session.release?.();
  }
}
