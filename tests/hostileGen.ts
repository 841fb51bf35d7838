import { mulberry32 } from '../resources/demo/generate';
/**
 * Hostile-input generator for tests/hostile.test.ts: malformed requests for every contract method (POST /rpc/…), every
 * MLflow route, the artifact proxy, the UI host and the host's own paths. Deterministic: the same seed and context give
 * the same list, in the same order (a seeded PRNG picks the samples and shuffles).
 *
 * What it sends, per target: wrong JSON types for every field (string ↔ number ↔ bool ↔ array ↔ object ↔ null), taken
 * from the zod input schema (contract) or the proto field table (MLflow); hostile strings (traversal, NUL, prototype
 * keys, lone surrogates, bad percent-encoding, huge); raw JSON numbers JSON.stringify cannot write (1e400); nesting
 * 5,000 and 100,000 deep; 1 MiB strings and keys; non-JSON, truncated and wrongly typed bodies; a foreign Origin; other
 * verbs; mangled paths. Nothing here needs a server: the test supplies ids of a few entities it created.
 */
import type { z } from 'zod';
import { lookupMethod, methodNames } from '../shared/contract';
import { mlflowRoutes } from '../electron/host/mlflow/routes';
import type { FieldDef, MessageDef } from '../electron/host/mlflow/proto';

export type Family = 'rpc' | 'mlflow' | 'artifacts' | 'ui' | 'host';

export interface HostileRequest {
  family: Family;
  /** `rpc tracking.getRun`, `mlflow POST runs/create`, `artifacts`, `ui`, `host`. */
  target: string;
  /** What was done to the request, e.g. `wrong-type:run_id=array`, `deep-object-100000`, `ctype:text/plain`. */
  variant: string;
  method: string;
  /** Raw request target, sent as is (no client-side normalisation). */
  path: string;
  headers: Record<string, string>;
  body?: string | Buffer;
}

/** Entities the test created before fuzzing; "scratch" ones are for the routes that delete or rename. */
export interface GenContext {
  runId: string;
  experimentId: string;
  modelId: string;
  registeredModel: string;
  scratch: { runId: string; experimentId: string; modelId: string; registeredModel: string };
}

/** The demo generator's seeded PRNG (mulberry32). */
export const prng = mulberry32;

export const MIB = 1024 * 1024;
const memo = new Map<string, string>();
const cached = (key: string, make: () => string) => memo.get(key) ?? (memo.set(key, make()), memo.get(key)!);
export const deepArray = (n: number) => cached(`a${n}`, () => '['.repeat(n) + ']'.repeat(n));
export const deepObject = (n: number) => cached(`o${n}`, () => '{"a":'.repeat(n) + '0' + '}'.repeat(n));
const hugeString = () => cached('huge', () => 'h'.repeat(MIB));
const hugeKey = () => cached('hugeKey', () => 'k'.repeat(MIB));

/** Values of the wrong JSON type for any field (one of them is the right type; that is fine). */
const WRONG_TYPES: Array<[string, unknown]> = [
  ['string', 'x'],
  ['empty-string', ''],
  ['zero', 0],
  ['negative', -1],
  ['float', 1.5],
  ['huge-number', 1e308],
  ['true', true],
  ['false', false],
  ['empty-array', []],
  ['array', ['x', 1]],
  ['empty-object', {}],
  ['object', { a: 1 }],
  ['null', null],
];

/** Strings that have broken servers: paths, NUL, prototype keys, encodings, injection shapes. */
export const HOSTILE_STRINGS: Array<[string, string]> = [
  ['traversal', '../../etc/passwd'],
  ['absolute', '/etc/passwd'],
  ['encoded-traversal', '..%2f..%2f'],
  ['encoded-traversal-file', '..%2f..%2fetc%2fpasswd'],
  ['windows', 'C:\\Windows'],
  ['windows-traversal', '..\\..\\Windows\\win.ini'],
  ['unc', '\\\\evil.example\\share'],
  ['nul', 'a\u0000b'],
  ['nul-extension', 'x.txt\u0000.png'],
  ['__proto__', '__proto__'],
  ['constructor', 'constructor'],
  ['prototype', 'prototype'],
  ['proto-path', '__proto__.polluted'],
  ['lone-surrogate', 'a\ud800b'],
  ['bidi', '\u202egnp.exe'],
  ['long-300', 's'.repeat(300)],
  ['bad-percent', '%E0%A4%A'],
  ['html', '<script>alert(1)</script>'],
  ['sql', "' OR '1'='1' --"],
  ['template', '${process.env.HOME}'],
  ['dotdot', '..'],
  ['dot', '.'],
  ['home', '~'],
  ['blank', '   '],
  ['emoji', '😀'.repeat(20)],
  ['digits-40', '9'.repeat(40)],
  ['nan-text', 'NaN'],
  ['neg-infinity-text', '-Infinity'],
];

