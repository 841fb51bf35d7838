import type { LoggedModelsService } from '../../core/tracking/loggedModels';
import * as M from './messages';
import { checkMaxResults } from './paging';
import { kv, route, type MlflowRequest, type MlflowRoute } from './router';

/** The engine's logged models (Engine.loggedModels). */
const lm = (r: MlflowRequest): LoggedModelsService => r.engine.loggedModels;
/** Path parameter `{model_id}` (MLflow's client also repeats it in the body; the path wins). */
const modelId = (r: MlflowRequest): string => r.params.model_id ?? '';

/**
 * MLflow 3 logged models (service.proto): `logged-models` create/get/finalize/delete/search, tags, params,
 * and `runs/outputs`. Literal paths come before `{model_id}` ones.
 */
export const loggedModelRoutes: MlflowRoute[] = [
  route('POST', 'logged-models', M.CreateLoggedModel, (b, r) => ({
    model: lm(r).create({
      experiment_id: b.experiment_id,
      name: b.name,
      model_type: b.model_type,
      source_run_id: b.source_run_id,
      params: kv(b.params),
      tags: kv(b.tags),
    }),
  })),
  route('POST', 'logged-models/search', M.SearchLoggedModels, (b, r) =>
    lm(r).search({
      experiment_ids: b.experiment_ids,
      filter: b.filter,
      datasets: b.datasets.map((d) => ({ dataset_name: d.dataset_name ?? '', dataset_digest: d.dataset_digest })),
      max_results: checkMaxResults(b.max_results),
      order_by: b.order_by.map((o) => ({ ...o, field_name: o.field_name ?? '' })),
      page_token: b.page_token,
    }),
  ),
  route('GET', 'logged-models/{model_id}', M.GetLoggedModel, (_b, r) => {
    // `allow_deleted` is a plain query flag in MLflow's handler, not a proto field.
    const allowDeleted = String(r.query.get('allow_deleted') ?? 'false').toLowerCase() === 'true';
    return { model: lm(r).get(modelId(r), allowDeleted) };
  }),
  route('PATCH', 'logged-models/{model_id}', M.FinalizeLoggedModel, (b, r) => ({ model: lm(r).finalize(modelId(r), b.status) })),
  route('DELETE', 'logged-models/{model_id}', M.DeleteLoggedModel, (_b, r) => {
    lm(r).delete(modelId(r));
    return {};
  }),
  route('PATCH', 'logged-models/{model_id}/tags', M.SetLoggedModelTags, (b, r) => {
    lm(r).setTags(modelId(r), kv(b.tags));
    return {};
  }),
  route('DELETE', 'logged-models/{model_id}/tags/{tag_key}', M.DeleteLoggedModelTag, (_b, r) => {
    lm(r).deleteTag(modelId(r), r.params.tag_key ?? '');
    return {};
  }),
  route('POST', 'logged-models/{model_id}/params', M.LogLoggedModelParamsRequest, (b, r) => {
    lm(r).logParams(modelId(r), kv(b.params));
    return {};
  }),
  route('POST', 'runs/outputs', M.LogOutputs, (b, r) => {
    lm(r).logOutputs(b.run_id, b.models.map((m) => ({ model_id: m.model_id ?? '', step: m.step })));
    return {};
  }),
];
