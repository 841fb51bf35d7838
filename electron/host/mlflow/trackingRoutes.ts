import { z } from 'zod';
import { invalidParam } from '../../core/tracking/errors';
import type { ViewType } from '../../core/tracking';
import { MAX_BATCH_LOG_REQUEST_SIZE } from '../../core/tracking/validate';
import { decodePageToken, encodePageToken } from '../../core/tracking/pageToken';
import { double, int64, keyValue, parseRequest, repeated, str } from './fields';
import { route, type MlflowRequest, type MlflowRoute } from './router';

const VIEW_TYPES = ['ACTIVE_ONLY', 'DELETED_ONLY', 'ALL'] as const;
const viewType = z
  .union([z.enum(VIEW_TYPES), z.enum(['1', '2', '3']).transform((n) => VIEW_TYPES[Number(n) - 1]!), z.number().int().min(1).max(3).transform((n) => VIEW_TYPES[n - 1]!)])
  .optional()
  .transform((v): ViewType => v ?? 'ACTIVE_ONLY');
const STATUSES = ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'] as const;
const runStatus = z.union([z.enum(STATUSES), z.number().int().min(1).max(5).transform((n) => STATUSES[n - 1]!)]);
const maxResults = (def: number) => int64.optional().transform((v) => v ?? def);
const tags = repeated(keyValue).optional().default([]);

/** run_id, with MLflow 1.x's run_uuid as a fallback. */
const runIdOf = (b: { run_id?: string; run_uuid?: string }): string => {
  const id = b.run_id || b.run_uuid;
  if (!id) throw invalidParam("Missing value for required parameter 'run_id'.");
  return id;
};
const runRef = { run_id: str.optional(), run_uuid: str.optional() };

const t = (r: MlflowRequest) => r.engine.tracking;

const metricSchema = z.object({ key: str, value: double, timestamp: int64, step: int64.optional() });
const logBatchRest = z.object({ run_id: str, params: repeated(keyValue).optional(), tags: repeated(keyValue).optional() });
const logBatchSchema = logBatchRest.extend({ metrics: repeated(metricSchema).optional() });
type CanonicalMetric = { key: string; value: number; timestamp: number; step?: number };
function isCanonicalMetrics(m: unknown): m is CanonicalMetric[] {
  if (!Array.isArray(m)) return false;
  for (const x of m as Array<Record<string, unknown> | null>) {
    if (x === null || typeof x !== 'object' || typeof x.key !== 'string' || typeof x.value !== 'number' || !Number.isInteger(x.timestamp)) return false;
    if (x.step !== undefined && !Number.isInteger(x.step)) return false;
  }
  return true;
}