/** JSON number tokens JSON.stringify cannot produce, inserted raw. */
const RAW_NUMBERS: Array<[string, string]> = [
  ['1e400', '1e400'],
  ['-1e400', '-1e400'],
  ['-0', '-0'],
  ['2^64', '18446744073709551616'],
  ['30-digits', '123456789012345678901234567890'],
  ['tiny', '1e-400'],
];

/** Bodies that are not the JSON object a route wants. */
const NON_JSON_BODIES: Array<[string, string | Buffer]> = [
  ['text', 'not json at all'],
  ['xml', '<?xml version="1.0"?><run/>'],
  ['open-brace', '{'],
  ['unterminated-string', '{"a": "'],
  ['trailing-comma', '{"a": 1,}'],
  ['single-quotes', "{'a': 1}"],
  ['two-objects', '{"a":1}{"b":2}'],
  ['bare-nan', '{"a": NaN, "b": -Infinity}'],
  ['comment', '{"a": 1 /* c */}'],
  ['null', 'null'],
  ['number', '42'],
  ['string', '"just a string"'],
  ['double-encoded-garbage', '"{\\"a\\": "'],
  ['array', '[1,2,3]'],
  ['true', 'true'],
  ['bom', '\ufeff{}'],
  ['nul-bytes', '{"a":"\u0000"}\u0000\u0000'],
  ['invalid-utf8', Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc3, 0x28, 0x22, 0x7d])],
  ['utf16', Buffer.from('{"a":"b"}', 'utf16le')],
  ['lone-surrogate-escape', '{"a":"\\ud800"}'],
  ['bad-escape', '{"a":"\\x41"}'],
  ['control-char', '{"a":"\u0001\u0002"}'],
  ['form', 'a=1&b=2'],
  ['whitespace', ' \n\t '],
];

const CONTENT_TYPES: Array<[string, string | null]> = [
  ['text/plain', 'text/plain'],
  ['form-urlencoded', 'application/x-www-form-urlencoded'],
  ['multipart', 'multipart/form-data; boundary=xyz'],
  ['none', null],
  ['json-utf16', 'application/json; charset=utf-16'],
  ['json-upper', 'APPLICATION/JSON'],
  ['json-patch', 'application/json-patch+json'],
  ['garbage', ';;;'],
];

const FOREIGN: Array<[string, Record<string, string>]> = [
  ['origin-evil', { origin: 'https://evil.example' }],
  ['referer-evil', { referer: 'https://evil.example/page' }],
  ['origin-null', { origin: 'null' }],
];

/** Hostile strings tried per field (a PRNG-chosen subset; across fields and targets all of them are used). */
const HOSTILE_PER_FIELD = 12;

const VERBS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'];

/** Methods whose valid input starts processes or writes outside the data dir: only invalid bodies are sent to them. */
export const UNSAFE_WHEN_VALID = new Set(['projects.createDemo', 'launcher.start', 'data.add', 'data.checkout', 'data.saveExpectations']);

const RAW = '\u0001hostile-raw\u0001';
/** JSON of `obj` where the value RAW is replaced by the raw text `raw`. */
function withRaw(obj: Record<string, unknown>, raw: string): string {
  const text = JSON.stringify(obj);
  const i = text.indexOf(JSON.stringify(RAW));
  return i < 0 ? text : text.slice(0, i) + raw + text.slice(i + JSON.stringify(RAW).length);
}
/** `{member, …object}` for the JSON text of an object. */
const prepend = (objectText: string, member: string) => (objectText === '{}' ? `{${member}}` : `{${member},${objectText.slice(1)}`);
/** The JSON text of `base` with `field` replaced by raw JSON text. */
const setRaw = (base: Record<string, unknown>, field: string, raw: string) => withRaw({ ...base, [field]: RAW }, raw);

// ── zod (contract) ─────────────────────────────────────────────────────────────

