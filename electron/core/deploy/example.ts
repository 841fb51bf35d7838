import fs from 'node:fs';
import path from 'node:path';
import { MldeskError } from '../../../shared/contract';
import type { InferInputTensor, TensorMeta } from '../../../shared/runtime';
import { autoScan, type DataService } from '../data';
import type { RegistryService } from '../registry';
import { modelLineage } from '../registry';
import type { Tracking } from '../tracking';
import type { ResolvedModel } from './containersApi';

/**
 * The "Try it" example: a request built from a model version's signature (the same loader the runtime uses, so the
 * names, types and shapes are the ones the endpoint checks) and one row of the data the version was trained on
 * (lineage: its run's dataset inputs → the project's dataset version). Without data, zeros and empty strings.
 */

export interface Example {
  oip: Record<string, unknown>;
  invocations: Record<string, unknown>;
  source: string;
}

type Row = Record<string, unknown>;

/** The model's input signature: MLmodel's tensor signature when it names the graph's inputs, else onnxruntime's. */
async function signatureOf(m: ResolvedModel): Promise<TensorMeta[]> {
  if (!m.onnxFile) throw new MldeskError('FAILED_PRECONDITION', `${m.name} v${m.version} has no ONNX model: the example needs its signature`);
  const { loadModel } = await import('../../../resources/runtime/model');
  const dir = path.dirname(m.onnxFile);
  const withMlmodel = fs.existsSync(path.join(dir, 'MLmodel')) ? dir : m.onnxFile;
  try {
    const loaded = await loadModel(withMlmodel, m.name);
    const inputs = loaded.inputs;
    await loaded.session.release?.();
    return inputs;
  } catch (e) {
    throw new MldeskError('FAILED_PRECONDITION', `The ONNX model of ${m.name} v${m.version} cannot be loaded: ${(e as Error).message.split('\n')[0]}`);
  }
}

/** One row of the first readable dataset of the version's run, and where it came from. */
async function trainingRow(registry: RegistryService, tracking: Tracking, data: DataService, m: ResolvedModel): Promise<{ row: Row; source: string } | null> {
  let lineage;
  try {
    lineage = await modelLineage(registry, tracking, data, m.name, m.version);
  } catch {
    return null;
  }
  for (const d of lineage.datasets) {
    const refs: Array<{ ref: { projectId: string; path: string; version?: string }; label: string }> = [];
    if (d.version) refs.push({ ref: { projectId: d.version.projectId, path: d.version.path, version: d.version.commit }, label: `${d.version.path} @ ${d.version.commit.slice(0, 8)}` });
    if (lineage.projectId && d.source && !/^[a-z][a-z0-9+.-]*:/i.test(d.source)) refs.push({ ref: { projectId: lineage.projectId, path: d.source }, label: `${d.source} (working copy)` });
    for (const { ref, label } of refs) {
      try {
        const r = await data.resolve(ref);
        if (!fs.existsSync(r.file)) continue;
        const [row] = await data.duck.all<Row>(`SELECT * FROM ${autoScan(r.file, r.format)} LIMIT 1`);
        if (row) return { row, source: `row 1 of ${label}, the training data of run ${lineage.run?.runId ?? '?'}` };
      } catch {
        // unreadable or gone: try the next
      }
    }
  }
  return null;
}

const norm = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');
const NOT_FEATURES = /^(id|index|label|target|y|class|outcome)$/i;

/**
 * A value of a row converted to the tensor's type (numbers for FP/INT, booleans, strings): the "Try it" example's
 * training row here, the monitor's reference sample too (monitor/reference.ts), so both send the model the same inputs.
 */
