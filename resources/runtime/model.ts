// Loads an ONNX model (a .onnx file or an MLflow model dir holding one), derives its signature
// (MLflow MLmodel `signature` when present, else onnxruntime's input/output metadata) and converts
// between OIP tensors and onnxruntime tensors, validating against the signature.
import fs from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import type { InferInputTensor, InferOutputTensor, OipDatatype, TensorMeta } from '../../shared/runtime';

export class RequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const ORT_TO_OIP: Record<string, OipDatatype> = { float32: 'FP32', float64: 'FP64', int64: 'INT64', int32: 'INT32', bool: 'BOOL', string: 'BYTES' };
const OIP_TO_ORT: Record<OipDatatype, ort.Tensor.Type> = { FP32: 'float32', FP64: 'float64', INT64: 'int64', INT32: 'int32', BOOL: 'bool', BYTES: 'string' };
const NUMPY_TO_OIP: Record<string, OipDatatype> = { float32: 'FP32', float64: 'FP64', double: 'FP64', float: 'FP32', int64: 'INT64', long: 'INT64', int32: 'INT32', integer: 'INT32', bool: 'BOOL', boolean: 'BOOL', string: 'BYTES', str: 'BYTES', object: 'BYTES' };

export interface LoadedModel {
  name: string;
  file: string;
  session: ort.InferenceSession;
  inputs: TensorMeta[];
  outputs: TensorMeta[];
}

export function resolveModelFile(p: string): { file: string; mlmodel: string | null } {
  const st = fs.statSync(p);
  if (!st.isDirectory()) return { file: p, mlmodel: null };
  const mlmodelPath = path.join(p, 'MLmodel');
  const mlmodel = fs.existsSync(mlmodelPath) ? fs.readFileSync(mlmodelPath, 'utf8') : null;
  // The onnx flavor names its file in `data:` (older writers: `onnx_model:`).
  const named = mlmodel ? /^\s+(?:onnx_model|data):\s*['"]?([^\s'"]+\.onnx)/m.exec(mlmodel)?.[1] : undefined;
  if (named && fs.existsSync(path.join(p, named))) return { file: path.join(p, named), mlmodel };
  const found = fs.readdirSync(p).find((f) => f.endsWith('.onnx'));
  if (!found) throw new Error(`no .onnx file in ${p}`);
  return { file: path.join(p, found), mlmodel };
}

/** MLflow writes `signature:\n  inputs: '[...json...]'\n  outputs: '[...]'` — single-quoted YAML scalars. */
export function parseMlflowSignature(mlmodel: string): { inputs?: TensorMeta[]; outputs?: TensorMeta[] } {
  const grab = (key: string): TensorMeta[] | undefined => {
    const m = new RegExp(`^\\s+${key}:\\s*'(.*)'\\s*$`, 'm').exec(mlmodel);
    if (!m) return undefined;
    const specs = JSON.parse(m[1]!.replace(/''/g, "'")) as Array<{ name?: string; type: string; 'tensor-spec'?: { dtype: string; shape: number[] } }>;
    const out: TensorMeta[] = [];
    for (const s of specs) {
      if (s.type !== 'tensor' || !s['tensor-spec'] || !s.name) return undefined; // column-based: fall back to the ONNX signature
      const dt = NUMPY_TO_OIP[s['tensor-spec'].dtype];
      if (!dt) return undefined;
      out.push({ name: s.name, datatype: dt, shape: s['tensor-spec'].shape });
    }
    return out;
  };
  return { inputs: grab('inputs'), outputs: grab('outputs') };
}

function metaOf(m: ort.InferenceSession.ValueMetadata): TensorMeta {
  if (!m.isTensor) throw new Error(`${m.name}: non-tensor values (sequences/maps) are not supported`);
  const dt = ORT_TO_OIP[m.type];
  if (!dt) throw new Error(`${m.name}: unsupported tensor type ${m.type}`);
  return { name: m.name, datatype: dt, shape: m.shape.map((d) => (typeof d === 'number' && d >= 0 ? d : -1)) };
}

export async function loadModel(modelPath: string, name: string): Promise<LoadedModel> {
  const { file, mlmodel } = resolveModelFile(modelPath);
  const session = await ort.InferenceSession.create(file);
  let inputs = session.inputMetadata.map(metaOf);
  let outputs = session.outputMetadata.map(metaOf);
  if (mlmodel) {
    const sig = parseMlflowSignature(mlmodel);
    // Use the MLflow signature only when it names the same tensors the graph has.
    const same = (a: TensorMeta[] | undefined, b: TensorMeta[]) => a && a.length === b.length && a.every((t) => b.some((u) => u.name === t.name));
    if (same(sig.inputs, inputs)) inputs = sig.inputs!;
    if (same(sig.outputs, outputs)) outputs = sig.outputs!;
  }
  return { name, file, session, inputs, outputs };
}

function flatten(data: unknown[], out: unknown[] = []): unknown[] {
  for (const v of data) {
    if (Array.isArray(v)) flatten(v, out);
    else out.push(v);
  }
  return out;
}

/** Shape of a rectangular nested array (throws on ragged input). */
export function shapeOf(v: unknown, what: string): number[] {
  if (!Array.isArray(v)) return [];
  const inner = v.length ? shapeOf(v[0], what) : [];
  for (const x of v) if (JSON.stringify(shapeOf(x, what)) !== JSON.stringify(inner)) throw new RequestError(400, `input '${what}': ragged nested array`);
  return [v.length, ...inner];
}

function toTensor(meta: TensorMeta, t: InferInputTensor): ort.Tensor {
  if (t.datatype !== meta.datatype) throw new RequestError(400, `input '${t.name}': wrong datatype ${t.datatype}, expected ${meta.datatype}`);
  if (t.shape.length !== meta.shape.length || t.shape.some((d, i) => meta.shape[i] !== -1 && meta.shape[i] !== d)) {
    throw new RequestError(400, `input '${t.name}': wrong shape [${t.shape.join(',')}], expected [${meta.shape.join(',')}] (-1 = any)`);
  }
  const flat = flatten(t.data);
  const n = t.shape.reduce((a, b) => a * b, 1);
  if (flat.length !== n) throw new RequestError(400, `input '${t.name}': ${flat.length} values do not fill shape [${t.shape.join(',')}] (${n} values)`);
  const bad = (i: number, want: string) => new RequestError(400, `input '${t.name}': wrong type at element ${i}: ${JSON.stringify(flat[i])} is not ${want}`);
  const dims = t.shape;
  switch (meta.datatype) {
    case 'FP32':
    case 'FP64': {
      const arr = meta.datatype === 'FP32' ? new Float32Array(n) : new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const v = flat[i];
        // JSON has no NaN: null (pandas' None) is a missing number, as models with in-graph imputation expect.
        if (v === null) arr[i] = NaN;
        else if (typeof v !== 'number') throw bad(i, 'a number or null');
        else arr[i] = v;
      }
      return new ort.Tensor(OIP_TO_ORT[meta.datatype], arr, dims);
    }
    case 'INT32':
    case 'INT64': {
      const is64 = meta.datatype === 'INT64';
      const arr = is64 ? new BigInt64Array(n) : new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const v = flat[i];
        if (typeof v !== 'number' || !Number.isInteger(v)) throw bad(i, 'an integer');
        if (is64) (arr as BigInt64Array)[i] = BigInt(v);
        else (arr as Int32Array)[i] = v;
      }
      return new ort.Tensor(OIP_TO_ORT[meta.datatype], arr, dims);
    }
    case 'BOOL': {
      const arr = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        const v = flat[i];
        if (typeof v !== 'boolean') throw bad(i, 'a boolean');
        arr[i] = v ? 1 : 0;
      }
      return new ort.Tensor('bool', arr, dims);
    }
    case 'BYTES': {
      const arr: string[] = [];
      for (let i = 0; i < n; i++) {
        const v = flat[i];
        if (typeof v !== 'string') throw bad(i, 'a string');
        arr.push(v);
      }
      return new ort.Tensor('string', arr, dims);
    }
  }
}

