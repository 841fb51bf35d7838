import { withFilterErrors } from '../tracking/errors';
import { parseModelFilter, parseModelOrderBy } from '../../../shared/lib/mlflowFilter';
import type { EngineContext } from '../context';
import type { Db } from '../store';
import { alreadyExists, invalidParam, notFound } from '../tracking/errors';
import { decodePageToken, encodePageToken } from '../tracking/pageToken';
import { compileModelVersionSearch, compileRegisteredModelSearch } from '../tracking/searchSql';
import {
  ACTIVE_STAGES,
  STAGES,
  type CreateModelVersionRequest,
  type ModelVersionJson,
  type RegisteredModelJson,
  type RegistryTag,
  type SearchModelVersionsResult,
  type SearchRegisteredModelsResult,
  type SearchRequest,
  type Stage,
} from './types';

// MLflow's limits (mlflow/store/model_registry/__init__.py, mlflow/utils/validation.py).
export const SEARCH_REGISTERED_MODEL_MAX_RESULTS_DEFAULT = 100;
export const SEARCH_REGISTERED_MODEL_MAX_RESULTS_THRESHOLD = 1000;
export const SEARCH_MODEL_VERSION_MAX_RESULTS_DEFAULT = 200_000;
export const SEARCH_MODEL_VERSION_MAX_RESULTS_THRESHOLD = 200_000;
const MAX_TAG_KEY_LENGTH = 250;
const MAX_TAG_VALUE_LENGTH = 100_000;
const MAX_ALIAS_LENGTH = 255;
const MAX_NAME_LENGTH = 500;

interface RegisteredModelRow {
  name: string;
  creation_time: number;
  last_updated_time: number;
  description: string;
}

interface ModelVersionRow {
  name: string;
  version: number;
  creation_time: number;
  last_updated_time: number;
  description: string;
  user_id: string;
  current_stage: string;
  source: string;
  run_id: string | null;
  run_link: string | null;
  status: string;
  status_message: string | null;
  storage_location: string | null;
  model_id: string | null;
  deleted: number;
}

function checkLength(what: string, value: string, limit: number): void {
  if (value.length > limit) throw invalidParam(`${what} '${value.slice(0, 250)}' had length ${value.length}, which exceeded length limit of ${limit}`);
}

function validateModelName(name: unknown): string {
  if (typeof name !== 'string' || name === '') throw invalidParam('Registered model name cannot be empty.');
  checkLength('Registered model name', name, MAX_NAME_LENGTH);
  return name;
}

function validateTag(kind: 'Registered model' | 'Model version', key: unknown, value: unknown): RegistryTag {
  if (typeof key !== 'string' || key === '') throw invalidParam(`Missing value for required parameter 'key'.`);
  checkLength(`${kind} tag key`, key, MAX_TAG_KEY_LENGTH);
  const v = value === undefined || value === null ? '' : String(value);
  checkLength(`${kind} tag value`, v, MAX_TAG_VALUE_LENGTH);
  return { key, value: v };
}

function validateAlias(alias: unknown): string {
  if (typeof alias !== 'string' || alias === '') throw invalidParam('Registered model alias name cannot be empty.');
  if (!/^[\w-]*$/.test(alias)) {
    throw invalidParam(`Invalid alias name: '${alias}'. Names may only contain alphanumerics, underscores (_), and dashes (-).`);
  }
  checkLength('Registered model alias name', alias, MAX_ALIAS_LENGTH);
  if (alias.toLowerCase() === 'latest') throw invalidParam("'latest' alias name (case insensitive) is reserved.");
  if (/^[vV]\d+$/.test(alias)) throw invalidParam(`Version alias name '${alias}' is reserved.`);
  return alias;
}

/** MLflow versions travel as strings; anything that isn't an integer is rejected like MLflow does. */
export function parseVersion(version: unknown): number {
  const s = typeof version === 'number' ? String(version) : typeof version === 'string' ? version.trim() : '';
  if (!/^-?\d{1,15}$/.test(s)) throw invalidParam(`Parameter 'version' must be an integer, got '${String(version)}'.`);
  return Number(s);
}