interface ZDef {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  in?: z.ZodType;
  element?: z.ZodType;
  options?: z.ZodType[];
  entries?: Record<string, string | number>;
  values?: unknown[];
}
const zdef = (s: z.ZodType): ZDef => (s as unknown as { _zod: { def: ZDef } })._zod.def;

/** Strips default/optional/nullable/pipe wrappers. */
function unwrap(s: z.ZodType): z.ZodType {
  for (let i = 0; i < 10; i++) {
    const d = zdef(s);
    if (d.innerType && ['default', 'optional', 'nullable', 'readonly', 'catch', 'prefault', 'nonoptional'].includes(d.type)) s = d.innerType;
    else if (d.type === 'pipe' && d.in) s = d.in;
    else break;
  }
  return s;
}

/** Field names the test has real values for. */
function namedValue(name: string, ctx: GenContext, scratch: boolean): unknown {
  const ids = scratch ? ctx.scratch : ctx;
  switch (name) {
    case 'runId':
    case 'run_id':
    case 'run_uuid':
    case 'source_run_id':
      return ids.runId;
    case 'runIds':
    case 'run_ids':
      return [ids.runId];
    case 'experimentId':
    case 'experiment_id':
      return ids.experimentId;
    case 'experimentIds':
    case 'experiment_ids':
      return [ids.experimentId];
    case 'model_id':
      return ids.modelId;
    case 'projectId':
      return 'hostile-0000-project';
    case 'command':
      return ['/nonexistent/mldesk-hostile-binary'];
    default:
      return undefined;
  }
}

function zSample(s: z.ZodType, name: string, ctx: GenContext, scratch: boolean, depth = 0): unknown {
  const known = namedValue(name, ctx, scratch);
  if (known !== undefined) return known;
  const d = zdef(unwrap(s));
  switch (d.type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      if (depth < 4) for (const [k, v] of Object.entries(d.shape ?? {})) out[k] = zSample(v, k, ctx, scratch, depth + 1);
      return out;
    }
    case 'string':
      return name === 'path' || name === 'file' ? 'hostile.csv' : name === 'id' ? '00000000-0000-4000-8000-000000000000' : 'hostile';
    case 'number':
    case 'int':
      return 1;
    case 'boolean':
      return true;
    case 'enum':
      return Object.values(d.entries ?? {})[0] ?? 'x';
    case 'literal':
      return d.values?.[0] ?? 'x';
    case 'array':
      return d.element && depth < 4 ? [zSample(d.element, name, ctx, scratch, depth + 1)] : [];
    case 'record':
      return {};
    case 'union':
      return d.options?.length ? zSample(d.options[d.options.length - 1]!, name, ctx, scratch, depth + 1) : null;
    default:
      return null;
  }
}

/** Top-level object fields of a contract input (and, for nested objects, their fields one level down). */
function zFields(s: z.ZodType): Array<{ name: string; nested: string[] }> {
  const d = zdef(unwrap(s));
  if (d.type !== 'object') return [];
  return Object.entries(d.shape ?? {}).map(([name, v]) => {
    let inner = zdef(unwrap(v));
    if (inner.type === 'array' && inner.element) inner = zdef(unwrap(inner.element));
    if (inner.type === 'union' && inner.options?.length) inner = zdef(unwrap(inner.options[inner.options.length - 1]!));
    return { name, nested: inner.type === 'object' ? Object.keys(inner.shape ?? {}) : [] };
  });
}

// ── proto (MLflow) ─────────────────────────────────────────────────────────────

const isMessage = (t: FieldDef<unknown, boolean>['type']): t is MessageDef => typeof t === 'object' && 'fields' in t;

function pSample(field: FieldDef<unknown, boolean>, name: string, ctx: GenContext, scratch: boolean, depth = 0): unknown {
  const known = namedValue(name, ctx, scratch);
  if (known !== undefined) return field.repeated && !Array.isArray(known) ? [known] : known;
  const t = field.type;
  let one: unknown;
  if (isMessage(t)) {
    const o: Record<string, unknown> = {};
    if (depth < 3) for (const [k, f] of Object.entries(t.fields)) o[k] = pSample(f, k, ctx, scratch, depth + 1);
    one = o;
  } else if (typeof t === 'object') one = Object.keys(t.values)[0];
  else if (t === 'string' || t === 'bytes') {
    if (name === 'name') one = scratch ? ctx.scratch.registeredModel : ctx.registeredModel;
    else if (name === 'model_json') one = '{"flavors":{}}';
    else if (name === 'version') one = '1';
    else one = name === 'key' ? 'hostile.key' : 'hostile';
  } else if (t === 'bool') one = true;
  else if (t === 'double' || t === 'float') one = 1.5;
  else one = 1;
  return field.repeated ? [one] : one;
}

