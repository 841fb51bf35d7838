import { withFilterErrors } from './errors';
import { randomUUID } from 'node:crypto';
import { ENTITY_WORDS, FilterSyntaxError, tokenizeFilter, type FilterToken } from '../../../shared/lib/mlflowFilter';
import type { EngineContext } from '../context';
import type { Db } from '../store';
import { invalidParam, notFound } from './errors';
import { generateRunName } from './names';
import { likeToEscapedLike, likeToGlob } from './searchSql';
import { validateExperimentId, validateParam, validateRunId, validateTag } from './validate';

/** MLflow 3 LoggedModelStatus (service.proto), proto3 JSON enum names. */
export const LOGGED_MODEL_STATUSES = ['LOGGED_MODEL_STATUS_UNSPECIFIED', 'LOGGED_MODEL_PENDING', 'LOGGED_MODEL_READY', 'LOGGED_MODEL_UPLOAD_FAILED'] as const;
export type LoggedModelStatus = (typeof LOGGED_MODEL_STATUSES)[number];

export interface KeyValue {
  key: string;
  value: string;
}

/** mlflow.Metric as proto3 JSON; non-finite values as "NaN" / "Infinity" / "-Infinity". */
export interface LoggedModelMetricJson {
  key: string;
  value: number | string;
  timestamp: number;
  step: number;
  dataset_name?: string;
  dataset_digest?: string;
  model_id: string;
  run_id?: string;
}

/** mlflow.LoggedModel as proto3 JSON: `{ info: LoggedModelInfo, data: LoggedModelData }`. */
export interface LoggedModelJson {
  info: {
    model_id: string;
    experiment_id: string;
    name: string;
    creation_timestamp_ms: number;
    last_updated_timestamp_ms: number;
    artifact_uri: string;
    status: LoggedModelStatus;
    model_type?: string;
    source_run_id?: string;
    status_message?: string;
    tags: KeyValue[];
  };
  data: {
    params: KeyValue[];
    metrics: LoggedModelMetricJson[];
  };
}

export interface CreateLoggedModelRequest {
  experiment_id: string;
  name?: string;
  model_type?: string;
  source_run_id?: string;
  params?: KeyValue[];
  tags?: KeyValue[];
}

export interface LoggedModelOrderBy {
  field_name: string;
  ascending?: boolean;
  dataset_name?: string;
  dataset_digest?: string;
}

export interface SearchLoggedModelsRequest {
  experiment_ids: string[];
  filter?: string;
  datasets?: Array<{ dataset_name: string; dataset_digest?: string }>;
  max_results?: number;
  order_by?: LoggedModelOrderBy[];
  page_token?: string;
}

export interface LoggedModelMetricInput {
  key: string;
  value: number;
  timestamp: number;
  step?: number;
  run_id?: string;
  dataset_name?: string;
  dataset_digest?: string;
}

export const SEARCH_LOGGED_MODELS_MAX_RESULTS_DEFAULT = 100;
export const SEARCH_LOGGED_MODELS_MAX_RESULTS_THRESHOLD = 50_000;

interface LoggedModelRow {
  model_id: string;
  experiment_id: number;
  name: string;
  artifact_location: string;
  creation_time: number;
  last_updated_time: number;
  source_run_id: string | null;
  status: string;
  status_message: string | null;
  model_type: string | null;
  lifecycle_stage: string;
}

interface MetricRow {
  key: string;
  value: number | null;
  is_nan: number;
  timestamp: number;
  step: number;
  run_id: string | null;
  dataset_name: string | null;
  dataset_digest: string | null;
}

type SqlParam = string | number;

function jsonDouble(v: number): number | string {
  if (Number.isFinite(v)) return v;
  return Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
}

