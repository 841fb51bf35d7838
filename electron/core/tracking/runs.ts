import { randomUUID } from 'node:crypto';
import type { MetricValue, Run, RunInfo, RunRow, RunStatus } from '../../../shared/contract/tracking';
import type { EngineContext } from '../context';
import type { Experiments } from './experiments';
import { invalidParam, invalidState, notFound } from './errors';
import { MetricStore, orderByStep, type MetricPoint } from './metricStore';
import { generateRunName } from './names';
import { clip, validateBatchLimits, validateMetric, validateParam, validateRunId, validateTag } from './validate';

interface RunDbRow {
  run_uuid: string;
  experiment_id: number;
  name: string;
  user_id: string;
  status: RunStatus;
  start_time: number | null;
  end_time: number | null;
  lifecycle_stage: 'active' | 'deleted';
  artifact_uri: string;
}

export interface LogBatchInput {
  metrics?: Array<{ key: string; value: number; timestamp: number; step?: number }>;
  params?: Array<{ key: string; value: string }>;
  tags?: Array<{ key: string; value: string }>;
}

export interface DatasetInputIn {
  tags?: Array<{ key: string; value: string }>;
  dataset: { name: string; digest: string; source_type: string; source: string; schema?: string; profile?: string };
}

const RUN_NAME_TAG = 'mlflow.runName';
const USER_TAG = 'mlflow.user';

export class Runs {
  readonly metrics: MetricStore;
  private readonly stmts;

  constructor(
    private readonly ctx: EngineContext,
    private readonly experiments: Experiments,
  ) {
    const db = ctx.store.db;
    this.metrics = new MetricStore(db);
    this.stmts = {
      run: db.prepare('SELECT * FROM runs WHERE run_uuid = ?'),
      param: db.prepare('SELECT value FROM params WHERE run_uuid = ? AND key = ?').pluck(),
      insertParam: db.prepare('INSERT INTO params (run_uuid, key, value) VALUES (?, ?, ?)'),
      putTag: db.prepare('INSERT INTO tags (run_uuid, key, value) VALUES (?, ?, ?) ON CONFLICT (run_uuid, key) DO UPDATE SET value = excluded.value'),
      setName: db.prepare('UPDATE runs SET name = ? WHERE run_uuid = ?'),
      latest: db.prepare('SELECT key, value, timestamp, step, is_nan FROM latest_metrics WHERE run_uuid = ? ORDER BY key'),
      inputs: db.prepare(
        `SELECT d.name, d.digest, d.source_type, d.source, d.schema, d.profile, i.tags FROM run_inputs i JOIN datasets d USING (dataset_uuid) WHERE i.run_uuid = ? ORDER BY d.name`,
      ),
      outputs: db.prepare('SELECT model_id, step FROM run_outputs WHERE run_uuid = ? ORDER BY step, model_id'),
      params: db.prepare('SELECT key, value FROM params WHERE run_uuid = ? ORDER BY key'),
      tags: db.prepare('SELECT key, value FROM tags WHERE run_uuid = ? ORDER BY key'),
    };
  }
  private get db() {
    return this.ctx.store.db;
  }

  row(runId: string): RunDbRow {
    validateRunId(runId);
    const row = this.stmts.run.get(runId) as RunDbRow | undefined;
    if (!row) throw notFound(`Run with id=${runId} not found`);
    return row;
  }

  private activeRow(runId: string): RunDbRow {
    const row = this.row(runId);
    if (row.lifecycle_stage !== 'active') {
      throw invalidParam(`The run ${runId} must be in the 'active' state. Current state is ${row.lifecycle_stage}.`);
    }
    return row;
  }

  info(row: RunDbRow): RunInfo {
    const info: RunInfo = {
      run_id: row.run_uuid,
      run_uuid: row.run_uuid,
      run_name: row.name,
      experiment_id: String(row.experiment_id),
      user_id: row.user_id,
      status: row.status,
      artifact_uri: row.artifact_uri,
      lifecycle_stage: row.lifecycle_stage,
    };
    if (row.start_time !== null) info.start_time = row.start_time;
    if (row.end_time !== null) info.end_time = row.end_time;
    return info;
  }