// ── requests ───────────────────────────────────────────────────────────────────

interface Target {
  family: Family;
  target: string;
  method: string;
  /** Path without query. */
  path: string;
  /** Valid-looking body the variants mutate. */
  base: Record<string, unknown>;
  /** Field name → nested field names (message/object fields). */
  fields: Array<{ name: string; nested: string[] }>;
  /** True when a request must be dropped because its body is valid (see UNSAFE_WHEN_VALID). */
  unsafe?: (body: string | Buffer | undefined) => boolean;
  /** GET route: also fuzz the query string. */
  query?: boolean;
}

const DESTRUCTIVE = /delete|remove|revoke|rename|update|restore|transition|alias|finalize|^logged-models\/\{model_id\}$/i;

function rpcTargets(ctx: GenContext): Target[] {
  return methodNames().map((name) => {
    const def = lookupMethod(name)!;
    const scratch = DESTRUCTIVE.test(name);
    const base = zSample(def.input, '', ctx, scratch) as Record<string, unknown>;
    const unsafe = UNSAFE_WHEN_VALID.has(name)
      ? (body: string | Buffer | undefined) => {
          let input: unknown = undefined;
          try {
            if (body !== undefined && body.length > 0) input = JSON.parse(body.toString());
          } catch {
            return false; // the server refuses it before the handler
          }
          try {
            // As Engine.invoke does: a `null` body (or none) is `{}`.
            return def.input.safeParse(input ?? {}).success;
          } catch {
            return false; // overflows the validator there too
          }
        }
      : undefined;
    return { family: 'rpc' as const, target: `rpc ${name}`, method: 'POST', path: `/rpc/${name}`, base, fields: zFields(def.input), unsafe };
  });
}

function mlflowTargets(ctx: GenContext): Target[] {
  return mlflowRoutes.map((r) => {
    const scratch = DESTRUCTIVE.test(r.path) || r.method === 'DELETE' || (r.method === 'PATCH' && r.path === 'logged-models/{model_id}');
    const ids = scratch ? ctx.scratch : ctx;
    const base: Record<string, unknown> = {};
    const fields: Array<{ name: string; nested: string[] }> = [];
    for (const [name, f] of Object.entries(r.message.fields)) {
      if (r.path.includes(`{${name}}`)) continue; // path parameters win over the body
      base[name] = pSample(f, name, ctx, scratch);
      fields.push({ name, nested: isMessage(f.type) ? Object.keys(f.type.fields) : [] });
    }
    const p = r.path.replace('{model_id}', encodeURIComponent(ids.modelId)).replace('{tag_key}', 'hostile.key');
    return { family: 'mlflow' as const, target: `mlflow ${r.method} ${r.path}`, method: r.method, path: `/api/2.0/mlflow/${p}`, base, fields, query: r.method === 'GET' };
  });
}