/** Case-insensitive stage name → MLflow's canonical spelling. */
export function canonicalStage(stage: unknown): Stage {
  const s = typeof stage === 'string' ? stage.trim().toLowerCase() : '';
  const found = STAGES.find((x) => x.toLowerCase() === s);
  if (!found) throw invalidParam(`Invalid Model Version stage: ${String(stage)}. Value must be one of ${STAGES.join(', ')}.`);
  return found;
}

function maxResults(value: number | undefined, dflt: number, threshold: number): number {
  const n = value ?? dflt;
  if (!Number.isSafeInteger(n) || n < 1) throw invalidParam(`Invalid value for request parameter max_results. It must be a positive integer, but got ${n}`);
  if (n > threshold) throw invalidParam(`Invalid value for request parameter max_results. It must be at most ${threshold}, but got value ${n}`);
  return n;
}

const omitEmpty = (v: string | null | undefined): string | undefined => (v === null || v === undefined || v === '' ? undefined : v);

/**
 * MLflow Model Registry over the store's registry tables: registered models, versions (soft-deleted, numbers
 * never reused), stages, tags and aliases. Returns MLflow's JSON shapes; errors carry MLflow error codes.
 */
export class RegistryService {
  private readonly db: Db;
  private readonly q;

  constructor(private readonly ctx: EngineContext) {
    const db = (this.db = ctx.store.db);
    this.q = {
      rm: db.prepare<[string], RegisteredModelRow>('SELECT name, creation_time, last_updated_time, description FROM registered_models WHERE name = ?'),
      rmTags: db.prepare<[string], RegistryTag>('SELECT key, value FROM registered_model_tags WHERE name = ? ORDER BY key'),
      rmAliases: db.prepare<[string], { alias: string; version: number }>('SELECT alias, version FROM registered_model_aliases WHERE name = ? ORDER BY alias'),
      mv: db.prepare<[string, number], ModelVersionRow>('SELECT * FROM model_versions WHERE name = ? AND version = ? AND deleted = 0'),
      mvTags: db.prepare<[string, number], RegistryTag>('SELECT key, value FROM model_version_tags WHERE name = ? AND version = ? ORDER BY key'),
      mvAliases: db.prepare<[string, number], string>('SELECT alias FROM registered_model_aliases WHERE name = ? AND version = ? ORDER BY alias').pluck(),
      latestPerStage: db.prepare<[string], ModelVersionRow>(
        `SELECT mv.* FROM model_versions mv
         WHERE mv.name = ? AND mv.deleted = 0
           AND mv.version = (SELECT MAX(m2.version) FROM model_versions m2
                             WHERE m2.name = mv.name AND m2.deleted = 0 AND m2.current_stage = mv.current_stage)
         ORDER BY mv.version`,
      ),
      touchRm: db.prepare<[number, string]>('UPDATE registered_models SET last_updated_time = ? WHERE name = ?'),
      putRmTag: db.prepare<[string, string, string]>(
        'INSERT INTO registered_model_tags (name, key, value) VALUES (?, ?, ?) ON CONFLICT (name, key) DO UPDATE SET value = excluded.value',
      ),
      putMvTag: db.prepare<[string, number, string, string]>(
        'INSERT INTO model_version_tags (name, version, key, value) VALUES (?, ?, ?, ?) ON CONFLICT (name, version, key) DO UPDATE SET value = excluded.value',
      ),
      runArtifactUri: db.prepare<[string], string>('SELECT artifact_uri FROM runs WHERE run_uuid = ?').pluck(),
      loggedModel: db.prepare<[string], { artifact_location: string; source_run_id: string | null }>(
        "SELECT artifact_location, source_run_id FROM logged_models WHERE model_id = ? AND lifecycle_stage = 'active'",
      ),
    };
  }

  // ------------------------------------------------------------------------------------------------------------
  // Lookups and JSON

  private rmRow(name: string): RegisteredModelRow {
    const row = this.q.rm.get(validateModelName(name));
    if (!row) throw notFound(`Registered Model with name=${name} not found`);
    return row;
  }

  private mvRow(name: string, version: unknown): ModelVersionRow {
    validateModelName(name);
    const v = parseVersion(version);
    const row = this.q.mv.get(name, v);
    if (!row) throw notFound(`Model Version (name=${name}, version=${v}) not found`);
    return row;
  }