/** Accepts the enum name or its number (proto3 JSON allows both). */
export function parseLoggedModelStatus(status: unknown): LoggedModelStatus {
  if (typeof status === 'number' && Number.isInteger(status) && status >= 0 && status < LOGGED_MODEL_STATUSES.length) {
    return LOGGED_MODEL_STATUSES[status] as LoggedModelStatus;
  }
  if (typeof status === 'string') {
    if (/^\d+$/.test(status)) return parseLoggedModelStatus(Number(status));
    const s = status.toUpperCase();
    const found = LOGGED_MODEL_STATUSES.find((x) => x === s || x === `LOGGED_MODEL_${s}`);
    if (found) return found;
  }
  throw invalidParam(`Invalid logged model status: ${JSON.stringify(status)}. Value must be one of ${LOGGED_MODEL_STATUSES.slice(1).join(', ')}.`);
}

// ---------------------------------------------------------------------------------------------------------------
// Search filter: `name = 'x'`, `params.alpha = '0.1'`, `tags.t LIKE 'a%'`, `metrics.acc > 0.9`, `status = 'LOGGED_MODEL_READY'`,
// `creation_timestamp > 0`, ANDed. Tokens come from the shared MLflow tokenizer.

type LmEntity = 'attribute' | 'param' | 'tag' | 'metric';
type LmOp = '=' | '!=' | '<' | '>' | '<=' | '>=' | 'LIKE' | 'ILIKE' | 'IN' | 'NOT IN';

interface LmClause {
  entity: LmEntity;
  key: string;
  op: LmOp;
  value: string | number | string[];
}

const ENTITIES: Readonly<Record<string, LmEntity>> = ENTITY_WORDS;
/** Logged model attribute → column, and whether it compares as a number. */
const ATTRIBUTES: Record<string, { col: string; numeric: boolean }> = {
  model_id: { col: 'lm.model_id', numeric: false },
  name: { col: 'lm.name', numeric: false },
  model_type: { col: 'lm.model_type', numeric: false },
  status: { col: 'lm.status', numeric: false },
  source_run_id: { col: 'lm.source_run_id', numeric: false },
  creation_timestamp: { col: 'lm.creation_time', numeric: true },
  creation_time: { col: 'lm.creation_time', numeric: true },
  creation_timestamp_ms: { col: 'lm.creation_time', numeric: true },
  last_updated_timestamp: { col: 'lm.last_updated_time', numeric: true },
  last_updated_timestamp_ms: { col: 'lm.last_updated_time', numeric: true },
};

const NUMERIC_OPS: readonly LmOp[] = ['=', '!=', '<', '>', '<=', '>='];
const STRING_OPS: readonly LmOp[] = ['=', '!=', 'LIKE', 'ILIKE', 'IN', 'NOT IN'];

const isWord = (t: FilterToken | undefined, kw: string) => t?.type === 'word' && t.text.toUpperCase() === kw;