/** Percent-encodes a query value the way a client would (so the hostile text reaches the server intact). */
function enc(v: string): string {
  try {
    return encodeURIComponent(v);
  } catch {
    // Lone surrogates: the bytes an encoder that does not check would send (U+FFFD for the surrogate).
    return [...Buffer.from(v, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0').toUpperCase()}`).join('');
  }
}
const q = (k: string, v: string) => `${enc(k)}=${enc(v)}`;

function targetRequests(t: Target, rnd: () => number): HostileRequest[] {
  const out: HostileRequest[] = [];
  const json = { 'content-type': 'application/json' };
  const add = (variant: string, body: string | Buffer | undefined, headers: Record<string, string> = json, method = t.method, path = t.path) => {
    if (t.unsafe?.(body)) return;
    out.push({ family: t.family, target: t.target, variant, method, path, headers, body });
  };
  const baseText = JSON.stringify(t.base);
  const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  /** `n` distinct items of `xs`, PRNG-chosen (every item is used somewhere across the fields and targets). */
  const some = <T>(xs: T[], n: number): T[] => shuffle([...xs], rnd).slice(0, n);

  add('base', baseText);
  // Every field: wrong types, hostile strings, raw numbers, prototype keys, nesting, absence.
  for (const { name, nested } of t.fields) {
    for (const [label, v] of WRONG_TYPES) add(`wrong-type:${name}=${label}`, JSON.stringify({ ...t.base, [name]: v }));
    for (const [label, v] of some(HOSTILE_STRINGS, HOSTILE_PER_FIELD)) add(`hostile:${name}=${label}`, JSON.stringify({ ...t.base, [name]: v }));
    for (const [label, raw] of some(RAW_NUMBERS, 2)) add(`raw-number:${name}=${label}`, setRaw(t.base, name, raw));
    add(`proto-value:${name}`, setRaw(t.base, name, '{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}}}'));
    add(`hostile-array:${name}`, JSON.stringify({ ...t.base, [name]: [pick(HOSTILE_STRINGS)[1], null, [], {}] }));
    add(`deep-array-5000:${name}`, setRaw(t.base, name, deepArray(5000)));
    add(`deep-object-5000:${name}`, setRaw(t.base, name, deepObject(5000)));
    const without = { ...t.base };
    delete without[name];
    add(`missing:${name}`, JSON.stringify(without));
    // One level down (tags[0].key, ref.file, expectations.rows …): types and a few hostile strings.
    for (const inner of nested) {
      const sample = t.base[name];
      const holder = Array.isArray(sample) ? (sample[0] as Record<string, unknown>) : (sample as Record<string, unknown>);
      if (!holder || typeof holder !== 'object') continue;
      const wrap = (v: unknown) => (Array.isArray(sample) ? [{ ...holder, [inner]: v }] : { ...holder, [inner]: v });
      for (const [label, v] of some(WRONG_TYPES, 5)) add(`wrong-type:${name}.${inner}=${label}`, JSON.stringify({ ...t.base, [name]: wrap(v) }));
      for (const [label, v] of some(HOSTILE_STRINGS, 3)) add(`hostile:${name}.${inner}=${label}`, JSON.stringify({ ...t.base, [name]: wrap(v) }));
      if (rnd() < 0.3) add(`deep-array-5000:${name}.${inner}`, withRaw({ ...t.base, [name]: wrap(RAW) }, deepArray(5000)));
    }
  }
  // Whole-body shapes.
  for (const [label, body] of NON_JSON_BODIES) add(`non-json:${label}`, body);
  for (const cut of [1, Math.floor(baseText.length / 2), baseText.length - 1]) if (cut > 0) add(`truncated:${cut}`, baseText.slice(0, cut));
  add('empty-body', '');
  add('double-encoded', JSON.stringify(baseText));
  for (const [label, ctype] of CONTENT_TYPES) add(`ctype:${label}`, label === 'form-urlencoded' ? 'a=1&b=2' : baseText, ctype ? { 'content-type': ctype } : {});
  for (const [label, h] of FOREIGN) add(label, baseText, { ...json, ...h });
  add('proto-body', '{"__proto__":{"polluted":"yes"}}');
  add('constructor-body', '{"constructor":{"prototype":{"polluted":"yes"}}}');
  add('proto-plus-base', prepend(baseText, '"__proto__":{"polluted":"yes"}'));
  add('prototype-key', JSON.stringify({ ...t.base, prototype: { polluted: 'yes' } }));
  add('duplicate-keys', prepend(baseText, '"a":1,"a":2'));
  add('deep-array-5000', deepArray(5000));
  add('deep-object-5000', deepObject(5000));
  add('deep-array-100000', deepArray(100_000));
  // MLflow decodes a body that is a JSON string a second time: the nesting hides inside the string.
  add('double-encoded-deep-5000', JSON.stringify(setRaw(t.base, 'hostile_unknown', deepArray(5000))));
  add(pick(['deep-array-100000:unknown-field', 'deep-object-100000:unknown-field']), setRaw(t.base, 'hostile_unknown', rnd() < 0.5 ? deepArray(100_000) : deepObject(100_000)));
  if (t.fields.length) {
    const f = pick(t.fields).name;
    add(`deep-array-100000:${f}`, setRaw(t.base, f, deepArray(100_000)));
    add(`huge-string-1MiB:${f}`, setRaw(t.base, f, JSON.stringify(hugeString())));
  }
  if (rnd() < 0.25) add('huge-unknown-key-1MiB', prepend(baseText, `${JSON.stringify(hugeKey())}:1`));
  add('many-keys-5000', JSON.stringify(Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, i]))));
  add('wide-array-10000', JSON.stringify({ ...t.base, [t.fields[0]?.name ?? 'x']: Array.from({ length: 10_000 }, () => 'x') }));
  // Other verbs, mangled paths.
  for (const v of VERBS) if (v !== t.method) add(`verb:${v}`, v === 'GET' || v === 'HEAD' ? undefined : baseText, v === 'GET' || v === 'HEAD' ? {} : json, v);
  const paths: Array<[string, string]> = [
    ['trailing-slash', `${t.path}/`],
    ['double-slash', t.path.replace(/^\//, '//')],
    ['inner-double-slash', t.path.replace(/\/([^/]+)$/, '//$1')],
    ['nul-suffix', `${t.path}%00`],
    ['nul-inside', t.path.replace(/\/([^/]+)$/, '/%00$1')],
    ['bad-percent', `${t.path}%E0%A4%A`],
    ['bad-percent-short', `${t.path}%`],
    ['uppercase', t.path.toUpperCase()],
    ['dot-segments', t.path.replace(/\/([^/]+)$/, '/./x/../$1')],
    ['encoded-dot-segments', t.path.replace(/\/([^/]+)$/, '/%2e/x/%2e%2e/$1')],
    ['encoded-slash', t.path.replace(/\/([^/]+)$/, '%2F$1')],
    ['backslash', t.path.replace(/\/([^/]+)$/, '\\$1')],
    ['query-bad-percent', `${t.path}?x=%E0%A4%A`],
    ['query-proto', `${t.path}?__proto__[polluted]=yes&constructor[prototype][polluted]=yes`],
    ['long-segment', `${t.path}/${'a'.repeat(300)}`],
  ];
  for (const [label, p] of paths) add(`path:${label}`, baseText, json, t.method, p);
  return out;
}

/** GET routes: the same hostility through the query string. */
function queryRequests(t: Target, rnd: () => number): HostileRequest[] {
  const out: HostileRequest[] = [];
  const add = (variant: string, query: string) => out.push({ family: t.family, target: t.target, variant, method: 'GET', path: `${t.path}?${query}`, headers: {} });
  const baseQuery = Object.entries(t.base)
    .flatMap(([k, v]) => (Array.isArray(v) ? v.map((x) => q(k, String(x))) : v !== null && typeof v === 'object' ? [] : [q(k, String(v))]))
    .join('&');
  add('query:base', baseQuery || 'x=1');
  const others = (name: string) =>
    baseQuery
      .split('&')
      .filter((kv) => kv && !kv.startsWith(`${encodeURIComponent(name)}=`))
      .join('&');
  for (const { name } of t.fields) {
    const rest = others(name);
    const withRest = (s: string) => (rest ? `${rest}&${s}` : s);
    for (const [label, v] of shuffle([...HOSTILE_STRINGS], rnd).slice(0, HOSTILE_PER_FIELD)) add(`query-hostile:${name}=${label}`, withRest(q(name, v)));
    for (const [label, raw] of [
      ['bad-percent', '%E0%A4%A'],
      ['percent-alone', '%'],
      ['percent-zz', '%zz'],
      ['nul', '%00'],
      ['encoded-traversal', '%2e%2e%2f%2e%2e%2fetc%2fpasswd'],
      ['plus-spaces', '+++'],
      ['huge-4KiB', 'q'.repeat(4096)],
      ['float', '1.5'],
      ['exp', '1e400'],
      ['neg', '-1'],
      ['bool-maybe', 'maybe'],
      ['empty', ''],
    ] as const) {
      add(`query-raw:${name}=${label}`, withRest(`${encodeURIComponent(name)}=${raw}`));
    }
    add(`query-brackets:${name}`, withRest(`${name}[]=a&${name}[]=b&${name}[0]=c&${name}[x]=d`));
    add(`query-repeated:${name}`, withRest(`${name}=a&${name}=b&${name}=c`));
    add(`query-bare-key:${name}`, withRest(name));
  }
  add('query-proto', `${baseQuery}&__proto__=x&constructor=y&prototype=z&__proto__[polluted]=yes`);
  add('query-only-ampersands', '&&&&=&=&');
  add('query-unknown-huge', `${baseQuery}&junk=${'j'.repeat(6000)}`);
  add('query-bad-percent-key', `${baseQuery}&%E0%A4%A=1`);
  // A few query+body mixes (MLflow reads the query when there is one).
  add('query-with-fragment', `${baseQuery}#frag`);
  void rnd;
  return out;
}

function artifactRequests(rnd: () => number): HostileRequest[] {
  const out: HostileRequest[] = [];
  const base = '/api/2.0/mlflow-artifacts/artifacts';
  const segs: Array<[string, string]> = [
    ['ok', '0/hostile/artifacts/a.txt'],
    ['encoded-traversal', '..%2f..%2fetc%2fpasswd'],
    ['encoded-dots', '%2e%2e/%2e%2e/etc/passwd'],
    ['mixed-traversal', 'a/..%2f..%2f..%2fb'],
    ['absolute-encoded', '%2fetc%2fpasswd'],
    ['backslash-encoded', '..%5c..%5cWindows'],
    ['windows-drive', 'C:%5CWindows%5Cwin.ini'],
    ['nul', 'a%00.txt'],
    ['bad-percent', '%E0%A4%A'],
    ['segment-300', `0/${'s'.repeat(300)}/a.txt`],
    ['file-300', `0/${'f'.repeat(300)}`],
    ['path-5000', Array.from({ length: 100 }, () => 'd'.repeat(49)).join('/')],
    ['proto', '__proto__/constructor/prototype'],
    ['home', '~/x'],
    ['dot', '.'],
    ['trailing-slash', '0/hostile/'],
    ['double-slash', '0//hostile//b.txt'],
    ['emoji', encodeURIComponent('😀.txt')],
    ['lone-surrogate', '%ED%A0%80.txt'],
  ];
  for (const [label, seg] of segs) {
    for (const m of ['PUT', 'GET', 'DELETE', 'HEAD', 'POST', 'PATCH']) {
      out.push({ family: 'artifacts', target: 'artifacts', variant: `${m}:${label}`, method: m, path: `${base}/${seg}`, headers: m === 'PUT' ? { 'content-type': 'application/octet-stream' } : {}, body: m === 'PUT' ? 'hostile' : undefined });
    }
  }
  for (const [label, v] of HOSTILE_STRINGS) out.push({ family: 'artifacts', target: 'artifacts', variant: `list:${label}`, method: 'GET', path: `${base}?${q('path', v)}`, headers: {} });
  out.push({ family: 'artifacts', target: 'artifacts', variant: 'list:bad-percent', method: 'GET', path: `${base}?path=%E0%A4%A`, headers: {} });
  out.push({ family: 'artifacts', target: 'artifacts', variant: 'unknown-sub', method: 'GET', path: '/api/2.0/mlflow-artifacts/nope', headers: {} });
  out.push({
    family: 'artifacts',
    target: 'artifacts',
    variant: 'PUT:foreign-origin',
    method: 'PUT',
    path: `${base}/0/hostile/artifacts/evil.txt`,
    headers: { origin: 'https://evil.example', 'content-type': 'text/plain' },
    body: 'pwn',
  });
  void rnd;
  return out;
}

/** The host's own paths (rpc prefix, events, health) and the UI host's (static files). */
export function hostRequests(family: 'host' | 'ui'): HostileRequest[] {
  const out: HostileRequest[] = [];
  const paths: Array<[string, string]> = [
    ['rpc-bad-percent', '/rpc/%E0%A4%A'],
    ['rpc-empty', '/rpc/'],
    ['rpc-bare', '/rpc'],
    ['rpc-proto', '/rpc/__proto__'],
    ['rpc-proto-method', '/rpc/app.__proto__'],
    ['rpc-constructor', '/rpc/constructor.prototype'],
    ['rpc-tostring', '/rpc/app.toString'],
    ['rpc-hasown', '/rpc/app.hasOwnProperty'],
    ['rpc-dot', '/rpc/.'],
    ['rpc-traversal', '/rpc/..%2f..%2fetc%2fpasswd'],
    ['rpc-nul', '/rpc/app.ping%00'],
    ['events-none', '/events'],
    ['events-proto', '/events?topics=__proto__'],
    ['events-constructor', '/events?topics=constructor,toString'],
    ['events-bad-percent', '/events?topics=%E0%A4%A'],
    ['events-mixed', '/events?topics=app.notice,hasOwnProperty'],
    ['index-nul-js', '/index.html%00.js'],
    ['nul', '/%00'],
    ['nul-ext', '/a.js%00'],
    ['bad-percent', '/%E0%A4%A'],
    ['bad-percent-js', '/x%E0%A4%A.js'],
    ['percent-alone', '/%'],
    ['open-redirect', '/.//evil.example/'],
    ['protocol-relative', '//evil.example/'],
    ['backslash-host', '/\\evil.example/'],
    ['encoded-slashes', '/%2F%2Fevil.example/'],
    ['traversal-encoded', '/..%2f..%2fetc%2fpasswd'],
    ['traversal-dots', '/%2e%2e/%2e%2e/etc/passwd'],
    ['traversal-backslash', '/..%5c..%5cetc%5cpasswd'],
    ['windows', '/C:%5CWindows%5Cwin.ini'],
    ['long-segment', `/${'a'.repeat(300)}.js`],
    ['long-path', `/${Array.from({ length: 60 }, () => 'p'.repeat(60)).join('/')}.css`],
    ['proto', '/__proto__'],
    ['proto-js', '/__proto__.js'],
    ['missing-asset', '/assets/nope.js'],
    ['index-slash', '/index.html/'],
    ['healthz-junk', '/healthz/%E0%A4%A'],
    ['health-mlflow', '/health'],
    ['version', '/version'],
    ['api-unknown', '/api/2.0/mlflow/nope'],
    ['api-bad-percent', '/api/2.0/mlflow/runs/get?run_id=%E0%A4%A'],
    ['api-traversal', '/api/2.0/mlflow/..%2f..%2frpc/app.info'],
    ['ajax-api', '/ajax-api/2.0/mlflow/experiments/search?max_results=1'],
  ];
  for (const [label, p] of paths) {
    for (const m of ['GET', 'HEAD', 'POST', 'PUT', 'DELETE']) {
      // A valid events request would stay open: never sent.
      if (label === 'events-mixed' && m === 'GET') continue;
      out.push({
        family,
        target: family,
        variant: `${m}:${label}`,
        method: m,
        path: p,
        headers: m === 'GET' || m === 'HEAD' ? {} : { 'content-type': 'application/json' },
        body: m === 'GET' || m === 'HEAD' ? undefined : '{}',
      });
    }
    out.push({ family, target: family, variant: `GET-evil-origin:${label}`, method: 'GET', path: p, headers: { origin: 'https://evil.example' } });
  }
  return out.filter((r) => !(r.path.startsWith('/events?topics=app.notice') && r.method === 'GET'));
}

/** In-place Fisher–Yates with the PRNG. */
function shuffle<T>(xs: T[], rnd: () => number): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [xs[i], xs[j]] = [xs[j]!, xs[i]!];
  }
  return xs;
}

