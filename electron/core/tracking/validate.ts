import { invalidParam } from './errors';

// MLflow's limits (mlflow/utils/validation.py).
export const MAX_METRICS_PER_BATCH = 1000;
export const MAX_PARAMS_TAGS_PER_BATCH = 100;
export const MAX_ENTITIES_PER_BATCH = 1000;
export const MAX_BATCH_LOG_REQUEST_SIZE = 1_000_000;
export const MAX_PARAM_VAL_LENGTH = 6000;
export const MAX_TAG_VAL_LENGTH = 8000;
export const MAX_ENTITY_KEY_LENGTH = 250;
export const MAX_EXPERIMENT_NAME_LENGTH = 500;
export const MAX_EXPERIMENT_TAG_VAL_LENGTH = 5000;

const NAME_RE = /^[/\w.\- :]*$/;
const RUN_ID_RE = /^[a-zA-Z0-9][\w-]{0,255}$/;
const EXPERIMENT_ID_RE = /^[0-9]{1,18}$/;

function normPosix(p: string): string {
  const out: string[] = [];
  const abs = p.startsWith('/');
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (out.length && out[out.length - 1] !== '..') out.pop();
      else if (!abs) out.push('..');
    } else out.push(seg);
  }
  const joined = out.join('/');
  return abs ? '/' + joined : joined || '.';
}

/** How much of a user-supplied value an error message repeats: enough to recognise it, never a megabyte. */
export const MAX_ECHO_LENGTH = 250;

/** `s` cut to `max` characters, with an ellipsis and the full length when cut. */
export function clip(s: string, max = MAX_ECHO_LENGTH): string {
  return s.length > max ? `${s.slice(0, max)}… (${s.length} characters)` : s;
}

/** A value as error messages show it: JSON, clipped (a long string keeps its quotes, its length follows). */
function shown(v: unknown): string {
  if (typeof v === 'string') return v.length > MAX_ECHO_LENGTH ? `${JSON.stringify(`${v.slice(0, MAX_ECHO_LENGTH)}…`)} (${v.length} characters)` : JSON.stringify(v);
  return clip(String(JSON.stringify(v)));
}
export const invalidValue = (path: string, value: unknown, message?: string) =>
  invalidParam(message ? `Invalid value ${shown(value)} for parameter '${clip(path)}' supplied: ${message}` : `Invalid value ${shown(value)} for parameter '${clip(path)}' supplied.`);

const BAD_CHARS = 'Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colon(:) and slashes (/).';

/** Metric, param and tag names: MLflow's character set, and no path tricks (they may become file names). */
export function validateName(name: string, path: string): void {
  if (!NAME_RE.test(name)) throw invalidValue(path, name, BAD_CHARS);
  const norm = normPosix(name);
  if (norm !== name || norm === '.' || norm.startsWith('..') || norm.startsWith('/')) {
    throw invalidValue(
      path,
      name,
      // The value is already in the message once: a long one is not repeated in full.
      `Names may be treated as files in certain cases, and must not resolve to other names when treated as such. This name would resolve to '${clip(norm, 100)}'`,
    );
  }
}

export function validateLength(what: string, limit: number, value: string): void {
  if (value.length > limit) throw invalidParam(`'${what}' exceeds the maximum length of ${limit} characters`);
}

export function validateRunId(runId: string, path = 'run_id'): void {
  if (!RUN_ID_RE.test(runId)) throw invalidValue(path, runId);
}

export function validateExperimentId(id: string): number {
  if (!EXPERIMENT_ID_RE.test(id)) throw invalidParam(`Invalid experiment ID: '${clip(id)}'`);
  return Number(id);
}

export function validateBatchLimits(metrics: number, params: number, tags: number): void {
  const check = (name: string, limit: number, n: number) => {
    if (n > limit) {
      throw invalidParam(
        `A batch logging request can contain at most ${limit} ${name}. Got ${n} ${name}. Please split up ${name} across multiple requests and try again.`,
      );
    }
  };
  check('metrics', MAX_METRICS_PER_BATCH, metrics);
  check('params', MAX_PARAMS_TAGS_PER_BATCH, params);
  check('tags', MAX_PARAMS_TAGS_PER_BATCH, tags);
  check('metrics, params, and tags', MAX_ENTITIES_PER_BATCH, metrics + params + tags);
}