export function parseLoggedModelFilter(src: string): LmClause[] {
  const fail = (detail: string, t?: FilterToken): never => {
    throw new FilterSyntaxError(detail, t?.start ?? 0, t ? t.end - t.start : 0);
  };
  const tokens = tokenizeFilter(src);
  let i = 0;
  const peek = () => tokens[i] as FilterToken;
  const next = () => {
    const t = peek();
    if (t.type !== 'eof') i++;
    return t;
  };
  const clauses: LmClause[] = [];
  if (peek().type === 'eof') return clauses;
  for (;;) {
    // identifier
    const first = next();
    let entity: LmEntity = 'attribute';
    let key: string;
    if (first.type === 'word' && first.text.includes('.')) {
      const dot = first.text.indexOf('.');
      const prefix = first.text.slice(0, dot).toLowerCase();
      const e = ENTITIES[prefix];
      if (!e) fail(`unknown entity ${JSON.stringify(first.text.slice(0, dot))}; expected one of metrics, params, tags, attributes`, first);
      entity = e as LmEntity;
      key = first.text.slice(dot + 1);
      if (key === '') {
        const q = peek();
        if (q.start === first.end && (q.type === 'backtick' || (q.type === 'string' && q.quote === '"'))) key = next().value;
        else fail(`expected a key right after ${JSON.stringify(first.text)}`, q);
      }
    } else if (first.type === 'word' || first.type === 'backtick') {
      key = first.value;
    } else {
      return fail(`expected an identifier such as name, metrics.<key>, params.<key> or tags.<key>, got ${first.type === 'eof' ? 'end of input' : JSON.stringify(first.text)}`, first);
    }
    const k = key as string;
    let numeric = entity === 'metric';
    if (entity === 'attribute') {
      const a = ATTRIBUTES[k.toLowerCase()];
      if (!a) return fail(`unknown attribute ${JSON.stringify(k)}; expected one of ${Object.keys(ATTRIBUTES).join(', ')}`, first);
      numeric = a.numeric;
    }
    // operator
    const t = next();
    let op: LmOp | undefined;
    if (t.type === 'op' && (NUMERIC_OPS as readonly string[]).includes(t.text)) op = t.text as LmOp;
    else if (isWord(t, 'LIKE') || isWord(t, 'ILIKE') || isWord(t, 'IN')) op = t.text.toUpperCase() as LmOp;
    else if (isWord(t, 'NOT') && isWord(peek(), 'IN')) {
      next();
      op = 'NOT IN';
    }
    const allowed = numeric ? NUMERIC_OPS : STRING_OPS;
    if (!op || !allowed.includes(op)) return fail(`operator ${JSON.stringify(t.text)} is not supported for ${entity} ${JSON.stringify(k)}; expected one of ${allowed.join(', ')}`, t);
    // value
    let value: string | number | string[];
    if (op === 'IN' || op === 'NOT IN') {
      if (next().type !== 'lparen') return fail(`expected "(" to start the ${op} list`, tokens[i - 1]);
      const values: string[] = [];
      for (;;) {
        const v = next();
        if (v.type !== 'string') return fail(`expected a quoted string in the ${op} list`, v);
        values.push(v.value);
        const sep = next();
        if (sep.type === 'rparen') break;
        if (sep.type !== 'comma') return fail('expected "," or ")"', sep);
      }
      value = values;
    } else {
      const v = next();
      if (numeric) {
        if (v.type !== 'number') return fail(`expected a number for ${entity} ${JSON.stringify(k)}`, v);
        value = Number(v.text);
      } else {
        if (v.type !== 'string') return fail(`expected a quoted string for ${entity} ${JSON.stringify(k)} (string values must be quoted)`, v);
        value = v.value;
      }
    }
    clauses.push({ entity, key: entity === 'attribute' ? k.toLowerCase() : k, op, value });
    const after = peek();
    if (after.type === 'eof') return clauses;
    if (isWord(after, 'OR')) fail('OR is not supported: MLflow filters can only combine comparisons with AND', after);
    if (!isWord(after, 'AND')) fail(`expected AND or the end of the filter, got ${JSON.stringify(after.text)}`, after);
    next();
  }
}

function compare(col: string, c: LmClause, params: SqlParam[]): string {
  switch (c.op) {
    case 'LIKE':
      params.push(likeToGlob(c.value as string));
      return `${col} GLOB ?`;
    case 'ILIKE':
      params.push(likeToEscapedLike(c.value as string));
      return `lower(${col}) LIKE lower(?) ESCAPE '\\'`;
    case 'IN':
    case 'NOT IN': {
      const list = c.value as string[];
      params.push(...list);
      return `${col} ${c.op} (${list.map(() => '?').join(', ')})`;
    }
    default:
      params.push(c.value as string | number);
      return `${col} ${c.op} ?`;
  }
}