/** Every hostile request for the loopback server, shuffled (heavy and light ones interleave). */
export function generate(seed: number, ctx: GenContext): HostileRequest[] {
  const rnd = prng(seed);
  const out: HostileRequest[] = [];
  for (const t of rpcTargets(ctx)) out.push(...targetRequests(t, rnd));
  for (const t of mlflowTargets(ctx)) {
    out.push(...targetRequests(t, rnd));
    if (t.query) out.push(...queryRequests(t, rnd));
  }
  out.push(...artifactRequests(rnd));
  out.push(...hostRequests('host'));
  return shuffle(out, rnd);
}

/** A deterministic sample of `n` requests (for the token-mode server). */
export function sample<T>(xs: T[], n: number, seed: number): T[] {
  return shuffle([...xs], prng(seed)).slice(0, n);
}

/** The MLflow routes with `{…}` path parameters filled from the context (the scratch model for routes that change it). */
export function mlflowRoutePaths(ctx: GenContext): Array<{ method: string; path: string; route: string; fields: string[] }> {
  return mlflowRoutes.map((r) => {
    const modelId = r.method === 'GET' ? ctx.modelId : ctx.scratch.modelId;
    return {
      method: r.method,
      route: `${r.method} ${r.path}`,
      path: `/api/2.0/mlflow/${r.path.replace('{model_id}', encodeURIComponent(modelId)).replace('{tag_key}', 'hostile.key')}`,
      fields: Object.keys(r.message.fields).filter((f) => !r.path.includes(`{${f}}`)),
    };
  });
}
