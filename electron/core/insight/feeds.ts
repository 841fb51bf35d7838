/**
 * Rows of raw columns → the inputs of an ONNX model: how each input is filled (one tensor per column, or one wide
 * numeric [N,k] tensor) and the batch buffers for it, with the conversion the "Try it" example and the monitor's
 * reference use (toTensorValue). Plain buffers (Float64Array or strings per input, no onnxruntime here): predict.ts
 * sends them to its worker, the explainers' in-process session (explain/onnxFeeds.ts) turns them into tensors in place;
 * worker.ts's tensorsOf makes the tensors in both.
 */
import { MldeskError } from '../../../shared/contract/errors';
import { toTensorValue } from '../deploy/example';
import type { FeatureSpec } from './types';
import type { Feed, ValueInfo } from './worker';

/** Input → how rows fill it. */
export type Plan =
  | { mode: 'columns'; inputs: Array<{ info: ValueInfo; kind: 'number' | 'string' | 'bool' }> }
  | { mode: 'wide'; info: ValueInfo; names: string[] };

export const NUMERIC = new Set(['float32', 'float64', 'int64', 'int32', 'int16', 'int8', 'uint8', 'uint16', 'uint32', 'uint64', 'float16']);
const perRow = (shape: number[]) => shape.slice(1).reduce((a, b) => a * b, 1);

/** Column names of an MLflow column-based input signature (`inputs: '[{"name": …, "type": "double"}, …]'`). */
function signatureColumns(mlmodel: string | undefined): string[] | null {
  if (!mlmodel) return null;
  const m = /^\s+inputs:\s*'(.*)'\s*$/m.exec(mlmodel);
  if (!m) return null;
  try {
    const specs = JSON.parse(m[1]!.replace(/''/g, "'")) as Array<{ name?: string; type?: string }>;
    if (!Array.isArray(specs) || specs.some((s) => !s.name || s.type === 'tensor')) return null;
    return specs.map((s) => s.name!);
  } catch {
    return null;
  }
}

export interface PlanOptions {
  /** MLmodel text whose column signature names a wide input's columns. */
  mlmodel?: string;
  /** Names of a wide input's columns (wins over the signature). */
  featureNames?: readonly string[];
}

/** How rows fill the inputs; FAILED_PRECONDITION for a layout rows cannot fill. */
export function planOf(inputs: ValueInfo[], opts: PlanOptions = {}): Plan {
  const unsupported = (why: string) =>
    new MldeskError('FAILED_PRECONDITION', `Explanations cannot feed this model: ${why} (inputs: ${inputs.map((i) => `${i.name} ${i.type}[${i.shape.join(',')}]`).join(', ')})`);
  if (inputs.some((i) => !i.isTensor)) throw unsupported('an input is not a tensor');
  if (inputs.length === 1 && inputs[0]!.shape.length === 2 && inputs[0]!.shape[1] !== 1) {
    const info = inputs[0]!;
    if (!NUMERIC.has(info.type)) throw unsupported('a wide input must be numeric');
    const sig = signatureColumns(opts.mlmodel);
    const k = info.shape[1]! > 0 ? info.shape[1]! : (opts.featureNames?.length ?? sig?.length ?? -1);
    if (k <= 0) throw unsupported('the width of its input is not fixed and no signature names its columns');
    const names = opts.featureNames?.length === k ? [...opts.featureNames] : sig?.length === k ? sig : Array.from({ length: k }, (_, j) => `f${j}`);
    return { mode: 'wide', info, names };
  }
  for (const i of inputs) if (i.shape.length === 0 || i.shape.length > 2 || perRow(i.shape) !== 1) throw unsupported(`input '${i.name}' is neither one column per row nor the only [N,k] input`);
  return {
    mode: 'columns',
    inputs: inputs.map((info) => {
      if (info.type === 'string') return { info, kind: 'string' as const };
      if (info.type === 'bool') return { info, kind: 'bool' as const };
      if (NUMERIC.has(info.type)) return { info, kind: 'number' as const };
      throw unsupported(`input '${info.name}' has type ${info.type}`);
    }),
  };
}

export function featuresOf(plan: Plan): FeatureSpec[] {
  if (plan.mode === 'wide') return plan.names.map((name) => ({ name, kind: 'numeric' }));
  return plan.inputs.map(({ info, kind }) => ({ name: info.name, kind: kind === 'number' ? 'numeric' : 'categorical' }));
}

export const toNumber = (v: unknown): number => {
  if (typeof v === 'number') return Number.isFinite(v) ? v : NaN; // the common case, without the general conversion
  const x = toTensorValue(v, 'FP64');
  return x === null ? NaN : (x as number);
};

/** A batch's feeds; `column(feature)` gives that feature's values for the batch's rows. */
export function feedsOf(plan: Plan, n: number, column: (feature: string) => ArrayLike<unknown>): Feed[] {
  if (plan.mode === 'wide') {
    const k = plan.names.length;
    const data = new Float64Array(n * k);
    const cols = plan.names.map(column);
    // Row by row: the writes stay sequential (column by column, strided writes were 3× slower at 100k × 12).
    for (let i = 0, o = 0; i < n; i++) for (let j = 0; j < k; j++) data[o++] = toNumber(cols[j]![i]);
    return [{ name: plan.info.name, dims: [n, k], data }];
  }
  return plan.inputs.map(({ info, kind }) => {
    const c = column(info.name);
    const dims = info.shape.length === 1 ? [n] : [n, 1];
    if (kind === 'string') return { name: info.name, dims, data: Array.from({ length: n }, (_, i) => toTensorValue(c[i], 'BYTES') as string) };
    const data = new Float64Array(n);
    for (let i = 0; i < n; i++) data[i] = kind === 'bool' ? (toTensorValue(c[i], 'BOOL') ? 1 : 0) : toNumber(c[i]);
    return { name: info.name, dims, data };
  });
}

/** `rows[start, end)`'s values of a feature, for feedsOf. */
export function rowColumn(rows: ReadonlyArray<Record<string, unknown>>, start = 0, end = rows.length): (feature: string) => unknown[] {
  return (f) => {
    const c = new Array<unknown>(end - start);
    for (let i = start; i < end; i++) c[i - start] = rows[i]![f];
    return c;
  };
}
