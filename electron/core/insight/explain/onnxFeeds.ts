/**
 * Rows of raw columns → onnxruntime feeds, and a batch `Predict` over an ONNX model.
 *
 * Two input layouts are understood: one input per column ([N,1] or [N], the mldesk/MLflow convention the demo
 * uses), or a single numeric matrix input [N, k] filled from the features in order (a plain sklearn-onnx export).
 */
import * as ort from 'onnxruntime-node';
import { MldeskError } from '../../../../shared/contract/errors';
import type { Cell, FeatureSpec, Predict, Row } from '../types';

const isMissing = (v: Cell | undefined) => v === null || v === undefined || v === '' || (typeof v === 'number' && Number.isNaN(v));

function toNumber(v: Cell | undefined): number {
  if (isMissing(v)) return NaN;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return typeof v === 'number' ? v : Number(v); // a non-numeric string becomes NaN (missing)
}

function rowShape(meta: ort.InferenceSession.ValueMetadata, n: number, width = 1): number[] {
  const rank = meta.isTensor ? meta.shape.length : 2;
  return rank === 1 ? [n] : [n, width];
}

/** Tensor of one column (rows' `name` values) in the input's element type. */
function columnTensor(meta: ort.InferenceSession.ValueMetadata, rows: readonly Row[], name: string): ort.Tensor {
  const n = rows.length;
  const type = meta.isTensor ? meta.type : 'float64';
  const dims = rowShape(meta, n);
  switch (type) {
    case 'string':
      return new ort.Tensor('string', rows.map((r) => (isMissing(r[name]) ? '' : String(r[name]))), dims);
    case 'float64':
    case 'float32': {
      const arr = type === 'float64' ? new Float64Array(n) : new Float32Array(n);
      for (let i = 0; i < n; i++) arr[i] = toNumber(rows[i]![name]);
      return new ort.Tensor(type, arr, dims);
    }
    case 'int64':
    case 'int32': {
      const vals = rows.map((r) => {
        const v = toNumber(r[name]);
        if (!Number.isInteger(v)) throw new MldeskError('INVALID_INPUT', `column ${name} needs integers, got ${String(r[name])}`);
        return v;
      });
      return type === 'int64' ? new ort.Tensor('int64', BigInt64Array.from(vals, (v) => BigInt(v)), dims) : new ort.Tensor('int32', Int32Array.from(vals), dims);
    }
    case 'bool':
      return new ort.Tensor('bool', Uint8Array.from(rows, (r) => (toNumber(r[name]) ? 1 : 0)), dims);
    default:
      throw new MldeskError('FAILED_PRECONDITION', `input ${meta.name}: unsupported type ${type}`);
  }
}

/** Feeds for `rows`: per-column inputs by name, or one matrix input filled from `features` in order. */
export function rowsToFeeds(session: ort.InferenceSession, rows: readonly Row[], features?: readonly FeatureSpec[]): Record<string, ort.Tensor> {
  const metas = session.inputMetadata;
  const feeds: Record<string, ort.Tensor> = {};
  const matrix = metas.length === 1 && metas[0]!.isTensor && metas[0]!.shape.length === 2 && typeof metas[0]!.shape[1] === 'number' && metas[0]!.shape[1] > 1;
  if (matrix) {
    const meta = metas[0]!;
    if (!meta.isTensor || (meta.type !== 'float32' && meta.type !== 'float64')) throw new MldeskError('FAILED_PRECONDITION', `input ${meta.name}: a matrix input must be float or double`);
    const k = meta.shape[1] as number;
    if (!features || features.length !== k) throw new MldeskError('INVALID_INPUT', `input ${meta.name} takes ${k} columns: pass that many features, in order`);
    const arr = meta.type === 'float64' ? new Float64Array(rows.length * k) : new Float32Array(rows.length * k);
    rows.forEach((r, i) => features.forEach((f, j) => (arr[i * k + j] = toNumber(r[f.name]))));
    feeds[meta.name] = new ort.Tensor(meta.type, arr, [rows.length, k]);
    return feeds;
  }
  for (const meta of metas) feeds[meta.name] = columnTensor(meta, rows, meta.name);
  return feeds;
}

/** Column `col` of a [N, C] (or [N]) numeric output as doubles. */
export function outputColumn(t: ort.Tensor, col: number): Float64Array {
  const data = t.data as ArrayLike<number | bigint>;
  const c = t.dims.length >= 2 ? t.dims[1]! : 1;
  const n = t.dims[0] ?? data.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = Number(data[i * c + Math.min(col, c - 1)]!);
  return out;
}

export interface OnnxPredictOptions {
  /** Output to read. Default: `probabilities` when present (column 1, the positive class), else the first output. */
  output?: string;
  column?: number;
  /** For a single matrix input: the features in column order. */
  features?: readonly FeatureSpec[];
  /** Default { intraOpNumThreads: 1 }: explainers make many mid-sized runs, where one thread wastes no CPU spinning. */
  sessionOptions?: ort.InferenceSession.SessionOptions;
}

export const SESSION_OPTIONS: ort.InferenceSession.SessionOptions = { intraOpNumThreads: 1 };

/** A `Predict` over an ONNX model (bytes or a loaded session): one onnxruntime run per call. */
export async function onnxPredict(model: Uint8Array | ort.InferenceSession, opts: OnnxPredictOptions = {}): Promise<Predict & { session: ort.InferenceSession }> {
  const session = model instanceof Uint8Array ? await ort.InferenceSession.create(model, opts.sessionOptions ?? SESSION_OPTIONS) : model;
  const output = opts.output ?? (session.outputNames.includes('probabilities') ? 'probabilities' : session.outputNames[0]!);
  const column = opts.column ?? (output === 'probabilities' ? 1 : 0);
  const predict = async (rows: Row[]) => {
    if (rows.length === 0) return new Float64Array(0);
    const res = await session.run(rowsToFeeds(session, rows, opts.features), [output]);
    return outputColumn(res[output]!, column);
  };
  return Object.assign(predict, { session });
}