/** `knownKeys`: names already validated in this batch (the hot path logs many points of few keys). */
export function validateMetric(m: { key: string; value: number; timestamp: number; step: number }, path: string, knownKeys?: Set<string>): void {
  const fresh = !knownKeys?.has(m.key);
  if (fresh) validateName(m.key, path ? `${path}.key` : 'key');
  if (typeof m.value !== 'number') throw invalidValue(`${path}.value`, m.value, 'Please specify value as a valid double (64-bit floating point)');
  if (!Number.isFinite(m.timestamp) || m.timestamp < 0) {
    throw invalidValue(`${path}.timestamp`, m.timestamp, `metric '${clip(m.key)}' (value=${m.value}). Timestamp must be a nonnegative long (64-bit integer) `);
  }
  if (!Number.isSafeInteger(m.step)) throw invalidValue(`${path}.step`, m.step, `metric '${clip(m.key)}' (value=${m.value}). Step must be a valid long (64-bit integer).`);
  if (fresh) {
    validateLength('Metric name', MAX_ENTITY_KEY_LENGTH, m.key);
    knownKeys?.add(m.key);
  }
}

export function validateParam(p: { key: string; value: string }, path: string): void {
  validateName(p.key, path ? `${path}.key` : 'key');
  validateLength('Param key', MAX_ENTITY_KEY_LENGTH, p.key);
  validateLength('Param value', MAX_PARAM_VAL_LENGTH, p.value);
}

export function validateTag(t: { key: string; value: string }, path: string): void {
  validateName(t.key, path ? `${path}.key` : 'key');
  validateLength(path ? `${path}.key` : 'key', MAX_ENTITY_KEY_LENGTH, t.key);
  validateLength(path ? `${path}.value` : 'value', MAX_TAG_VAL_LENGTH, t.value);
  if (t.key.startsWith('mlflow.')) validateReservedTag(t, path);
}

const isJsonArray = (v: string): boolean => {
  try {
    return Array.isArray(JSON.parse(v));
  } catch {
    return false;
  }
};

/**
 * Run tags MLflow reserves and that mldesk (or MLflow's own client and UI) reads back with a fixed shape: a value of
 * another shape is refused on write instead of breaking the reader later (runs/log-model appends to the history).
 */
export const RESERVED_RUN_TAGS: Readonly<Record<string, { check: (value: string) => boolean; expected: string }>> = {
  'mlflow.log-model.history': { check: isJsonArray, expected: 'a JSON array (the models runs/log-model recorded)' },
  'mlflow.parentRunId': { check: (v) => RUN_ID_RE.test(v), expected: 'a run ID' },
};

/** Reserved `mlflow.*` run tags: their values must have the shape their readers expect. */
export function validateReservedTag(t: { key: string; value: string }, path: string): void {
  const rule = Object.hasOwn(RESERVED_RUN_TAGS, t.key) ? RESERVED_RUN_TAGS[t.key] : undefined;
  if (rule && !rule.check(t.value)) throw invalidValue(path ? `${path}.value` : 'value', t.value, `the reserved tag '${t.key}' must be ${rule.expected}.`);
}

/** Artifact paths: relative, no '..', no absolute, no backslashes or NUL; returns the normalised relative path. */
export function safeRelativePath(p: string, what = 'path'): string {
  if (p.includes('\0') || p.includes('\\')) throw invalidParam(`Invalid ${what} '${clip(p)}': it must not contain backslashes or NUL`);
  if (p.startsWith('/') || /^[A-Za-z]:/.test(p)) throw invalidParam(`Invalid ${what} '${clip(p)}': it must be relative`);
  const segs = p.split('/').filter((s) => s !== '' && s !== '.');
  if (segs.some((s) => s === '..')) throw invalidParam(`Invalid ${what} '${clip(p)}': '..' is not allowed`);
  return segs.join('/');
}