  private mvJson(row: ModelVersionRow): ModelVersionJson {
    const out: ModelVersionJson = {
      name: row.name,
      version: String(row.version),
      creation_timestamp: row.creation_time,
      last_updated_timestamp: row.last_updated_time,
      current_stage: row.current_stage,
      source: row.source,
      status: (row.status || 'READY') as ModelVersionJson['status'],
      tags: this.q.mvTags.all(row.name, row.version),
      aliases: this.q.mvAliases.all(row.name, row.version),
    };
    const user = omitEmpty(row.user_id);
    if (user !== undefined) out.user_id = user;
    const description = omitEmpty(row.description);
    if (description !== undefined) out.description = description;
    const runId = omitEmpty(row.run_id);
    if (runId !== undefined) out.run_id = runId;
    const message = omitEmpty(row.status_message);
    if (message !== undefined) out.status_message = message;
    const link = omitEmpty(row.run_link);
    if (link !== undefined) out.run_link = link;
    const modelId = omitEmpty(row.model_id);
    if (modelId !== undefined) out.model_id = modelId;
    return out;
  }

  private rmJson(row: RegisteredModelRow): RegisteredModelJson {
    const out: RegisteredModelJson = {
      name: row.name,
      creation_timestamp: row.creation_time,
      last_updated_timestamp: row.last_updated_time,
      latest_versions: this.q.latestPerStage.all(row.name).map((r) => this.mvJson(r)),
      tags: this.q.rmTags.all(row.name),
      aliases: this.q.rmAliases.all(row.name).map((a) => ({ alias: a.alias, version: String(a.version) })),
    };
    const description = omitEmpty(row.description);
    if (description !== undefined) out.description = description;
    return out;
  }

  // ------------------------------------------------------------------------------------------------------------
  // Registered models

  createRegisteredModel(req: { name: string; tags?: RegistryTag[]; description?: string }): RegisteredModelJson {
    const name = validateModelName(req.name);
    const tags = (req.tags ?? []).map((t) => validateTag('Registered model', t.key, t.value));
    const now = Date.now();
    this.db.transaction(() => {
      if (this.q.rm.get(name)) throw alreadyExists(`Registered Model (name=${name}) already exists.`);
      this.db
        .prepare('INSERT INTO registered_models (name, creation_time, last_updated_time, description) VALUES (?, ?, ?, ?)')
        .run(name, now, now, req.description ?? '');
      for (const t of tags) this.q.putRmTag.run(name, t.key, t.value);
    })();
    this.ctx.audit('registry.createRegisteredModel', name);
    return this.getRegisteredModel(name);
  }

  getRegisteredModel(name: string): RegisteredModelJson {
    return this.rmJson(this.rmRow(name));
  }

  /** Renames the model; versions, tags and aliases follow (ON UPDATE CASCADE). */
  renameRegisteredModel(name: string, newName: string): RegisteredModelJson {
    const target = validateModelName(newName);
    const now = Date.now();
    this.db.transaction(() => {
      this.rmRow(name);
      if (target !== name && this.q.rm.get(target)) throw alreadyExists(`Registered Model (name=${target}) already exists.`);
      this.db.prepare('UPDATE registered_models SET name = ?, last_updated_time = ? WHERE name = ?').run(target, now, name);
      this.db.prepare('UPDATE model_versions SET last_updated_time = ? WHERE name = ?').run(now, target);
    })();
    this.ctx.audit('registry.renameRegisteredModel', name, { new_name: target });
    return this.getRegisteredModel(target);
  }

  /** Sets the description (MLflow clears it when none is given). */
  updateRegisteredModel(name: string, description?: string): RegisteredModelJson {
    this.rmRow(name);
    this.db.prepare('UPDATE registered_models SET description = ?, last_updated_time = ? WHERE name = ?').run(description ?? '', Date.now(), name);
    this.ctx.audit('registry.updateRegisteredModel', name);
    return this.getRegisteredModel(name);
  }