export const trackingRoutes: MlflowRoute[] = [
  // ── experiments ──────────────────────────────────────────────────────────────
  route('POST', 'experiments/create', (r) => {
    const b = parseRequest(z.object({ name: str, artifact_location: str.optional(), tags }), r.body);
    return { experiment_id: t(r).experiments.create(b.name, b.artifact_location, b.tags) };
  }),
  route('GET', 'experiments/get', (r) => {
    const b = parseRequest(z.object({ experiment_id: str }), r.body);
    return { experiment: t(r).experiments.get(b.experiment_id) };
  }),
  route('GET', 'experiments/get-by-name', (r) => {
    const b = parseRequest(z.object({ experiment_name: str }), r.body);
    return { experiment: t(r).experiments.getByName(b.experiment_name) };
  }),
  ...(['GET', 'POST'] as const).map((m) =>
    route(m, 'experiments/search', (r) => {
      const b = parseRequest(
        z.object({ max_results: maxResults(1000), page_token: str.optional(), filter: str.optional(), order_by: repeated(str).optional(), view_type: viewType }),
        r.body,
      );
      return t(r).searchExperiments({ viewType: b.view_type, filter: b.filter, orderBy: b.order_by, maxResults: b.max_results, pageToken: b.page_token });
    }),
  ),
  route('GET', 'experiments/list', (r) => {
    const b = parseRequest(z.object({ view_type: viewType, max_results: maxResults(50_000), page_token: str.optional() }), r.body);
    return t(r).searchExperiments({ viewType: b.view_type, maxResults: b.max_results, pageToken: b.page_token, orderBy: ['experiment_id ASC'] });
  }),
  route('POST', 'experiments/update', (r) => {
    const b = parseRequest(z.object({ experiment_id: str, new_name: str.optional() }), r.body);
    if (b.new_name !== undefined) t(r).experiments.rename(b.experiment_id, b.new_name);
    return {};
  }),
  route('POST', 'experiments/delete', (r) => {
    t(r).experiments.setLifecycle(parseRequest(z.object({ experiment_id: str }), r.body).experiment_id, 'deleted');
    return {};
  }),
  route('POST', 'experiments/restore', (r) => {
    t(r).experiments.setLifecycle(parseRequest(z.object({ experiment_id: str }), r.body).experiment_id, 'active');
    return {};
  }),
  route('POST', 'experiments/set-experiment-tag', (r) => {
    const b = parseRequest(z.object({ experiment_id: str, key: str, value: str }), r.body);
    t(r).experiments.setTag(b.experiment_id, b.key, b.value);
    return {};
  }),
  route('POST', 'experiments/delete-experiment-tag', (r) => {
    const b = parseRequest(z.object({ experiment_id: str, key: str }), r.body);
    t(r).experiments.deleteTag(b.experiment_id, b.key);
    return {};
  }),

  // ── runs ─────────────────────────────────────────────────────────────────────
  route('POST', 'runs/create', (r) => {
    const b = parseRequest(
      z.object({ experiment_id: str.optional(), user_id: str.optional(), start_time: int64.optional(), run_name: str.optional(), tags }),
      r.body,
    );
    return { run: t(r).runs.create({ experimentId: b.experiment_id, userId: b.user_id, startTime: b.start_time, runName: b.run_name, tags: b.tags }) };
  }),
  route('GET', 'runs/get', (r) => ({ run: t(r).runs.get(runIdOf(parseRequest(z.object(runRef), r.body))) })),
  route('POST', 'runs/update', (r) => {
    const b = parseRequest(z.object({ ...runRef, status: runStatus.optional(), end_time: int64.optional(), run_name: str.optional() }), r.body);
    return { run_info: t(r).runs.update(runIdOf(b), { status: b.status, endTime: b.end_time, runName: b.run_name }) };
  }),
  route('POST', 'runs/delete', (r) => {
    t(r).runs.setLifecycle(runIdOf(parseRequest(z.object(runRef), r.body)), 'deleted');
    return {};
  }),
  route('POST', 'runs/restore', (r) => {
    t(r).runs.setLifecycle(runIdOf(parseRequest(z.object(runRef), r.body)), 'active');
    return {};
  }),
  route('POST', 'runs/log-metric', (r) => {
    const b = parseRequest(z.object({ ...runRef, key: str, value: double, timestamp: int64, step: int64.optional() }), r.body);
    t(r).runs.logBatch(runIdOf(b), { metrics: [{ key: b.key, value: b.value, timestamp: b.timestamp, step: b.step ?? 0 }] });
    return {};
  }),
  route('POST', 'runs/log-parameter', (r) => {
    const b = parseRequest(z.object({ ...runRef, key: str, value: str }), r.body);
    t(r).runs.logBatch(runIdOf(b), { params: [{ key: b.key, value: b.value }] });
    return {};
  }),
  route('POST', 'runs/set-tag', (r) => {
    const b = parseRequest(z.object({ ...runRef, key: str, value: str }), r.body);
    t(r).runs.logBatch(runIdOf(b), { tags: [{ key: b.key, value: b.value }] });
    return {};
  }),
  route('POST', 'runs/delete-tag', (r) => {
    const b = parseRequest(z.object({ run_id: str, key: str }), r.body);
    t(r).runs.deleteTag(b.run_id, b.key);
    return {};
  }),
  route(
    'POST',
    'runs/log-batch',
    (r) => {
      // Hot path: metrics already in canonical JSON form skip the per-item zod union parse (same checks, 3× cheaper);
      // anything else (strings for int64/NaN, wrong types) goes through the full schema for MLflow's messages.
      const canonical = isCanonicalMetrics(r.body.metrics);
      const b = parseRequest(canonical ? logBatchRest : logBatchSchema, r.body);
      t(r).runs.logBatch(b.run_id, canonical ? { ...b, metrics: r.body.metrics as CanonicalMetric[] } : b);
      return {};
    },
    MAX_BATCH_LOG_REQUEST_SIZE,
  ),
  route('POST', 'runs/log-model', (r) => {
    const b = parseRequest(z.object({ run_id: str, model_json: str }), r.body);
    let model: unknown;
    try {
      model = JSON.parse(b.model_json);
    } catch {
      throw invalidParam("Invalid value for parameter 'model_json': it must be a JSON string");
    }
    const run = t(r).runs.get(b.run_id);
    const prev = run.data.tags.find((x) => x.key === 'mlflow.log-model.history')?.value;
    const history = prev ? (JSON.parse(prev) as unknown[]) : [];
    history.push(model);
    t(r).runs.logBatch(b.run_id, { tags: [{ key: 'mlflow.log-model.history', value: JSON.stringify(history) }] });
    return {};
  }),
  route('POST', 'runs/log-inputs', (r) => {
    const b = parseRequest(
      z.object({
        run_id: str,
        datasets: repeated(
          z.object({
            tags: repeated(keyValue).optional(),
            dataset: z.object({ name: str, digest: str, source_type: str, source: str, schema: str.optional(), profile: str.optional() }),
          }),
        ).optional(),
      }),
      r.body,
    );
    t(r).runs.logInputs(b.run_id, b.datasets ?? []);
    return {};
  }),
  ...(['GET', 'POST'] as const).map((m) =>
    route(m, 'runs/search', (r) => {
      const b = parseRequest(
        z.object({
          experiment_ids: repeated(str).optional().default([]),
          filter: str.optional(),
          run_view_type: viewType,
          max_results: maxResults(1000),
          order_by: repeated(str).optional(),
          page_token: str.optional(),
        }),
        r.body,
      );
      const s = t(r).searchRuns({ experimentIds: b.experiment_ids, filter: b.filter, orderBy: b.order_by, viewType: b.run_view_type, maxResults: b.max_results, pageToken: b.page_token });
      const runs = s.runIds.map((id) => t(r).runs.get(id));
      return { ...(runs.length ? { runs } : {}), ...(s.nextPageToken ? { next_page_token: s.nextPageToken } : {}) };
    }),
  ),

  // ── metrics ──────────────────────────────────────────────────────────────────
  route('GET', 'metrics/get-history', (r) => {
    const b = parseRequest(z.object({ ...runRef, metric_key: str, page_token: str.optional(), max_results: int64.optional() }), r.body);
    const all = t(r).runs.history(runIdOf(b), b.metric_key);
    if (b.max_results === undefined && !b.page_token) return { metrics: all };
    const size = Math.min(Math.max(b.max_results ?? 25_000, 1), 25_000);
    const offset = decodePageToken(b.page_token);
    const page = all.slice(offset, offset + size);
    return offset + size < all.length ? { metrics: page, next_page_token: encodePageToken(offset + size) } : { metrics: page };
  }),
  route('GET', 'metrics/get-history-bulk-interval', (r) => {
    const b = parseRequest(
      z.object({ run_ids: repeated(str), metric_key: str, start_step: int64.optional(), end_step: int64.optional(), max_results: int64.optional() }),
      r.body,
    );
    if (b.run_ids.length === 0) throw invalidParam("Missing value for required parameter 'run_ids'.");
    if (b.run_ids.length > 100) throw invalidParam(`GetMetricHistoryBulkInterval request must specify at most 100 run_ids. Received ${b.run_ids.length} run_ids.`);
    const max = b.max_results ?? 320;
    if (max < 1 || max > 2500) throw invalidParam(`max_results must be between 1 and 2500, got ${max}`);
    if ((b.start_step === undefined) !== (b.end_step === undefined)) throw invalidParam('If either start step or end step are specified, both must be specified.');
    if (b.start_step !== undefined && b.end_step !== undefined && b.start_step > b.end_step) throw invalidParam('end_step must be greater than start_step.');
    return { metrics: t(r).runs.bulkInterval(b.run_ids, b.metric_key, b.start_step, b.end_step, max) };
  }),

  // ── artifacts (tracking API listing) ─────────────────────────────────────────
  route('GET', 'artifacts/list', (r) => {
    const b = parseRequest(z.object({ ...runRef, path: str.optional(), page_token: str.optional() }), r.body);
    const listed = t(r).listRunArtifacts(runIdOf(b), b.path ?? '');
    return { root_uri: listed.root_uri, ...(listed.files.length ? { files: listed.files } : {}) };
  }),
];
