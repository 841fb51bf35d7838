/**
 * One request parser for every MLflow route, with the semantics of MLflow's own server: a JSON body goes through
 * `_stringify_all_experiment_ids` then protobuf's `ParseDict(..., ignore_unknown_fields=True)`; a GET's query
 * string is first turned into that dict by the message's field table (repeated fields collect every value,
 * bools take true/false). The field tables are in `messages.ts`.
 *
 * ParseDict, as implemented by protobuf's json_format, accepts:
 * - a field by its proto name or its lowerCamelCase JSON name; unknown fields are ignored;
 * - `null` for any field: the field is not set;
 * - int fields: JSON integers, integral floats, and decimal strings (`"42"`, `"-7"`, `"+3"`); range-checked;
 * - float/double fields: numbers, and strings Python's float() reads (`"1e-3"`, `"NaN"`, `"Infinity"`);
 * - bool fields: JSON true/false only (GET: `true`/`false` in any case);
 * - enum fields: the value's name, or its number (as a number or a string);
 * - experiment ids given as numbers (MLflow stringifies them before parsing).
 * Everything else is refused with MLflow's INVALID_PARAMETER_VALUE and a message naming the field.
 */
import { invalidParam } from '../../core/tracking/errors';
import type { EnumDef, FieldDef, Fields, MessageDef, Parsed, ScalarType } from './proto';

const API_DOCS = 'See the API docs for more information about request parameters.';
/** Fields MLflow's `_stringify_all_experiment_ids` turns from numbers into strings before parsing. */
const STRINGIFIED_IDS = new Set(['experiment_id', 'experiment_ids']);

const INT_RANGES: Partial<Record<ScalarType, [number, number]>> = {
  int32: [-(2 ** 31), 2 ** 31 - 1],
  uint32: [0, 2 ** 32 - 1],
  int64: [-(2 ** 63), 2 ** 63],
  uint64: [0, 2 ** 64],
};

/** Python's type name for a JSON value, as MLflow's "Hint: Value was of type '…'" shows it. */
function pyType(v: unknown): string {
  if (v === null) return 'NoneType';
  if (Array.isArray(v)) return 'list';
  switch (typeof v) {
    case 'string':
      return 'str';
    case 'boolean':
      return 'bool';
    case 'number':
      return Number.isInteger(v) ? 'int' : 'float';
    default:
      return 'dict';
  }
}

function shown(v: unknown): string {
  let s: string;
  try {
    s = typeof v === 'string' ? v : JSON.stringify(v);
  } catch {
    s = `(${pyType(v)})`;
  }
  return s.length > 200 ? `${s.slice(0, 200)}…` : s;
}

function invalid(path: string, value: unknown, expected: string): never {
  throw invalidParam(`Invalid value ${shown(value)} for parameter '${path}' supplied. Hint: Value was of type '${pyType(value)}', expected ${expected}. ${API_DOCS}`);
}

export function missing(path: string): never {
  throw invalidParam(`Missing value for required parameter '${path}'. ${API_DOCS}`);
}

/** protobuf's JSON name of a field: lowerCamelCase. */
export const jsonName = (protoName: string) => protoName.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());

/** Python `int(str)` as protobuf uses it (spaces refused). */
/** A UTF-16 surrogate without its pair (JSON can encode one; protobuf refuses it). */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const INT_TEXT = /^[+-]?\d+(_\d+)*$/;
/** Python `float(str)`: decimal, exponent, inf/infinity/nan in any case, surrounding whitespace. */
const FLOAT_TEXT = /^\s*[+-]?((\d+(_\d+)*)?\.?\d+(_\d+)*([eE][+-]?\d+)?|\d+(_\d+)*\.|inf|infinity|nan)\s*$/i;

function toInt(value: unknown, type: ScalarType, path: string): number {
  let n: number;
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) invalid(path, value, `an integer (${type})`);
    n = value;
  } else if (typeof value === 'string' && INT_TEXT.test(value)) n = Number(value.replace(/_/g, ''));
  else return invalid(path, value, `an integer (${type})`);
  const [lo, hi] = INT_RANGES[type]!;
  if (!(n >= lo && n < hi + (type.endsWith('64') ? 0 : 1))) invalid(path, value, `an integer in the ${type} range`);
  return n;
}

function toFloat(value: unknown, type: ScalarType, path: string): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'boolean') return value ? 1 : 0; // protobuf calls float(value), which takes a bool
  if (typeof value === 'string') {
    if (value === 'nan') invalid(path, value, 'a number ("NaN", not "nan")');
    if (FLOAT_TEXT.test(value)) {
      const t = value.trim().replace(/_/g, '').toLowerCase().replace(/^\+/, '');
      if (t.endsWith('nan')) return NaN;
      if (t.endsWith('inf') || t.endsWith('infinity')) return t.startsWith('-') ? -Infinity : Infinity;
      return Number(t);
    }
  }
  return invalid(path, value, `a number (${type})`);
}

function toEnum(value: unknown, e: EnumDef, path: string): string {
  if (typeof value === 'string' && Object.hasOwn(e.values, value)) return value;
  const n = typeof value === 'number' ? value : typeof value === 'string' && INT_TEXT.test(value) ? Number(value.replace(/_/g, '')) : NaN;
  const name = Object.keys(e.values).find((k) => (e.values as Record<string, number>)[k] === n);
  if (name === undefined || typeof value === 'boolean') invalid(path, value, `one of ${Object.keys(e.values).join(', ')} (${e.name})`);
  return name;
}

interface CompiledField {
  name: string;
  /** lowerCamelCase JSON name, or null when it equals the proto name. */
  camel: string | null;
  field: FieldDef<unknown, boolean>;
  /** Set for message-typed fields. */
  message: MessageDef | null;
}

