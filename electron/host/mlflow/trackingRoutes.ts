import { invalidParam } from '../../core/tracking/errors';
import { MAX_BATCH_LOG_REQUEST_SIZE } from '../../core/tracking/validate';
import { decodePageToken, encodePageToken } from '../../core/tracking/pageToken';
import * as M from './messages';
import { parseJsonLimited } from '../respond';
import { checkMaxResults } from './paging';
import { kv, route, type MlflowRequest, type MlflowRoute } from './router';

/** run_id, with MLflow 1.x's run_uuid as a fallback (the parser already refused a request with neither). */
const runIdOf = (b: { run_id?: string; run_uuid?: string }): string => b.run_id || b.run_uuid || '';
const t = (r: MlflowRequest) => r.engine.tracking;
/** The run's log-model history (a JSON array; writes are validated, but a store from before that may hold anything). */
function parseHistory(prev: string | undefined): unknown[] {
  if (!prev) return [];
  try {
    const h = parseJsonLimited(prev);
    return Array.isArray(h) ? h : [];
  } catch {
    return [];
  }
}

export const trackingRoutes: MlflowRoute[] = [
  // ── experiments ──────────────────────────────────────────────────────────────
  route('POST', 'experiments/create', M.CreateExperiment, (b, r) => ({ experiment_id: t(r).experiments.create(b.name, b.artifact_location, kv(b.tags)) })),
  route('GET', 'experiments/get', M.GetExperiment, (b, r) => ({ experiment: t(r).experiments.get(b.experiment_id) })),
  route('GET', 'experiments/get-by-name', M.GetExperimentByName, (b, r) => ({ experiment: t(r).experiments.getByName(b.experiment_name) })),
  ...(['GET', 'POST'] as const).map((m) =>
    route(m, 'experiments/search', M.SearchExperiments, (b, r) =>
      t(r).searchExperiments({
        viewType: b.view_type ?? 'ACTIVE_ONLY',
        filter: b.filter,
        orderBy: b.order_by,
        maxResults: checkMaxResults(b.max_results ?? 1000),
        pageToken: b.page_token,
      }),
    ),
  ),
  route('GET', 'experiments/list', M.ListExperiments, (b, r) =>
    t(r).searchExperiments({ viewType: b.view_type ?? 'ACTIVE_ONLY', maxResults: checkMaxResults(b.max_results ?? 50_000), pageToken: b.page_token, orderBy: ['experiment_id ASC'] }),
  ),
  route('POST', 'experiments/update', M.UpdateExperiment, (b, r) => {
    if (b.new_name) t(r).experiments.rename(b.experiment_id, b.new_name);
    return {};
  }),
  route('POST', 'experiments/delete', M.DeleteExperiment, (b, r) => {
    t(r).experiments.setLifecycle(b.experiment_id, 'deleted');
    return {};
  }),
  route('POST', 'experiments/restore', M.RestoreExperiment, (b, r) => {
    t(r).experiments.setLifecycle(b.experiment_id, 'active');
    return {};
  }),
  route('POST', 'experiments/set-experiment-tag', M.SetExperimentTag, (b, r) => {
    t(r).experiments.setTag(b.experiment_id, b.key, b.value ?? '');
    return {};
  }),
  route('POST', 'experiments/delete-experiment-tag', M.DeleteExperimentTag, (b, r) => {
    t(r).experiments.deleteTag(b.experiment_id, b.key);
    return {};
  }),

  // ── runs ─────────────────────────────────────────────────────────────────────
  route('POST', 'runs/create', M.CreateRun, (b, r) => ({
    run: t(r).runs.create({ experimentId: b.experiment_id, userId: b.user_id, startTime: b.start_time, runName: b.run_name, tags: kv(b.tags) }),
  })),
  route('GET', 'runs/get', M.GetRun, (b, r) => ({ run: t(r).runs.get(runIdOf(b)) })),
  route('POST', 'runs/update', M.UpdateRun, (b, r) => ({ run_info: t(r).runs.update(runIdOf(b), { status: b.status, endTime: b.end_time, runName: b.run_name }) })),
  route('POST', 'runs/delete', M.DeleteRun, (b, r) => {
    t(r).runs.setLifecycle(b.run_id, 'deleted');
    return {};
  }),
  route('POST', 'runs/restore', M.RestoreRun, (b, r) => {
    t(r).runs.setLifecycle(b.run_id, 'active');
    return {};
  }),
  route('POST', 'runs/log-metric', M.LogMetric, (b, r) => {
    t(r).runs.logBatch(runIdOf(b), { metrics: [{ key: b.key, value: b.value, timestamp: b.timestamp, step: b.step ?? 0 }] });
    return {};
  }),
  route('POST', 'runs/log-parameter', M.LogParam, (b, r) => {
    t(r).runs.logBatch(runIdOf(b), { params: [{ key: b.key, value: b.value ?? '' }] });
    return {};
  }),
  route('POST', 'runs/set-tag', M.SetTag, (b, r) => {
    t(r).runs.logBatch(runIdOf(b), { tags: [{ key: b.key, value: b.value ?? '' }] });
    return {};
  }),
  route('POST', 'runs/delete-tag', M.DeleteTag, (b, r) => {
    t(r).runs.deleteTag(b.run_id, b.key);
    return {};
  }),
  route(
    'POST',
    'runs/log-batch',
    M.LogBatch,
    (b, r) => {
      t(r).runs.logBatch(b.run_id, {
        metrics: b.metrics.map((m) => ({ key: m.key ?? '', value: m.value ?? 0, timestamp: m.timestamp ?? 0, step: m.step ?? 0 })),
        params: kv(b.params),
        tags: kv(b.tags),
      });
      return {};
    },
    MAX_BATCH_LOG_REQUEST_SIZE,
  ),
  route('POST', 'runs/log-model', M.LogModel, (b, r) => {
    let model: unknown;
    try {
      model = parseJsonLimited(b.model_json);
    } catch {
      throw invalidParam("Invalid value for parameter 'model_json': it must be a JSON string");
    }
    const run = t(r).runs.get(b.run_id);
    const prev = run.data.tags.find((x) => x.key === 'mlflow.log-model.history')?.value;
    const history = parseHistory(prev);
    history.push(model);
    t(r).runs.logBatch(b.run_id, { tags: [{ key: 'mlflow.log-model.history', value: JSON.stringify(history) }] });
    return {};
  }),
  route('POST', 'runs/log-inputs', M.LogInputs, (b, r) => {
    const datasets = b.datasets.map((d) => {
      const ds = d.dataset;
      if (!ds) throw invalidParam("Missing value for required parameter 'datasets.dataset'.");
      return {
        tags: kv(d.tags),
        dataset: { name: ds.name ?? '', digest: ds.digest ?? '', source_type: ds.source_type ?? '', source: ds.source ?? '', schema: ds.schema, profile: ds.profile },
      };
    });
    t(r).runs.logInputs(b.run_id, datasets);
    return {};
  }),
  ...(['GET', 'POST'] as const).map((m) =>
    route(m, 'runs/search', M.SearchRuns, (b, r) => {
      const s = t(r).searchRuns({
        experimentIds: b.experiment_ids,
        filter: b.filter,
        orderBy: b.order_by,
        viewType: b.run_view_type,
        maxResults: checkMaxResults(b.max_results),
        pageToken: b.page_token,
      });
      const runs = s.runIds.map((id) => t(r).runs.get(id));
      return { ...(runs.length ? { runs } : {}), ...(s.nextPageToken ? { next_page_token: s.nextPageToken } : {}) };
    }),
  ),

  // ── metrics ──────────────────────────────────────────────────────────────────
  route('GET', 'metrics/get-history', M.GetMetricHistory, (b, r) => {
    const size = Math.min(checkMaxResults(b.max_results ?? 25_000), 25_000);
    const all = t(r).runs.history(runIdOf(b), b.metric_key);
    if (b.max_results === undefined && !b.page_token) return { metrics: all };
    const offset = decodePageToken(b.page_token);
    const page = all.slice(offset, offset + size);
    return offset + size < all.length ? { metrics: page, next_page_token: encodePageToken(offset + size) } : { metrics: page };
  }),
  route('GET', 'metrics/get-history-bulk-interval', M.GetMetricHistoryBulkInterval, (b, r) => {
    if (b.run_ids.length === 0) throw invalidParam("Missing value for required parameter 'run_ids'.");
    if (b.run_ids.length > 100) throw invalidParam(`GetMetricHistoryBulkInterval request must specify at most 100 run_ids. Received ${b.run_ids.length} run_ids.`);
    const max = b.max_results ?? 320;
    if (max < 1 || max > 2500) throw invalidParam(`max_results must be between 1 and 2500, got ${max}`);
    if ((b.start_step === undefined) !== (b.end_step === undefined)) throw invalidParam('If either start step or end step are specified, both must be specified.');
    if (b.start_step !== undefined && b.end_step !== undefined && b.start_step > b.end_step) throw invalidParam('end_step must be greater than start_step.');
    return { metrics: t(r).runs.bulkInterval(b.run_ids, b.metric_key, b.start_step, b.end_step, max) };
  }),

  // ── artifacts (tracking API listing) ─────────────────────────────────────────
  route('GET', 'artifacts/list', M.ListArtifacts, (b, r) => {
    const listed = t(r).listRunArtifacts(runIdOf(b), b.path ?? '');
    return { root_uri: listed.root_uri, ...(listed.files.length ? { files: listed.files } : {}) };
  }),
];