  /** Deletes the model with all its versions, tags and aliases. */
  deleteRegisteredModel(name: string): void {
    this.db.transaction(() => {
      this.rmRow(name);
      // Cascades (foreign_keys = ON) would do this; explicit so it doesn't depend on the pragma.
      this.db.prepare('DELETE FROM model_version_tags WHERE name = ?').run(name);
      this.db.prepare('DELETE FROM registered_model_aliases WHERE name = ?').run(name);
      this.db.prepare('DELETE FROM model_versions WHERE name = ?').run(name);
      this.db.prepare('DELETE FROM registered_model_tags WHERE name = ?').run(name);
      this.db.prepare('DELETE FROM registered_models WHERE name = ?').run(name);
    })();
    this.ctx.audit('registry.deleteRegisteredModel', name);
  }

  /** MLflow search: `name = / != / LIKE / ILIKE`, `tags.k …`; order by name / timestamps; offset page tokens. */
  searchRegisteredModels(req: SearchRequest = {}): SearchRegisteredModelsResult {
    const limit = maxResults(req.max_results, SEARCH_REGISTERED_MODEL_MAX_RESULTS_DEFAULT, SEARCH_REGISTERED_MODEL_MAX_RESULTS_THRESHOLD);
    const filter = withFilterErrors(() => parseModelFilter(req.filter ?? '', 'registered_models'));
    const orderBy = withFilterErrors(() => parseModelOrderBy(req.order_by ?? [], 'registered_models'));
    const offset = decodePageToken(req.page_token);
    const { sql, params } = withFilterErrors(() => compileRegisteredModelSearch({ filter, orderBy, limit: limit + 1, offset }));
    const names = this.db.prepare(sql).pluck().all(...params) as string[];
    const more = names.length > limit;
    const registered_models = names.slice(0, limit).map((n) => this.getRegisteredModel(n));
    return more ? { registered_models, next_page_token: encodePageToken(offset + limit) } : { registered_models };
  }

  /** MLflow 1.x `registered-models/list`: every model by name, paged. */
  listRegisteredModels(req: { max_results?: number; page_token?: string } = {}): SearchRegisteredModelsResult {
    return this.searchRegisteredModels({ max_results: req.max_results, page_token: req.page_token });
  }

  /** Latest version in each requested stage (all stages when none are given). */
  getLatestVersions(name: string, stages?: string[]): ModelVersionJson[] {
    this.rmRow(name);
    const wanted = new Set<string>(stages && stages.length > 0 ? stages.map(canonicalStage) : STAGES);
    return this.q.latestPerStage
      .all(name)
      .filter((r) => wanted.has(r.current_stage))
      .map((r) => this.mvJson(r));
  }

  setRegisteredModelTag(name: string, key: string, value: string): void {
    const tag = validateTag('Registered model', key, value);
    this.rmRow(name);
    this.q.putRmTag.run(name, tag.key, tag.value);
    this.ctx.audit('registry.setRegisteredModelTag', name, { key });
  }

  /** Idempotent, as in MLflow: deleting a missing tag of an existing model is fine. */
  deleteRegisteredModelTag(name: string, key: string): void {
    if (typeof key !== 'string' || key === '') throw invalidParam(`Missing value for required parameter 'key'.`);
    this.rmRow(name);
    this.db.prepare('DELETE FROM registered_model_tags WHERE name = ? AND key = ?').run(name, key);
    this.ctx.audit('registry.deleteRegisteredModelTag', name, { key });
  }

  // ------------------------------------------------------------------------------------------------------------
  // Aliases

  setRegisteredModelAlias(name: string, alias: string, version: string | number): void {
    const a = validateAlias(alias);
    const now = Date.now();
    this.db.transaction(() => {
      this.rmRow(name);
      const mv = this.mvRow(name, version);
      this.db
        .prepare('INSERT INTO registered_model_aliases (name, alias, version) VALUES (?, ?, ?) ON CONFLICT (name, alias) DO UPDATE SET version = excluded.version')
        .run(name, a, mv.version);
      this.q.touchRm.run(now, name);
    })();
    this.ctx.audit('registry.setRegisteredModelAlias', name, { alias: a, version: String(version) });
  }

