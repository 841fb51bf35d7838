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

const json = (v: unknown) => JSON.stringify(v);
export const invalidValue = (path: string, value: unknown, message?: string) =>
  invalidParam(message ? `Invalid value ${json(value)} for parameter '${path}' supplied: ${message}` : `Invalid value ${json(value)} for parameter '${path}' supplied.`);

const BAD_CHARS = 'Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colon(:) and slashes (/).';

/** Metric, param and tag names: MLflow's character set, and no path tricks (they may become file names). */
export function validateName(name: string, path: string): void {
  if (!NAME_RE.test(name)) throw invalidValue(path, name, BAD_CHARS);
  const norm = normPosix(name);
  if (norm !== name || norm === '.' || norm.startsWith('..') || norm.startsWith('/')) {
    throw invalidValue(
      path,
      name,
      `Names may be treated as files in certain cases, and must not resolve to other names when treated as such. This name would resolve to '${norm}'`,
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
  if (!EXPERIMENT_ID_RE.test(id)) throw invalidParam(`Invalid experiment ID: '${id}'`);
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
    throw invalidValue(`${path}.timestamp`, m.timestamp, `metric '${m.key}' (value=${m.value}). Timestamp must be a nonnegative long (64-bit integer) `);
  }
  if (!Number.isSafeInteger(m.step)) throw invalidValue(`${path}.step`, m.step, `metric '${m.key}' (value=${m.value}). Step must be a valid long (64-bit integer).`);
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
}

/** Artifact paths: relative, no '..', no absolute, no backslashes or NUL; returns the normalised relative path. */
export function safeRelativePath(p: string, what = 'path'): string {
  if (p.includes('\0') || p.includes('\\')) throw invalidParam(`Invalid ${what} '${p}': it must not contain backslashes or NUL`);
  if (p.startsWith('/') || /^[A-Za-z]:/.test(p)) throw invalidParam(`Invalid ${what} '${p}': it must be relative`);
  const segs = p.split('/').filter((s) => s !== '' && s !== '.');
  if (segs.some((s) => s === '..')) throw invalidParam(`Invalid ${what} '${p}': '..' is not allowed`);
  return segs.join('/');
}