/** The latest row per (key, dataset) — what MLflow compares and sorts logged model metrics by. */
const LATEST_METRIC = `NOT EXISTS (SELECT 1 FROM logged_model_metrics m2 WHERE m2.model_id = m.model_id AND m2.key = m.key
  AND m2.dataset_name IS m.dataset_name AND m2.dataset_digest IS m.dataset_digest
  AND (m2.timestamp > m.timestamp OR (m2.timestamp = m.timestamp AND m2.step > m.step)))`;

function datasetCondition(datasets: ReadonlyArray<{ dataset_name?: string; dataset_digest?: string }>, params: SqlParam[]): string {
  const parts = datasets
    .filter((d) => d.dataset_name)
    .map((d) => {
      params.push(d.dataset_name as string);
      if (d.dataset_digest) {
        params.push(d.dataset_digest);
        return '(m.dataset_name = ? AND m.dataset_digest = ?)';
      }
      return '(m.dataset_name = ?)';
    });
  return parts.length ? ` AND (${parts.join(' OR ')})` : '';
}

interface PageState {
  offset: number;
  experiment_ids: string[];
  filter: string;
  order_by: LoggedModelOrderBy[];
}

function encodeToken(s: PageState): string {
  return Buffer.from(JSON.stringify(s)).toString('base64');
}

function decodeToken(token: string | undefined): PageState | null {
  if (!token) return null;
  try {
    const s = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as Partial<PageState>;
    if (typeof s.offset === 'number' && Number.isSafeInteger(s.offset) && s.offset >= 0 && Array.isArray(s.experiment_ids) && typeof s.filter === 'string' && Array.isArray(s.order_by)) {
      return s as PageState;
    }
  } catch {
    // fall through
  }
  throw invalidParam(`Invalid page token, could not base64-decode or parse: ${token}`);
}

const normOrderBy = (o: LoggedModelOrderBy[]): LoggedModelOrderBy[] =>
  o.map((x) => ({
    field_name: x.field_name,
    ascending: x.ascending ?? true,
    ...(x.dataset_name ? { dataset_name: x.dataset_name } : {}),
    ...(x.dataset_digest ? { dataset_digest: x.dataset_digest } : {}),
  }));

/**
 * MLflow 3 logged models (`logged-models/*`, `runs/outputs`): models logged to an experiment with their own id,
 * artifact location, status, params, tags and metrics, soft-deleted like runs.
 */
export class LoggedModelsService {
  private readonly db: Db;
  private readonly q;

  constructor(private readonly ctx: EngineContext) {
    const db = (this.db = ctx.store.db);
    this.q = {
      row: db.prepare<[string], LoggedModelRow>('SELECT * FROM logged_models WHERE model_id = ?'),
      tags: db.prepare<[string], KeyValue>('SELECT key, value FROM logged_model_tags WHERE model_id = ? ORDER BY key'),
      params: db.prepare<[string], KeyValue>('SELECT key, value FROM logged_model_params WHERE model_id = ? ORDER BY key'),
      metrics: db.prepare<[string], MetricRow>(
        'SELECT key, value, is_nan, timestamp, step, run_id, dataset_name, dataset_digest FROM logged_model_metrics WHERE model_id = ? ORDER BY key, timestamp, step',
      ),
      param: db.prepare<[string, string], string>('SELECT value FROM logged_model_params WHERE model_id = ? AND key = ?').pluck(),
      putTag: db.prepare<[string, string, string]>(
        'INSERT INTO logged_model_tags (model_id, key, value) VALUES (?, ?, ?) ON CONFLICT (model_id, key) DO UPDATE SET value = excluded.value',
      ),
      insertParam: db.prepare<[string, string, string]>('INSERT INTO logged_model_params (model_id, key, value) VALUES (?, ?, ?)'),
      touch: db.prepare<[number, string]>('UPDATE logged_models SET last_updated_time = ? WHERE model_id = ?'),
    };
  }

  // ------------------------------------------------------------------------------------------------------------