const compiledCache = new WeakMap<MessageDef, CompiledField[]>();
const runIdRequired = new WeakSet<MessageDef>();
/** The field table in the shape the hot path wants (log-batch parses 1000 metrics per request). */
function compiled(msg: MessageDef): CompiledField[] {
  let c = compiledCache.get(msg);
  if (!c) {
    c = Object.entries(msg.fields as Fields).map(([name, field]) => {
      const camel = jsonName(name);
      return { name, camel: camel === name ? null : camel, field, message: typeof field.type === 'object' && 'fields' in field.type ? field.type : null };
    });
    compiledCache.set(msg, c);
    if (c.some((cf) => cf.name === 'run_id' && cf.field.isRequired)) runIdRequired.add(msg);
  }
  return c;
}

/** Paths are only spelled out for error messages. */
const pathOf = (prefix: string, name: string, index: number) => `${prefix}${name}${index >= 0 ? `[${index}]` : ''}`;

function convertValue(value: unknown, cf: CompiledField, prefix: string, index: number): unknown {
  const type = cf.field.type;
  switch (type) {
    case 'string':
    case 'bytes':
      if (typeof value === 'string') {
        if (LONE_SURROGATE.test(value)) invalid(pathOf(prefix, cf.name, index), value, 'a string without unpaired surrogates');
        return value;
      }
      if (typeof value === 'number' && STRINGIFIED_IDS.has(cf.name)) return String(value);
      return invalid(pathOf(prefix, cf.name, index), value, 'a string');
    case 'double':
    case 'float':
      return typeof value === 'number' ? value : toFloat(value, type, pathOf(prefix, cf.name, index));
    case 'int64':
      if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
      return toInt(value, type, pathOf(prefix, cf.name, index));
    case 'int32':
    case 'uint32':
    case 'uint64':
      return toInt(value, type, pathOf(prefix, cf.name, index));
    case 'bool':
      if (typeof value !== 'boolean') invalid(pathOf(prefix, cf.name, index), value, 'true or false without quotes');
      return value;
  }
  const path = pathOf(prefix, cf.name, index);
  if (cf.message) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) invalid(path, value, `an object (${cf.message.name})`);
    return parseFields(cf.message, value as Record<string, unknown>, `${path}.`);
  }
  return toEnum(value, type as EnumDef, path);
}

function isMissing(v: unknown): boolean {
  return v === undefined || v === null || v === '';
}

/** ParseDict for one message, and `_assert_required` on its fields. `prefix` names the message in errors (`metrics[3].`). */
function parseFields(msg: MessageDef, input: Record<string, unknown>, prefix: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const cf of compiled(msg)) {
    const { name, camel, field } = cf;
    let raw = input[name];
    if (camel !== null && Object.hasOwn(input, camel)) {
      if (Object.hasOwn(input, name)) throw invalidParam(`Message type "${msg.name}" should not have multiple "${name}" fields.`);
      raw = input[camel];
    }
    if (raw === undefined || raw === null) {
      // `_assert_required`: present and not null (and not "", checked below). run_uuid stands in for run_id (checked below).
      if (field.isRequired && name !== 'run_id') missing(pathOf(prefix, name, -1));
      if (field.repeated) out[name] = [];
      else if (field.defaultValue !== undefined) out[name] = field.defaultValue;
      continue;
    }
    if (field.repeated) {
      if (!Array.isArray(raw)) invalid(pathOf(prefix, name, -1), raw, 'a list');
      const list = new Array<unknown>(raw.length);
      for (let i = 0; i < raw.length; i++) {
        const item: unknown = raw[i];
        if (item === null) throw invalidParam(`Invalid value null for parameter '${pathOf(prefix, name, i)}' supplied: null is not allowed as an element of a repeated field. ${API_DOCS}`);
        list[i] = convertValue(item, cf, prefix, i);
      }
      out[name] = list;
    } else {
      if (raw === '' && field.isRequired && name !== 'run_id') missing(pathOf(prefix, name, -1));
      out[name] = convertValue(raw, cf, prefix, -1);
    }
  }
  // MLflow's one special case of `_assert_required`: a missing run_id is satisfied by the 1.x run_uuid.
  if (runIdRequired.has(msg) && isMissing(out.run_id) && isMissing(out.run_uuid)) missing(pathOf(prefix, 'run_id', -1));
  return out;
}

/** Parses a JSON body (already an object) into `msg`'s parsed form, or throws MLflow's INVALID_PARAMETER_VALUE. */
export function parseMessage<M extends MessageDef>(msg: M, input: Record<string, unknown>): Parsed<M> {
  return parseFields(msg, input, '') as Parsed<M>;
}

/** Query-string keys as MLflow's querystring parser reads them: `ids=1&ids=2`, `ids[]=1`, `ids[0]=1&ids[1]=2`. */
function queryValues(q: URLSearchParams, name: string): string[] {
  const out: string[] = [];
  for (const [k, v] of q) {
    if (k === name || k === `${name}[]` || (k.startsWith(`${name}[`) && /^\[\d+\]$/.test(k.slice(name.length)))) out.push(v);
  }
  return out;
}

/** A GET request's query string as the dict MLflow's handler builds from it, driven by the field table. */
export function queryToDict(msg: MessageDef, q: URLSearchParams): Record<string, unknown> {
  const dict: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(msg.fields as Fields)) {
    const values = queryValues(q, name);
    if (values.length === 0) continue;
    if (field.repeated) {
      dict[name] = values;
      continue;
    }
    const v = values[0]!;
    if (field.type === 'bool') {
      const lower = v.toLowerCase();
      if (lower !== 'true' && lower !== 'false') invalid(name, v, "'true' or 'false'");
      dict[name] = lower === 'true';
    } else dict[name] = v;
  }
  return dict;
}