  create(input: { experimentId?: string; userId?: string; startTime?: number; runName?: string; tags?: Array<{ key: string; value: string }> }): Run {
    const expId = input.experimentId ?? '0';
    const exp = this.experiments.row(expId);
    if (exp.lifecycle_stage !== 'active') throw invalidState(`The experiment ${expId} must be in the 'active' state. Current state is deleted.`);
    const tags = input.tags ?? [];
    tags.forEach((t, i) => validateTag(t, `tags[${i}]`));
    const tagName = tags.find((t) => t.key === RUN_NAME_TAG)?.value;
    if (input.runName && tagName && input.runName !== tagName) {
      throw invalidParam(`Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different values (run_name='${clip(input.runName)}', mlflow.runName='${clip(tagName)}').`);
    }
    const name = input.runName || tagName || generateRunName();
    const runId = randomUUID().replace(/-/g, '');
    const userId = input.userId ?? tags.find((t) => t.key === USER_TAG)?.value ?? '';
    const artifactUri = `${exp.artifact_location.replace(/\/$/, '')}/${runId}/artifacts`;
    this.db.transaction(() => {
      this.db
        .prepare('INSERT INTO runs (run_uuid, experiment_id, name, user_id, status, start_time, end_time, lifecycle_stage, artifact_uri) VALUES (?, ?, ?, ?, ?, ?, NULL, ?, ?)')
        .run(runId, exp.experiment_id, name, userId, 'RUNNING', input.startTime ?? Date.now(), 'active', artifactUri);
      for (const t of tags) this.stmts.putTag.run(runId, t.key, t.value);
      this.stmts.putTag.run(runId, RUN_NAME_TAG, name);
    })();
    this.changed(runId);
    return this.get(runId);
  }

  get(runId: string): Run {
    const row = this.row(runId);
    const st = this.stmts;
    const latest = st.latest.all(runId) as Array<{ key: string; value: number | null; timestamp: number; step: number; is_nan: number }>;
    const inputs = st.inputs.all(runId) as Array<{ name: string; digest: string; source_type: string; source: string; schema: string | null; profile: string | null; tags: string }>;
    const outputs = st.outputs.all(runId) as Array<{ model_id: string; step: number }>;
    return {
      info: this.info(row),
      data: {
        metrics: latest.map((m) => ({ key: m.key, value: m.is_nan ? NaN : (m.value as number), timestamp: m.timestamp, step: m.step })),
        params: st.params.all(runId) as Array<{ key: string; value: string }>,
        tags: st.tags.all(runId) as Array<{ key: string; value: string }>,
      },
      inputs: {
        dataset_inputs: inputs.map((d) => ({
          tags: JSON.parse(d.tags) as Array<{ key: string; value: string }>,
          dataset: {
            name: d.name,
            digest: d.digest,
            source_type: d.source_type,
            source: d.source,
            ...(d.schema !== null ? { schema: d.schema } : {}),
            ...(d.profile !== null ? { profile: d.profile } : {}),
          },
        })),
      },
      outputs: { model_outputs: outputs },
    };
  }

  update(runId: string, patch: { status?: RunStatus; endTime?: number; runName?: string }): RunInfo {
    const row = this.activeRow(runId);
    this.db.transaction(() => {
      if (patch.status) this.db.prepare('UPDATE runs SET status = ? WHERE run_uuid = ?').run(patch.status, runId);
      if (patch.endTime !== undefined) this.db.prepare('UPDATE runs SET end_time = ? WHERE run_uuid = ?').run(patch.endTime, runId);
      else if (patch.status && patch.status !== 'RUNNING' && patch.status !== 'SCHEDULED' && row.end_time === null) {
        this.db.prepare('UPDATE runs SET end_time = ? WHERE run_uuid = ?').run(Date.now(), runId);
      }
      if (patch.runName) {
        this.stmts.setName.run(patch.runName, runId);
        this.stmts.putTag.run(runId, RUN_NAME_TAG, patch.runName);
      }
    })();
    this.changed(runId);
    return this.info(this.row(runId));
  }

  setLifecycle(runId: string, stage: 'active' | 'deleted'): void {
    const row = this.row(runId);
    if (stage === 'active' && row.lifecycle_stage === 'active') return;
    this.db.prepare('UPDATE runs SET lifecycle_stage = ?, deleted_time = ? WHERE run_uuid = ?').run(stage, stage === 'deleted' ? Date.now() : null, runId);
    this.ctx.audit(`run.${stage === 'deleted' ? 'delete' : 'restore'}`, runId);
    this.changed(runId);
  }