export function toTensorValue(v: unknown, dt: TensorMeta['datatype']): unknown {
  const raw = typeof v === 'bigint' ? Number(v) : v;
  switch (dt) {
    case 'FP32':
    case 'FP64': {
      // A missing or non-numeric value is JSON null: the runtime reads it as NaN (a missing number, as the model's own imputation expects).
      if (raw === null || raw === undefined || (typeof raw === 'string' && raw.trim() === '')) return null;
      const n = typeof raw === 'number' ? raw : Number(raw);
      return Number.isFinite(n) ? n : null;
    }
    case 'INT32':
    case 'INT64': {
      const n = typeof raw === 'number' ? raw : Number(raw);
      return Number.isFinite(n) ? Math.trunc(n) : 0;
    }
    case 'BOOL':
      return typeof raw === 'boolean' ? raw : /^(1|true|yes|y|t)$/i.test(String(raw ?? ''));
    case 'BYTES':
      return raw === null || raw === undefined ? '' : raw instanceof Date ? raw.toISOString().slice(0, 10) : String(raw);
  }
}

const zero = (dt: TensorMeta['datatype']): unknown => (dt === 'BYTES' ? '' : dt === 'BOOL' ? false : 0);

export async function buildExample(
  deps: { registry: RegistryService; tracking: Tracking; data: DataService },
  m: ResolvedModel,
): Promise<Example> {
  const inputs = await signatureOf(m);
  const found = await trainingRow(deps.registry, deps.tracking, deps.data, m);
  const row = found?.row ?? {};
  const columns = Object.keys(row);
  const byNorm = new Map(columns.map((c) => [norm(c), c]));
  const features = columns.filter((c) => !NOT_FEATURES.test(c) && (typeof row[c] === 'number' || typeof row[c] === 'bigint'));
  let usedRow = false;
  const tensors: InferInputTensor[] = inputs.map((meta) => {
    const shape = meta.shape.map((d, i) => (d >= 0 ? d : i === 0 ? 1 : 1));
    const n = shape.reduce((a, b) => a * b, 1);
    const col = byNorm.get(norm(meta.name));
    let data: unknown[];
    if (col !== undefined) {
      usedRow = true;
      data = new Array(n).fill(toTensorValue(row[col], meta.datatype));
    } else if (inputs.length === 1 && features.length >= (shape.at(-1) ?? 1) && n === (shape.at(-1) ?? 1)) {
      // One wide input ([-1, k]): the first k numeric columns of the row, in order.
      usedRow = true;
      data = features.slice(0, n).map((c) => toTensorValue(row[c], meta.datatype));
    } else data = new Array(n).fill(zero(meta.datatype));
    return { name: meta.name, shape, datatype: meta.datatype, data };
  });
  const perRow = (t: InferInputTensor) => t.shape.slice(1).reduce((a, b) => a * b, 1);
  // A frame of one row works when each input is one column ([-1] / [-1, 1]) or the model has one wide input.
  const wide = tensors.length === 1 && tensors[0]!.shape.length === 2 ? tensors[0]! : null;
  const wideColumns = wide && usedRow && features.length >= perRow(wide) ? features.slice(0, perRow(wide)) : wide ? Array.from({ length: perRow(wide) }, (_, i) => `${wide.name}_${i}`) : [];
  const invocations = tensors.every((t) => perRow(t) === 1)
    ? { dataframe_records: [Object.fromEntries(tensors.map((t) => [t.name, t.data[0]]))] }
    : wide && !wideColumns.some((c) => /^\d+$/.test(c))
      ? { dataframe_records: [Object.fromEntries(wideColumns.map((c, i) => [c, wide.data[i]]))] }
      : { inputs: Object.fromEntries(tensors.map((t) => [t.name, nest(t.data, t.shape)])) };
  const source = found && usedRow ? found.source : found ? `${found.source} did not match the inputs (${inputs.map((i) => i.name).join(', ')}): zeros and empty strings` : 'no training data found for this version (its run names no readable dataset): zeros and empty strings of the right types';
  return { oip: { inputs: tensors }, invocations, source };
}

function nest(flat: unknown[], shape: number[]): unknown {
  if (shape.length <= 1) return flat;
  const [, ...rest] = shape;
  const step = rest.reduce((a, b) => a * b, 1);
  const out: unknown[] = [];
  for (let i = 0; i < flat.length; i += step) out.push(nest(flat.slice(i, i + step), rest));
  return out;
}