export function fromTensor(name: string, t: ort.Tensor): InferOutputTensor {
  const datatype = ORT_TO_OIP[t.type];
  if (!datatype) throw new Error(`output '${name}': unsupported type ${t.type}`);
  const d = t.data;
  let data: Array<number | boolean | string>;
  if (d instanceof BigInt64Array) data = Array.from(d, (x) => Number(x));
  else if (t.type === 'bool') data = Array.from(d as Uint8Array, (x) => x !== 0);
  else data = Array.from(d as ArrayLike<number | string>);
  return { name, shape: [...t.dims], datatype, data };
}

export async function infer(model: LoadedModel, inputs: InferInputTensor[], outputNames?: string[]): Promise<InferOutputTensor[]> {
  const feeds: Record<string, ort.Tensor> = {};
  for (const t of inputs) {
    const meta = model.inputs.find((m) => m.name === t.name);
    if (!meta) throw new RequestError(400, `unknown input '${t.name}' (the model takes ${model.inputs.map((m) => m.name).join(', ')})`);
    if (feeds[t.name]) throw new RequestError(400, `input '${t.name}' given twice`);
    feeds[t.name] = toTensor(meta, t);
  }
  for (const m of model.inputs) if (!feeds[m.name]) throw new RequestError(400, `missing input '${m.name}'`);
  const wanted = outputNames?.length ? outputNames : model.outputs.map((o) => o.name);
  for (const o of wanted) if (!model.outputs.some((m) => m.name === o)) throw new RequestError(400, `unknown output '${o}'`);
  const res = await model.session.run(feeds, wanted);
  return wanted.map((o) => fromTensor(o, res[o]!));
}

/** Nest a flat OIP output back into its shape (for MLflow-style predictions). */
export function unflatten(data: unknown[], shape: number[]): unknown {
  if (shape.length <= 1) return data;
  const [, ...rest] = shape;
  const step = rest.reduce((a, b) => a * b, 1);
  const out: unknown[] = [];
  for (let i = 0; i < data.length; i += step) out.push(unflatten(data.slice(i, i + step), rest));
  return out;
}