  /** log-batch: all-or-nothing in one transaction, MLflow limits and param immutability. */
  logBatch(runId: string, batch: LogBatchInput): void {
    const metrics = batch.metrics ?? [];
    const params = batch.params ?? [];
    const tags = batch.tags ?? [];
    validateBatchLimits(metrics.length, params.length, tags.length);
    const points = new Map<string, MetricPoint[]>();
    const knownKeys = new Set<string>();
    metrics.forEach((m, i) => {
      const p = { key: m.key, value: m.value, timestamp: m.timestamp, step: m.step ?? 0 };
      validateMetric(p, `metrics[${i}]`, knownKeys);
      let list = points.get(m.key);
      if (!list) points.set(m.key, (list = []));
      list.push(p);
    });
    params.forEach((p, i) => validateParam(p, `params[${i}]`));
    tags.forEach((t, i) => validateTag(t, `tags[${i}]`));
    const seen = new Map<string, string>();
    const dupes: string[] = [];
    for (const p of params) {
      if (seen.has(p.key) && seen.get(p.key) !== p.value) dupes.push(p.key);
      seen.set(p.key, p.value);
    }
    if (dupes.length) {
      throw invalidParam(`Duplicate parameter keys have been submitted: [${dupes.map((d) => `'${d}'`).join(', ')}]. Please ensure the request contains only one param value per param key.`);
    }
    const row = this.activeRow(runId);
    let maxStep = -Infinity;
    this.db.transaction(() => {
      for (const p of seen.keys()) {
        const value = seen.get(p)!;
        const existing = this.stmts.param.get(runId, p) as string | undefined;
        if (existing === undefined) this.stmts.insertParam.run(runId, p, value);
        else if (existing !== value) {
          throw invalidParam(
            `Changing param values is not allowed. Param with key='${p}' was already logged with value='${clip(existing)}' for run ID='${runId}'. Attempted logging new value '${clip(value)}'.`,
          );
        }
      }
      for (const t of tags) {
        this.stmts.putTag.run(runId, t.key, t.value);
        if (t.key === RUN_NAME_TAG) this.stmts.setName.run(t.value, runId);
      }
      for (const [key, list] of points) {
        this.metrics.append(runId, key, list);
        for (const p of list) if (p.step > maxStep) maxStep = p.step;
      }
    }).immediate();
    if (params.length > 0 || tags.length > 0) this.changed(runId);
    if (points.size > 0) {
      this.ctx.events.publish('tracking.metricsLogged', {
        run_id: runId,
        experiment_id: String(row.experiment_id),
        keys: [...points.keys()],
        count: metrics.length,
        max_step: maxStep,
      });
    }
  }

  deleteTag(runId: string, key: string): void {
    this.activeRow(runId);
    const r = this.db.prepare('DELETE FROM tags WHERE run_uuid = ? AND key = ?').run(runId, key);
    if (r.changes === 0) throw notFound(`No tag with name: ${clip(key)} in run with id ${runId}`);
    this.changed(runId);
  }

  logInputs(runId: string, datasets: DatasetInputIn[]): void {
    const row = this.activeRow(runId);
    if (datasets.length > 1000) throw invalidParam(`A batch logging request can contain at most 1000 datasets. Got ${datasets.length} datasets. Please split up datasets across multiple requests and try again.`);
    this.db.transaction(() => {
      for (const d of datasets) {
        const ds = d.dataset;
        if (!ds.name || ds.name.length > 500) throw invalidParam(`Invalid dataset name '${clip(ds.name)}'`);
        if (!ds.digest || ds.digest.length > 36) throw invalidParam(`Invalid dataset digest '${clip(ds.digest)}' (at most 36 characters)`);
        this.db
          .prepare(
            `INSERT INTO datasets (dataset_uuid, experiment_id, name, digest, source_type, source, schema, profile) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (experiment_id, name, digest) DO NOTHING`,
          )
          .run(randomUUID().replace(/-/g, ''), row.experiment_id, ds.name, ds.digest, ds.source_type, ds.source, ds.schema ?? null, ds.profile ?? null);
        const uuid = this.db.prepare('SELECT dataset_uuid FROM datasets WHERE experiment_id = ? AND name = ? AND digest = ?').pluck().get(row.experiment_id, ds.name, ds.digest);
        this.db
          .prepare('INSERT INTO run_inputs (run_uuid, dataset_uuid, tags) VALUES (?, ?, ?) ON CONFLICT (run_uuid, dataset_uuid) DO UPDATE SET tags = excluded.tags')
          .run(runId, uuid, JSON.stringify(d.tags ?? []));
      }
    })();
    this.changed(runId);
  }