  private activeRow(modelId: string, allowDeleted = false): LoggedModelRow {
    const row = typeof modelId === 'string' && modelId ? this.q.row.get(modelId) : undefined;
    if (!row || (!allowDeleted && row.lifecycle_stage !== 'active')) throw notFound(`Logged model with ID '${modelId}' not found.`);
    return row;
  }

  private toJson(row: LoggedModelRow): LoggedModelJson {
    const info: LoggedModelJson['info'] = {
      model_id: row.model_id,
      experiment_id: String(row.experiment_id),
      name: row.name,
      creation_timestamp_ms: row.creation_time,
      last_updated_timestamp_ms: row.last_updated_time,
      artifact_uri: row.artifact_location,
      status: (LOGGED_MODEL_STATUSES as readonly string[]).includes(row.status) ? (row.status as LoggedModelStatus) : 'LOGGED_MODEL_STATUS_UNSPECIFIED',
      tags: this.q.tags.all(row.model_id),
    };
    if (row.model_type) info.model_type = row.model_type;
    if (row.source_run_id) info.source_run_id = row.source_run_id;
    if (row.status_message) info.status_message = row.status_message;
    const metrics = this.q.metrics.all(row.model_id).map((m) => {
      const out: LoggedModelMetricJson = {
        key: m.key,
        value: m.is_nan ? 'NaN' : jsonDouble(m.value ?? NaN),
        timestamp: m.timestamp,
        step: m.step,
        model_id: row.model_id,
      };
      if (m.dataset_name) out.dataset_name = m.dataset_name;
      if (m.dataset_digest) out.dataset_digest = m.dataset_digest;
      if (m.run_id) out.run_id = m.run_id;
      return out;
    });
    return { info, data: { params: this.q.params.all(row.model_id), metrics } };
  }

  private validateKvs(kind: 'params' | 'tags', list: KeyValue[] | undefined): KeyValue[] {
    const out = (list ?? []).map((kv, i) => {
      const item = { key: kv.key, value: kv.value ?? '' };
      if (kind === 'params') validateParam(item, `${kind}[${i}]`);
      else validateTag(item, `${kind}[${i}]`);
      return item;
    });
    if (kind === 'params') {
      const seen = new Set<string>();
      const dupes = new Set<string>();
      for (const p of out) (seen.has(p.key) ? dupes : seen).add(p.key);
      if (dupes.size) {
        throw invalidParam(
          `Duplicate parameter keys have been submitted: [${[...dupes].map((d) => `'${d}'`).join(', ')}]. Please ensure the request contains only one param value per param key.`,
        );
      }
    }
    return out;
  }

  // ------------------------------------------------------------------------------------------------------------

