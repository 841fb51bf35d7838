import { z } from 'zod';
import type { LoggedModelsService } from '../../core/tracking/loggedModels';
import { bool, int64, keyValue, parseRequest, repeated, str } from './fields';
import { route, type MlflowRequest, type MlflowRoute } from './router';

/** The engine's logged models (Engine.loggedModels). */
const lm = (r: MlflowRequest): LoggedModelsService => r.engine.loggedModels;

/** IDs are strings in the proto; accept a JSON number too. */
const id = z.union([str, z.number().int().transform(String)]);
const kvs = repeated(keyValue).optional();
/** Path parameter `{model_id}` (MLflow's client also repeats it in the body; the path wins). */
const modelId = (r: MlflowRequest): string => r.params.model_id ?? '';

/**
 * MLflow 3 logged models (service.proto): `logged-models` create/get/finalize/delete/search, tags, params,
 * and `runs/outputs`. Literal paths come before `{model_id}` ones.
 */
export const loggedModelRoutes: MlflowRoute[] = [
  route('POST', 'logged-models', (r) => {
    const b = parseRequest(
      z.object({ experiment_id: id, name: str.optional(), model_type: str.optional(), source_run_id: str.optional(), params: kvs, tags: kvs }),
      r.body,
    );
    return { model: lm(r).create(b) };
  }),
  route('POST', 'logged-models/search', (r) => {
    const b = parseRequest(
      z.object({
        experiment_ids: repeated(id).optional(),
        filter: str.optional(),
        datasets: repeated(z.object({ dataset_name: str, dataset_digest: str.optional() })).optional(),
        max_results: int64.optional(),
        order_by: repeated(
          z.object({ field_name: str, ascending: bool.optional(), dataset_name: str.optional(), dataset_digest: str.optional() }),
        ).optional(),
        page_token: str.optional(),
      }),
      r.body,
    );
    return lm(r).search({ ...b, experiment_ids: b.experiment_ids ?? [] });
  }),
  route('GET', 'logged-models/{model_id}', (r) => {
    // `allow_deleted` is a plain query flag in MLflow's handler, not a proto field.
    const allowDeleted = String(r.query.get('allow_deleted') ?? 'false').toLowerCase() === 'true';
    return { model: lm(r).get(modelId(r), allowDeleted) };
  }),
  route('PATCH', 'logged-models/{model_id}', (r) => {
    const b = parseRequest(z.object({ status: z.union([str, z.number().int()]) }), r.body);
    return { model: lm(r).finalize(modelId(r), b.status) };
  }),
  route('DELETE', 'logged-models/{model_id}', (r) => {
    lm(r).delete(modelId(r));
    return {};
  }),
  route('PATCH', 'logged-models/{model_id}/tags', (r) => {
    const b = parseRequest(z.object({ tags: kvs }), r.body);
    lm(r).setTags(modelId(r), b.tags ?? []);
    return {};
  }),
  route('DELETE', 'logged-models/{model_id}/tags/{tag_key}', (r) => {
    lm(r).deleteTag(modelId(r), r.params.tag_key ?? '');
    return {};
  }),
  route('POST', 'logged-models/{model_id}/params', (r) => {
    const b = parseRequest(z.object({ params: kvs }), r.body);
    lm(r).logParams(modelId(r), b.params ?? []);
    return {};
  }),
  route('POST', 'runs/outputs', (r) => {
    const b = parseRequest(z.object({ run_id: str, models: repeated(z.object({ model_id: str, step: int64.optional() })).optional() }), r.body);
    lm(r).logOutputs(b.run_id, b.models ?? []);
    return {};
  }),
];