  /** Full history as MLflow metric objects (ordered by step, then timestamp). */
  history(runId: string, key: string): MetricValue[] {
    this.row(runId);
    const s = this.metrics.series(runId, key);
    const order = orderByStep(s);
    const out: MetricValue[] = new Array(order.length);
    for (let i = 0; i < order.length; i++) {
      const j = order[i]!;
      out[i] = { key, value: s.values[j]!, timestamp: s.timestamps[j]!, step: s.steps[j]! };
    }
    return out;
  }

  /** MLflow get-history-bulk-interval: up to maxResults evenly spaced steps (always the first and last) per run. */
  bulkInterval(runIds: string[], key: string, startStep: number | undefined, endStep: number | undefined, maxResults: number): Array<MetricValue & { run_id: string }> {
    const out: Array<MetricValue & { run_id: string }> = [];
    const perRun = runIds.map((id) => {
      this.row(id);
      const s = this.metrics.series(id, key, startStep !== undefined || endStep !== undefined ? { startStep: startStep ?? -Infinity, endStep: endStep ?? Infinity } : undefined);
      return { id, s, order: orderByStep(s) };
    });
    const allSteps = new Set<number>();
    for (const r of perRun) for (const st of r.s.steps) allSteps.add(st);
    const sorted = [...allSteps].sort((a, b) => a - b);
    let chosen: Set<number>;
    if (sorted.length <= maxResults) chosen = new Set(sorted);
    else {
      chosen = new Set([sorted[0]!, sorted[sorted.length - 1]!]);
      const stride = (sorted.length - 1) / (maxResults - 1);
      for (let i = 1; chosen.size < maxResults && i < maxResults - 1; i++) chosen.add(sorted[Math.round(i * stride)]!);
    }
    for (const r of perRun) {
      for (const j of r.order) {
        const step = r.s.steps[j]!;
        if (chosen.has(step)) out.push({ key, value: r.s.values[j]!, timestamp: r.s.timestamps[j]!, step, run_id: r.id });
      }
    }
    return out;
  }

  /** Table rows (params/tags/latest metrics) for many runs, in the given order, with batched queries. */
  rows(runIds: string[]): RunRow[] {
    if (runIds.length === 0) return [];
    const byId = new Map<string, RunRow>();
    const CHUNK = 500;
    for (let i = 0; i < runIds.length; i += CHUNK) {
      const ids = runIds.slice(i, i + CHUNK);
      const q = ids.map(() => '?').join(',');
      for (const r of this.db.prepare(`SELECT * FROM runs WHERE run_uuid IN (${q})`).all(...ids) as RunDbRow[]) {
        byId.set(r.run_uuid, { info: this.info(r), params: {}, tags: {}, metrics: {} });
      }
      for (const p of this.db.prepare(`SELECT run_uuid, key, value FROM params WHERE run_uuid IN (${q})`).all(...ids) as Array<{ run_uuid: string; key: string; value: string }>) {
        byId.get(p.run_uuid)!.params[p.key] = p.value;
      }
      for (const t of this.db.prepare(`SELECT run_uuid, key, value FROM tags WHERE run_uuid IN (${q})`).all(...ids) as Array<{ run_uuid: string; key: string; value: string }>) {
        byId.get(t.run_uuid)!.tags[t.key] = t.value;
      }
      const ms = this.db
        .prepare(`SELECT run_uuid, key, value, step, timestamp, is_nan, min_value, max_value, count FROM latest_metrics WHERE run_uuid IN (${q})`)
        .all(...ids) as Array<{ run_uuid: string; key: string; value: number | null; step: number; timestamp: number; is_nan: number; min_value: number | null; max_value: number | null; count: number }>;
      for (const m of ms) {
        byId.get(m.run_uuid)!.metrics[m.key] = {
          key: m.key,
          value: m.is_nan ? NaN : (m.value as number),
          step: m.step,
          timestamp: m.timestamp,
          min: m.min_value,
          max: m.max_value,
          count: m.count,
        };
      }
    }
    return runIds.map((id) => byId.get(id)).filter((r): r is RunRow => r !== undefined);
  }

  private changed(runId: string): void {
    const row = this.stmts.run.get(runId) as RunDbRow | undefined;
    if (!row) return;
    this.ctx.events.publish('tracking.runChanged', {
      run_id: runId,
      experiment_id: String(row.experiment_id),
      status: row.status,
      lifecycle_stage: row.lifecycle_stage,
    });
  }
}