  /** Idempotent for a missing alias; the model must exist. */
  deleteRegisteredModelAlias(name: string, alias: string): void {
    const a = validateAlias(alias);
    this.db.transaction(() => {
      this.rmRow(name);
      const r = this.db.prepare('DELETE FROM registered_model_aliases WHERE name = ? AND alias = ?').run(name, a);
      if (r.changes > 0) this.q.touchRm.run(Date.now(), name);
    })();
    this.ctx.audit('registry.deleteRegisteredModelAlias', name, { alias: a });
  }

  getModelVersionByAlias(name: string, alias: string): ModelVersionJson {
    const a = validateAlias(alias);
    this.rmRow(name);
    const version = this.db.prepare<[string, string], number>('SELECT version FROM registered_model_aliases WHERE name = ? AND alias = ?').pluck().get(name, a);
    // MLflow answers INVALID_PARAMETER_VALUE here (clients match on it), not RESOURCE_DOES_NOT_EXIST.
    if (version === undefined) throw invalidParam(`Registered model alias ${a} not found.`);
    return this.getModelVersion(name, String(version));
  }

  // ------------------------------------------------------------------------------------------------------------
  // Model versions

  createModelVersion(req: CreateModelVersionRequest): ModelVersionJson {
    const name = validateModelName(req.name);
    if (typeof req.source !== 'string' || req.source === '') throw invalidParam(`Missing value for required parameter 'source'.`);
    const tags = (req.tags ?? []).map((t) => validateTag('Model version', t.key, t.value));
    let runId = omitEmpty(req.run_id);
    let modelId = omitEmpty(req.model_id);
    this.rmRow(name);

    // As MLflow: a `models:/` source is resolved to its storage location when the version is created.
    let storage: string | null = null;
    if (req.source.startsWith('models:/')) {
      try {
        const resolved = this.resolveModelsUri(req.source);
        storage = resolved.location;
        if (resolved.modelId) {
          modelId ??= resolved.modelId;
          runId ??= resolved.sourceRunId;
        }
      } catch (e) {
        throw invalidParam(`Unable to fetch model from model URI source artifact location '${req.source}'.Error: ${e instanceof Error ? e.message : String(e)}`);
      }
    } else if (req.source.startsWith('runs:/')) {
      storage = this.resolveRunsUri(req.source, false);
    }

    const now = Date.now();
    const version = this.db.transaction(() => {
      this.rmRow(name);
      const next = (this.db.prepare<[string], number>('SELECT COALESCE(MAX(version), 0) + 1 FROM model_versions WHERE name = ?').pluck().get(name) ?? 1) as number;
      this.db
        .prepare(
          `INSERT INTO model_versions (name, version, creation_time, last_updated_time, description, user_id, current_stage, source,
             run_id, run_link, status, status_message, storage_location, model_id, deleted)
           VALUES (?, ?, ?, ?, ?, ?, 'None', ?, ?, ?, 'READY', NULL, ?, ?, 0)`,
        )
        .run(name, next, now, now, req.description ?? '', req.user_id ?? '', req.source, runId ?? null, omitEmpty(req.run_link) ?? null, storage, modelId ?? null);
      for (const t of tags) this.q.putMvTag.run(name, next, t.key, t.value);
      this.q.touchRm.run(now, name);
      return next;
    })();
    this.ctx.audit('registry.createModelVersion', name, { version: String(version), source: req.source });
    return this.getModelVersion(name, String(version));
  }

  getModelVersion(name: string, version: string | number): ModelVersionJson {
    return this.mvJson(this.mvRow(name, version));
  }

  /** Sets the description (MLflow clears it when none is given). */
  updateModelVersion(name: string, version: string | number, description?: string): ModelVersionJson {
    const mv = this.mvRow(name, version);
    this.db.prepare('UPDATE model_versions SET description = ?, last_updated_time = ? WHERE name = ? AND version = ?').run(description ?? '', Date.now(), name, mv.version);
    this.ctx.audit('registry.updateModelVersion', name, { version: String(mv.version) });
    return this.getModelVersion(name, mv.version);
  }

