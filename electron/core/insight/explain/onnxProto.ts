/**
 * Reading ONNX models with protobufjs against the onnx.proto subset the demo template vendors
 * (resources/demo/template/lib/onnx.proto): enough for graphs, nodes, attributes and tensors.
 */
import fs from 'node:fs';
import protobuf from 'protobufjs';
import { MldeskError } from '../../../../shared/contract/errors';
import { resourcePath } from '../../packageRoot';

export interface TensorMsg {
  dims?: number[];
  data_type?: number;
  float_data?: number[];
  double_data?: number[];
  int64_data?: number[];
  int32_data?: number[];
  raw_data?: Uint8Array;
  name?: string;
}
export interface AttributeMsg {
  name?: string;
  type?: string;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: TensorMsg;
  floats?: number[];
  ints?: number[];
  strings?: Uint8Array[];
}
export interface NodeMsg {
  input?: string[];
  output?: string[];
  name?: string;
  op_type?: string;
  domain?: string;
  attribute?: AttributeMsg[];
}
export interface ValueInfoMsg {
  name?: string;
  type?: { tensor_type?: { elem_type?: number } };
}
export interface GraphMsg {
  node?: NodeMsg[];
  initializer?: TensorMsg[];
  input?: ValueInfoMsg[];
  output?: ValueInfoMsg[];
  value_info?: ValueInfoMsg[];
}
export interface ModelMsg {
  graph?: GraphMsg;
}

let modelType: protobuf.Type | null = null;
function modelProto(): protobuf.Type {
  if (!modelType) {
    const text = fs.readFileSync(resourcePath('demo', 'template', 'lib', 'onnx.proto'), 'utf8');
    modelType = protobuf.parse(text, { keepCase: true }).root.lookupType('onnx.ModelProto');
  }
  return modelType;
}

/** The model as plain objects (int64 as numbers, enums as names, bytes as Uint8Array). Fields outside the subset are skipped. */
export function decodeModel(bytes: Uint8Array): ModelMsg {
  try {
    const t = modelProto();
    return t.toObject(t.decode(bytes), { longs: Number, enums: String, arrays: true }) as ModelMsg;
  } catch (e) {
    throw new MldeskError('INVALID_INPUT', `not an ONNX model: ${(e as Error).message}`);
  }
}

/**
 * The model with extra graph outputs. Protobuf merges a repeated embedded message field, so appending an encoded
 * `ModelProto { graph { output: [...] } }` adds outputs without re-encoding (nothing outside the vendored subset is
 * lost). The outputs are declared without a type: onnxruntime takes it from the producing node.
 */
export function withOutputs(bytes: Uint8Array, names: string[]): Uint8Array {
  if (names.length === 0) return bytes;
  const t = modelProto();
  const extra = t.encode(t.fromObject({ graph: { output: names.map((name) => ({ name })) } })).finish();
  const out = new Uint8Array(bytes.length + extra.length);
  out.set(bytes, 0);
  out.set(extra, bytes.length);
  return out;
}

const FLOAT = 1;
const INT32 = 6;
const INT64 = 7;
const DOUBLE = 11;

/** A numeric tensor's values as doubles (float, double, int32, int64; typed fields or raw_data). */
export function tensorValues(t: TensorMsg): number[] {
  const type = t.data_type ?? 0;
  const raw = t.raw_data;
  if (raw && raw.length > 0) {
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const size = type === DOUBLE || type === INT64 ? 8 : 4;
    const out: number[] = [];
    for (let o = 0; o + size <= raw.byteLength; o += size) {
      if (type === DOUBLE) out.push(view.getFloat64(o, true));
      else if (type === FLOAT) out.push(view.getFloat32(o, true));
      else if (type === INT64) out.push(Number(view.getBigInt64(o, true)));
      else if (type === INT32) out.push(view.getInt32(o, true));
      else throw new MldeskError('INVALID_INPUT', `unsupported tensor element type ${type}`);
    }
    return out;
  }
  if (type === DOUBLE) return t.double_data ?? [];
  if (type === FLOAT) return t.float_data ?? [];
  if (type === INT64) return t.int64_data ?? [];
  if (type === INT32) return t.int32_data ?? [];
  return [];
}

const text = (b: Uint8Array | undefined) => (b ? Buffer.from(b).toString('utf8') : '');

/** A node's attributes by name, with helpers that read each kind. */
export function attributes(node: NodeMsg) {
  const byName = new Map((node.attribute ?? []).map((a) => [a.name ?? '', a]));
  return {
    has: (name: string) => byName.has(name),
    ints: (name: string): number[] => byName.get(name)?.ints ?? [],
    int: (name: string, dflt: number): number => byName.get(name)?.i ?? dflt,
    floats: (name: string): number[] => byName.get(name)?.floats ?? [],
    strings: (name: string): string[] => (byName.get(name)?.strings ?? []).map(text),
    string: (name: string, dflt: string): string => (byName.has(name) ? text(byName.get(name)!.s) : dflt),
    tensor: (name: string): number[] | undefined => {
      const a = byName.get(name);
      return a?.t ? tensorValues(a.t) : undefined;
    },
    /** `name_as_tensor` (double) when present, else the float list `name`. */
    numbers: (name: string): number[] => {
      const a = byName.get(`${name}_as_tensor`);
      return a?.t ? tensorValues(a.t) : (byName.get(name)?.floats ?? []);
    },
  };
}
