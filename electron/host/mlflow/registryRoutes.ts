import { z } from 'zod';
import type { RegistryService } from '../../core/registry/service';
import { bool, int64, keyValue, parseRequest, repeated, str } from './fields';
import { route, type MlflowRequest, type MlflowRoute } from './router';

/** The engine's registry (Engine.registry). */
const reg = (r: MlflowRequest): RegistryService => r.engine.registry;

/** Versions travel as strings; accept a JSON number too. */
const version = z.union([str, z.number().int().transform(String)]);
const tags = repeated(keyValue).optional();
const search = z.object({
  filter: str.optional(),
  max_results: int64.optional(),
  order_by: repeated(str).optional(),
  page_token: str.optional(),
});
const nameOnly = z.object({ name: str });
const nameVersion = z.object({ name: str, version });

/**
 * MLflow Model Registry REST (model_registry.proto, MLflow 1.x–3.x), methods as the proto declares them;
 * `registered-models/list` is the 1.x endpoint. GET handlers read query params from `r.body`.
 */
export const registryRoutes: MlflowRoute[] = [
  // ── registered models ──────────────────────────────────────────────────────────
  route('POST', 'registered-models/create', (r) => {
    const b = parseRequest(z.object({ name: str, tags, description: str.optional() }), r.body);
    return { registered_model: reg(r).createRegisteredModel(b) };
  }),
  route('GET', 'registered-models/get', (r) => {
    const b = parseRequest(nameOnly, r.body);
    return { registered_model: reg(r).getRegisteredModel(b.name) };
  }),
  route('POST', 'registered-models/rename', (r) => {
    const b = parseRequest(z.object({ name: str, new_name: str }), r.body);
    return { registered_model: reg(r).renameRegisteredModel(b.name, b.new_name) };
  }),
  route('PATCH', 'registered-models/update', (r) => {
    const b = parseRequest(z.object({ name: str, description: str.optional() }), r.body);
    return { registered_model: reg(r).updateRegisteredModel(b.name, b.description) };
  }),
  route('DELETE', 'registered-models/delete', (r) => {
    reg(r).deleteRegisteredModel(parseRequest(nameOnly, r.body).name);
    return {};
  }),
  route('GET', 'registered-models/search', (r) => reg(r).searchRegisteredModels(parseRequest(search, r.body))),
  route('GET', 'registered-models/list', (r) => reg(r).listRegisteredModels(parseRequest(z.object({ max_results: int64.optional(), page_token: str.optional() }), r.body))),
  ...(['POST', 'GET'] as const).map((m) =>
    route(m, 'registered-models/get-latest-versions', (r) => {
      const b = parseRequest(z.object({ name: str, stages: repeated(str).optional() }), r.body);
      return { model_versions: reg(r).getLatestVersions(b.name, b.stages) };
    }),
  ),
  route('POST', 'registered-models/set-tag', (r) => {
    const b = parseRequest(z.object({ name: str, key: str, value: str }), r.body);
    reg(r).setRegisteredModelTag(b.name, b.key, b.value);
    return {};
  }),
  route('DELETE', 'registered-models/delete-tag', (r) => {
    const b = parseRequest(z.object({ name: str, key: str }), r.body);
    reg(r).deleteRegisteredModelTag(b.name, b.key);
    return {};
  }),

  // ── aliases ────────────────────────────────────────────────────────────────────
  route('POST', 'registered-models/alias', (r) => {
    const b = parseRequest(z.object({ name: str, alias: str, version }), r.body);
    reg(r).setRegisteredModelAlias(b.name, b.alias, b.version);
    return {};
  }),
  route('DELETE', 'registered-models/alias', (r) => {
    const b = parseRequest(z.object({ name: str, alias: str }), r.body);
    reg(r).deleteRegisteredModelAlias(b.name, b.alias);
    return {};
  }),
  route('GET', 'registered-models/alias', (r) => {
    const b = parseRequest(z.object({ name: str, alias: str }), r.body);
    return { model_version: reg(r).getModelVersionByAlias(b.name, b.alias) };
  }),

  // ── model versions ─────────────────────────────────────────────────────────────
  route('POST', 'model-versions/create', (r) => {
    const b = parseRequest(
      z.object({
        name: str,
        source: str,
        run_id: str.optional(),
        tags,
        run_link: str.optional(),
        description: str.optional(),
        model_id: str.optional(),
      }),
      r.body,
    );
    return { model_version: reg(r).createModelVersion(b) };
  }),
  route('GET', 'model-versions/get', (r) => {
    const b = parseRequest(nameVersion, r.body);
    return { model_version: reg(r).getModelVersion(b.name, b.version) };
  }),
  route('PATCH', 'model-versions/update', (r) => {
    const b = parseRequest(z.object({ name: str, version, description: str.optional() }), r.body);
    return { model_version: reg(r).updateModelVersion(b.name, b.version, b.description) };
  }),
  route('DELETE', 'model-versions/delete', (r) => {
    const b = parseRequest(nameVersion, r.body);
    reg(r).deleteModelVersion(b.name, b.version);
    return {};
  }),
  route('GET', 'model-versions/search', (r) => reg(r).searchModelVersions(parseRequest(search, r.body))),
  route('POST', 'model-versions/set-tag', (r) => {
    const b = parseRequest(z.object({ name: str, version, key: str, value: str }), r.body);
    reg(r).setModelVersionTag(b.name, b.version, b.key, b.value);
    return {};
  }),
  route('DELETE', 'model-versions/delete-tag', (r) => {
    const b = parseRequest(z.object({ name: str, version, key: str }), r.body);
    reg(r).deleteModelVersionTag(b.name, b.version, b.key);
    return {};
  }),
  route('POST', 'model-versions/transition-stage', (r) => {
    // The proto marks archive_existing_versions required; MLflow's clients always send it, curl users may not.
    const b = parseRequest(z.object({ name: str, version, stage: str, archive_existing_versions: bool.optional() }), r.body);
    return { model_version: reg(r).transitionModelVersionStage(b.name, b.version, b.stage, b.archive_existing_versions ?? false) };
  }),
  route('GET', 'model-versions/get-download-uri', (r) => {
    const b = parseRequest(nameVersion, r.body);
    return { artifact_uri: reg(r).getModelVersionDownloadUri(b.name, b.version) };
  }),
];