  /** Soft delete (version numbers are never reused); drops the version's tags and the aliases pointing at it. */
  deleteModelVersion(name: string, version: string | number): void {
    const now = Date.now();
    const v = this.db.transaction(() => {
      const mv = this.mvRow(name, version);
      this.db.prepare('UPDATE model_versions SET deleted = 1, last_updated_time = ? WHERE name = ? AND version = ?').run(now, name, mv.version);
      this.db.prepare('DELETE FROM model_version_tags WHERE name = ? AND version = ?').run(name, mv.version);
      this.db.prepare('DELETE FROM registered_model_aliases WHERE name = ? AND version = ?').run(name, mv.version);
      this.q.touchRm.run(now, name);
      return mv.version;
    })();
    this.ctx.audit('registry.deleteModelVersion', name, { version: String(v) });
  }

  /** MLflow search: `name`, `run_id` (= != IN), `source_path`, `version_number`, `tags.k`; order by name/version/timestamps. */
  searchModelVersions(req: SearchRequest = {}): SearchModelVersionsResult {
    const limit = maxResults(req.max_results, SEARCH_MODEL_VERSION_MAX_RESULTS_DEFAULT, SEARCH_MODEL_VERSION_MAX_RESULTS_THRESHOLD);
    const filter = withFilterErrors(() => parseModelFilter(req.filter ?? '', 'model_versions'));
    const orderBy = withFilterErrors(() => parseModelOrderBy(req.order_by ?? [], 'model_versions'));
    const offset = decodePageToken(req.page_token);
    const { sql, params } = withFilterErrors(() => compileModelVersionSearch({ filter, orderBy, limit: limit + 1, offset }));
    const keys = this.db.prepare(sql).all(...params) as Array<{ name: string; version: number }>;
    const more = keys.length > limit;
    const model_versions = keys.slice(0, limit).map((k) => this.getModelVersion(k.name, k.version));
    return more ? { model_versions, next_page_token: encodePageToken(offset + limit) } : { model_versions };
  }

  setModelVersionTag(name: string, version: string | number, key: string, value: string): void {
    const tag = validateTag('Model version', key, value);
    const mv = this.mvRow(name, version);
    this.q.putMvTag.run(name, mv.version, tag.key, tag.value);
    this.ctx.audit('registry.setModelVersionTag', name, { version: String(mv.version), key });
  }

  /** Idempotent, as in MLflow: deleting a missing tag of an existing version is fine. */
  deleteModelVersionTag(name: string, version: string | number, key: string): void {
    if (typeof key !== 'string' || key === '') throw invalidParam(`Missing value for required parameter 'key'.`);
    const mv = this.mvRow(name, version);
    this.db.prepare('DELETE FROM model_version_tags WHERE name = ? AND version = ? AND key = ?').run(name, mv.version, key);
    this.ctx.audit('registry.deleteModelVersionTag', name, { version: String(mv.version), key });
  }

  /**
   * Moves a version to a stage (input case-insensitive, stored canonical). With `archiveExistingVersions`
   * (Staging/Production only) every other version of the model in that stage moves to Archived.
   */
  transitionModelVersionStage(name: string, version: string | number, stage: string, archiveExistingVersions = false): ModelVersionJson {
    const target = canonicalStage(stage);
    if (archiveExistingVersions && !ACTIVE_STAGES.includes(target)) {
      throw invalidParam(
        `Model version transition cannot archive existing model versions because '${stage}' is not an Active stage. Valid stages are ${ACTIVE_STAGES.join(', ')}`,
      );
    }
    const now = Date.now();
    const v = this.db.transaction(() => {
      const mv = this.mvRow(name, version);
      let archived: number[] = [];
      if (archiveExistingVersions) {
        archived = this.db
          .prepare<[string, number, string], number>('SELECT version FROM model_versions WHERE name = ? AND version != ? AND current_stage = ? AND deleted = 0')
          .pluck()
          .all(name, mv.version, target);
        this.db
          .prepare("UPDATE model_versions SET current_stage = 'Archived', last_updated_time = ? WHERE name = ? AND version != ? AND current_stage = ? AND deleted = 0")
          .run(now, name, mv.version, target);
      }
      this.db.prepare('UPDATE model_versions SET current_stage = ?, last_updated_time = ? WHERE name = ? AND version = ?').run(target, now, name, mv.version);
      this.q.touchRm.run(now, name);
      return { version: mv.version, archived };
    })();
    this.ctx.audit('registry.transitionModelVersionStage', name, {
      version: String(v.version),
      stage: target,
      ...(v.archived.length ? { archived: v.archived.map(String) } : {}),
    });
    return this.getModelVersion(name, v.version);
  }