  /** Creates a PENDING logged model under `<experiment artifact location>/models/<model_id>/artifacts`. */
  create(req: CreateLoggedModelRequest): LoggedModelJson {
    const expId = validateExperimentId(String(req.experiment_id ?? ''));
    if (req.source_run_id) validateRunId(req.source_run_id, 'source_run_id');
    const params = this.validateKvs('params', req.params);
    const tags = this.validateKvs('tags', req.tags);
    const exp = this.db
      .prepare<[number], { artifact_location: string; lifecycle_stage: string }>('SELECT artifact_location, lifecycle_stage FROM experiments WHERE experiment_id = ?')
      .get(expId);
    if (!exp) throw notFound(`No Experiment with id=${expId} exists`);
    if (exp.lifecycle_stage !== 'active') throw invalidParam(`The experiment ${expId} must be in the 'active' state. Current state is ${exp.lifecycle_stage}.`);
    const modelId = `m-${randomUUID().replace(/-/g, '')}`;
    const name = req.name || generateRunName();
    const artifactUri = `${exp.artifact_location.replace(/\/+$/, '')}/models/${modelId}/artifacts`;
    const now = Date.now();
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO logged_models (model_id, experiment_id, name, artifact_location, creation_time, last_updated_time, source_run_id, status, status_message, model_type, lifecycle_stage)
           VALUES (?, ?, ?, ?, ?, ?, ?, 'LOGGED_MODEL_PENDING', NULL, ?, 'active')`,
        )
        .run(modelId, expId, name, artifactUri, now, now, req.source_run_id || null, req.model_type || null);
      for (const p of params) this.q.insertParam.run(modelId, p.key, p.value);
      for (const t of tags) this.q.putTag.run(modelId, t.key, t.value);
    })();
    this.ctx.audit('loggedModels.create', modelId, { experiment_id: String(expId), name });
    return this.get(modelId);
  }

  /** RESOURCE_DOES_NOT_EXIST for unknown or deleted models (unless `allowDeleted`). */
  get(modelId: string, allowDeleted = false): LoggedModelJson {
    return this.toJson(this.activeRow(modelId, allowDeleted));
  }

  /** Sets the final status (LOGGED_MODEL_READY or LOGGED_MODEL_UPLOAD_FAILED; name or enum number). */
  finalize(modelId: string, status: unknown): LoggedModelJson {
    const s = parseLoggedModelStatus(status);
    if (s === 'LOGGED_MODEL_STATUS_UNSPECIFIED') throw invalidParam(`Invalid logged model status: ${JSON.stringify(status)}. Value must be one of ${LOGGED_MODEL_STATUSES.slice(1).join(', ')}.`);
    this.activeRow(modelId);
    this.db.prepare('UPDATE logged_models SET status = ?, last_updated_time = ? WHERE model_id = ?').run(s, Date.now(), modelId);
    this.ctx.audit('loggedModels.finalize', modelId, { status: s });
    return this.get(modelId);
  }

  /** Soft delete: the model disappears from get/search; its rows stay. */
  delete(modelId: string): void {
    this.activeRow(modelId);
    this.db.prepare("UPDATE logged_models SET lifecycle_stage = 'deleted', last_updated_time = ? WHERE model_id = ?").run(Date.now(), modelId);
    this.ctx.audit('loggedModels.delete', modelId);
  }

  /** Upserts tags. */
  setTags(modelId: string, tags: KeyValue[]): void {
    const list = this.validateKvs('tags', tags);
    this.db.transaction(() => {
      this.activeRow(modelId);
      for (const t of list) this.q.putTag.run(modelId, t.key, t.value);
      this.q.touch.run(Date.now(), modelId);
    })();
    this.ctx.audit('loggedModels.setTags', modelId, { keys: list.map((t) => t.key) });
  }

  deleteTag(modelId: string, key: string): void {
    this.db.transaction(() => {
      this.activeRow(modelId);
      const r = this.db.prepare('DELETE FROM logged_model_tags WHERE model_id = ? AND key = ?').run(modelId, key);
      if (r.changes === 0) throw notFound(`No tag with key '${key}' found for model with ID '${modelId}'.`);
      this.q.touch.run(Date.now(), modelId);
    })();
    this.ctx.audit('loggedModels.deleteTag', modelId, { key });
  }

  /** Params are write-once like run params: re-logging the same value is fine, changing it is not. */
  logParams(modelId: string, params: KeyValue[]): void {
    const list = this.validateKvs('params', params);
    this.db.transaction(() => {
      this.activeRow(modelId);
      for (const p of list) {
        const existing = this.q.param.get(modelId, p.key);
        if (existing === undefined) this.q.insertParam.run(modelId, p.key, p.value);
        else if (existing !== p.value) {
          throw invalidParam(
            `Changing param values is not allowed. Param with key='${p.key}' was already logged with value='${existing}' for model with ID '${modelId}'. Attempted logging new value '${p.value}'.`,
          );
        }
      }
      this.q.touch.run(Date.now(), modelId);
    })();
    this.ctx.audit('loggedModels.logParams', modelId, { keys: list.map((p) => p.key) });
  }

  /**
   * Records metric values on a model (what `runs/log-batch` with a `model_id` should feed). The table's key is
   * (model_id, key, step, timestamp): a second value at the same step and timestamp replaces the first, even
   * for another dataset.
   */
  logMetrics(modelId: string, metrics: LoggedModelMetricInput[]): void {
    const insert = this.db.prepare(
      `INSERT INTO logged_model_metrics (model_id, key, value, is_nan, timestamp, step, run_id, dataset_name, dataset_digest)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (model_id, key, step, timestamp) DO UPDATE SET value = excluded.value, is_nan = excluded.is_nan,
         run_id = excluded.run_id, dataset_name = excluded.dataset_name, dataset_digest = excluded.dataset_digest`,
    );
    this.db.transaction(() => {
      this.activeRow(modelId);
      for (const m of metrics) {
        if (!m.key) throw invalidParam(`Missing value for required parameter 'key'.`);
        const nan = Number.isNaN(m.value);
        insert.run(modelId, m.key, nan ? null : m.value, nan ? 1 : 0, m.timestamp, m.step ?? 0, m.run_id ?? null, m.dataset_name ?? null, m.dataset_digest ?? null);
      }
      this.q.touch.run(Date.now(), modelId);
    })();
  }

  /** MLflow `runs/outputs`: links models to the run that produced them (at a step). */
  logOutputs(runId: string, models: Array<{ model_id: string; step?: number }>): void {
    validateRunId(runId);
    this.db.transaction(() => {
      const run = this.db.prepare<[string], { lifecycle_stage: string }>('SELECT lifecycle_stage FROM runs WHERE run_uuid = ?').get(runId);
      if (!run) throw notFound(`Run with id=${runId} not found`);
      if (run.lifecycle_stage !== 'active') throw invalidParam(`The run ${runId} must be in the 'active' state. Current state is ${run.lifecycle_stage}.`);
      const put = this.db.prepare('INSERT INTO run_outputs (run_uuid, model_id, step) VALUES (?, ?, ?) ON CONFLICT (run_uuid, model_id) DO UPDATE SET step = excluded.step');
      for (const m of models) {
        this.activeRow(m.model_id);
        put.run(runId, m.model_id, m.step ?? 0);
      }
    })();
    this.ctx.audit('loggedModels.logOutputs', runId, { models: models.map((m) => m.model_id) });
  }

  /** A run's model outputs, as RunOutputs.model_outputs. */
  runOutputs(runId: string): Array<{ model_id: string; step: number }> {
    return this.db.prepare<[string], { model_id: string; step: number }>('SELECT model_id, step FROM run_outputs WHERE run_uuid = ? ORDER BY step, model_id').all(runId);
  }

  // ------------------------------------------------------------------------------------------------------------

  /**
   * MLflow search_logged_models: active models of the given experiments, ANDed filter over attributes, params,
   * tags and metrics (latest value per dataset, restricted to `datasets` when given), order_by entries
   * `{field_name, ascending, dataset_name?, dataset_digest?}`; default creation time DESC. Page tokens are
   * tied to the experiments, filter and order_by they were issued for.
   */
  search(req: SearchLoggedModelsRequest): { models: LoggedModelJson[]; next_page_token?: string } {
    const experimentIds = (req.experiment_ids ?? []).map(String);
    if (experimentIds.length === 0) throw invalidParam(`Missing value for required parameter 'experiment_ids'.`);
    const ids = experimentIds.map((id) => validateExperimentId(id));
    const limit = req.max_results ?? SEARCH_LOGGED_MODELS_MAX_RESULTS_DEFAULT;
    if (!Number.isSafeInteger(limit) || limit < 1) throw invalidParam(`Invalid value for request parameter max_results. It must be a positive integer, but got ${limit}`);
    if (limit > SEARCH_LOGGED_MODELS_MAX_RESULTS_THRESHOLD) {
      throw invalidParam(`Invalid value for request parameter max_results. It must be at most ${SEARCH_LOGGED_MODELS_MAX_RESULTS_THRESHOLD}, but got value ${limit}`);
    }
    const filterSrc = req.filter ?? '';
    const orderBy = normOrderBy(req.order_by ?? []);
    const state = decodeToken(req.page_token);
    if (
      state &&
      (JSON.stringify(state.experiment_ids) !== JSON.stringify(experimentIds) ||
        state.filter !== filterSrc ||
        JSON.stringify(normOrderBy(state.order_by)) !== JSON.stringify(orderBy))
    ) {
      throw invalidParam('The page token does not match this search: experiment_ids, filter and order_by must be the same as in the request that returned it.');
    }
    const offset = state?.offset ?? 0;
    const clauses = withFilterErrors(() => parseLoggedModelFilter(filterSrc));

    const params: SqlParam[] = [...ids, 'active'];
    const where = [`lm.experiment_id IN (${ids.map(() => '?').join(', ')})`, 'lm.lifecycle_stage = ?'];
    for (const c of clauses) {
      if (c.entity === 'attribute') {
        const a = ATTRIBUTES[c.key] as { col: string };
        where.push(compare(a.col, c, params));
      } else if (c.entity === 'metric') {
        params.push(c.key);
        const ds = datasetCondition(req.datasets ?? [], params);
        const cmp = compare('m.value', c, params);
        where.push(`EXISTS (SELECT 1 FROM logged_model_metrics m WHERE m.model_id = lm.model_id AND m.key = ?${ds} AND m.is_nan = 0 AND ${cmp} AND ${LATEST_METRIC})`);
      } else {
        const table = c.entity === 'param' ? 'logged_model_params' : 'logged_model_tags';
        params.push(c.key);
        where.push(`EXISTS (SELECT 1 FROM ${table} kv WHERE kv.model_id = lm.model_id AND kv.key = ? AND ${compare('kv.value', c, params)})`);
      }
    }

    const order: string[] = [];
    let byCreation = false;
    for (const o of orderBy) {
      const dir = o.ascending === false ? 'DESC' : 'ASC';
      const f = o.field_name ?? '';
      const m = /^metrics?\.(.+)$/i.exec(f);
      if (m) {
        params.push(m[1] as string);
        let ds = '';
        if (o.dataset_name) {
          params.push(o.dataset_name);
          ds = ' AND m.dataset_name = ?';
          if (o.dataset_digest) {
            params.push(o.dataset_digest);
            ds += ' AND m.dataset_digest = ?';
          }
        }
        const sub = `(SELECT CASE WHEN m.is_nan THEN NULL ELSE m.value END FROM logged_model_metrics m WHERE m.model_id = lm.model_id AND m.key = ?${ds} ORDER BY m.timestamp DESC, m.step DESC LIMIT 1)`;
        order.push(`${sub} ${dir} NULLS LAST`);
        continue;
      }
      const a = ATTRIBUTES[f.replace(/^attributes?\./i, '').toLowerCase()];
      if (!a) throw invalidParam(`Invalid order by field name '${f}'. Valid fields are ${Object.keys(ATTRIBUTES).join(', ')} and metrics.<key>.`);
      if (a.col === 'lm.creation_time') byCreation = true;
      order.push(`${a.col} ${dir} NULLS LAST`);
    }
    if (!byCreation) order.push('lm.creation_time DESC');
    order.push('lm.model_id ASC');
    params.push(limit + 1, offset);

    const sql = `SELECT lm.model_id FROM logged_models lm WHERE ${where.join(' AND ')} ORDER BY ${order.join(', ')} LIMIT ? OFFSET ?`;
    const found = this.db.prepare(sql).pluck().all(...params) as string[];
    const more = found.length > limit;
    const models = found.slice(0, limit).map((id) => this.get(id));
    return more ? { models, next_page_token: encodeToken({ offset: offset + limit, experiment_ids: experimentIds, filter: filterSrc, order_by: orderBy }) } : { models };
  }
}
