import type { RegistryService } from '../../core/registry/service';
import * as M from './messages';
import { checkMaxResults } from './paging';
import { kv, route, type MlflowRequest, type MlflowRoute } from './router';

/** The engine's registry (Engine.registry). */
const reg = (r: MlflowRequest): RegistryService => r.engine.registry;
const search = (b: { filter?: string; max_results?: number; order_by: string[]; page_token?: string }) => ({
  filter: b.filter,
  max_results: checkMaxResults(b.max_results),
  order_by: b.order_by,
  page_token: b.page_token,
});

/**
 * MLflow Model Registry REST (model_registry.proto, MLflow 1.x–3.x), methods as the proto declares them;
 * `registered-models/list` is the 1.x endpoint. Stages follow MLflow 1.x: None / Staging / Production / Archived,
 * case-insensitive on input, canonical on output.
 */
export const registryRoutes: MlflowRoute[] = [
  // ── registered models ──────────────────────────────────────────────────────────
  route('POST', 'registered-models/create', M.CreateRegisteredModel, (b, r) => ({
    registered_model: reg(r).createRegisteredModel({ name: b.name, tags: kv(b.tags), description: b.description }),
  })),
  route('GET', 'registered-models/get', M.GetRegisteredModel, (b, r) => ({ registered_model: reg(r).getRegisteredModel(b.name) })),
  route('POST', 'registered-models/rename', M.RenameRegisteredModel, (b, r) => ({ registered_model: reg(r).renameRegisteredModel(b.name, b.new_name) })),
  route('PATCH', 'registered-models/update', M.UpdateRegisteredModel, (b, r) => ({ registered_model: reg(r).updateRegisteredModel(b.name, b.description) })),
  route('DELETE', 'registered-models/delete', M.DeleteRegisteredModel, (b, r) => {
    reg(r).deleteRegisteredModel(b.name);
    return {};
  }),
  route('GET', 'registered-models/search', M.SearchRegisteredModels, (b, r) => reg(r).searchRegisteredModels(search(b))),
  route('GET', 'registered-models/list', M.ListRegisteredModels, (b, r) =>
    reg(r).listRegisteredModels({ max_results: checkMaxResults(b.max_results), page_token: b.page_token }),
  ),
  ...(['POST', 'GET'] as const).map((m) =>
    route(m, 'registered-models/get-latest-versions', M.GetLatestVersions, (b, r) => ({ model_versions: reg(r).getLatestVersions(b.name, b.stages) })),
  ),
  route('POST', 'registered-models/set-tag', M.SetRegisteredModelTag, (b, r) => {
    reg(r).setRegisteredModelTag(b.name, b.key, b.value ?? '');
    return {};
  }),
  route('DELETE', 'registered-models/delete-tag', M.DeleteRegisteredModelTag, (b, r) => {
    reg(r).deleteRegisteredModelTag(b.name, b.key);
    return {};
  }),

  // ── aliases ────────────────────────────────────────────────────────────────────
  route('POST', 'registered-models/alias', M.SetRegisteredModelAlias, (b, r) => {
    reg(r).setRegisteredModelAlias(b.name, b.alias, b.version);
    return {};
  }),
  route('DELETE', 'registered-models/alias', M.DeleteRegisteredModelAlias, (b, r) => {
    reg(r).deleteRegisteredModelAlias(b.name, b.alias);
    return {};
  }),
  route('GET', 'registered-models/alias', M.GetModelVersionByAlias, (b, r) => ({ model_version: reg(r).getModelVersionByAlias(b.name, b.alias) })),

  // ── model versions ─────────────────────────────────────────────────────────────
  route('POST', 'model-versions/create', M.CreateModelVersion, (b, r) => ({
    model_version: reg(r).createModelVersion({
      name: b.name,
      source: b.source,
      run_id: b.run_id,
      tags: kv(b.tags),
      run_link: b.run_link,
      description: b.description,
      model_id: b.model_id,
    }),
  })),
  route('GET', 'model-versions/get', M.GetModelVersion, (b, r) => ({ model_version: reg(r).getModelVersion(b.name, b.version) })),
  route('PATCH', 'model-versions/update', M.UpdateModelVersion, (b, r) => ({ model_version: reg(r).updateModelVersion(b.name, b.version, b.description) })),
  route('DELETE', 'model-versions/delete', M.DeleteModelVersion, (b, r) => {
    reg(r).deleteModelVersion(b.name, b.version);
    return {};
  }),
  route('GET', 'model-versions/search', M.SearchModelVersions, (b, r) => reg(r).searchModelVersions(search(b))),
  route('POST', 'model-versions/set-tag', M.SetModelVersionTag, (b, r) => {
    reg(r).setModelVersionTag(b.name, b.version, b.key, b.value ?? '');
    return {};
  }),
  route('DELETE', 'model-versions/delete-tag', M.DeleteModelVersionTag, (b, r) => {
    reg(r).deleteModelVersionTag(b.name, b.version, b.key);
    return {};
  }),
  route('POST', 'model-versions/transition-stage', M.TransitionModelVersionStage, (b, r) => ({
    model_version: reg(r).transitionModelVersionStage(b.name, b.version, b.stage, b.archive_existing_versions ?? false),
  })),
  route('GET', 'model-versions/get-download-uri', M.GetModelVersionDownloadUri, (b, r) => ({
    artifact_uri: reg(r).getModelVersionDownloadUri(b.name, b.version),
  })),
];