  /** Where the version's artifacts live: the resolved `models:/` / `runs:/` source, else the source itself. */
  getModelVersionDownloadUri(name: string, version: string | number): string {
    const mv = this.mvRow(name, version);
    if (mv.storage_location) return mv.storage_location;
    if (mv.source.startsWith('runs:/')) return this.resolveRunsUri(mv.source, true) ?? mv.source;
    if (mv.source.startsWith('models:/')) return this.resolveModelsUri(mv.source).location;
    return mv.source;
  }

  // ------------------------------------------------------------------------------------------------------------
  // URI resolution

  /** `runs:/<run_id>/<path>` → the run's artifact_uri + path; null (or NOT_FOUND when `required`) for an unknown run. */
  private resolveRunsUri(uri: string, required: boolean): string | null {
    const m = /^runs:\/+([^/]+)\/?(.*)$/.exec(uri);
    if (!m) throw invalidParam(`Invalid runs URI '${uri}': expected runs:/<run_id>/<path>`);
    const runId = m[1] as string;
    const sub = (m[2] ?? '').replace(/^\/+|\/+$/g, '');
    const base = this.q.runArtifactUri.get(runId) as string | undefined;
    if (base === undefined) {
      if (required) throw notFound(`Run with id=${runId} not found`);
      return null;
    }
    return sub ? `${base.replace(/\/+$/, '')}/${sub}` : base;
  }

  /**
   * `models:/<model_id>` (MLflow 3 logged model), `models:/<name>/<version|stage|latest>` and `models:/<name>@<alias>`
   * → artifact location.
   */
  private resolveModelsUri(uri: string, depth = 0): { location: string; modelId?: string; sourceRunId?: string } {
    if (depth > 8) throw invalidParam(`Too many nested models:/ URIs resolving '${uri}'`);
    const body = uri.replace(/^models:\/+/, '').replace(/\/+$/, '');
    const at = body.indexOf('@');
    let name: string;
    let mv: ModelVersionRow | undefined;
    if (at >= 0) {
      name = body.slice(0, at);
      const alias = body.slice(at + 1);
      const v = this.db.prepare<[string, string], number>('SELECT version FROM registered_model_aliases WHERE name = ? AND alias = ?').pluck().get(name, alias);
      if (v === undefined) throw invalidParam(`Registered model alias ${alias} not found.`);
      mv = this.q.mv.get(name, v);
    } else {
      const slash = body.lastIndexOf('/');
      if (slash < 0) {
        const lm = this.q.loggedModel.get(body);
        if (!lm) throw notFound(`Logged model with ID '${body}' not found.`);
        return { location: lm.artifact_location, modelId: body, ...(lm.source_run_id ? { sourceRunId: lm.source_run_id } : {}) };
      }
      name = body.slice(0, slash);
      const ref = body.slice(slash + 1);
      this.rmRow(name);
      if (/^\d+$/.test(ref)) mv = this.q.mv.get(name, Number(ref));
      else if (ref.toLowerCase() === 'latest') {
        mv = this.db.prepare<[string], ModelVersionRow>('SELECT * FROM model_versions WHERE name = ? AND deleted = 0 ORDER BY version DESC LIMIT 1').get(name);
      } else {
        const stage = canonicalStage(ref);
        mv = this.db
          .prepare<[string, string], ModelVersionRow>('SELECT * FROM model_versions WHERE name = ? AND current_stage = ? AND deleted = 0 ORDER BY version DESC LIMIT 1')
          .get(name, stage);
      }
    }
    if (!mv) throw notFound(`No model version matches '${uri}'`);
    if (mv.storage_location) return { location: mv.storage_location };
    if (mv.source.startsWith('models:/')) return this.resolveModelsUri(mv.source, depth + 1);
    if (mv.source.startsWith('runs:/')) return { location: this.resolveRunsUri(mv.source, true) ?? mv.source };
    return { location: mv.source };
  }
}
