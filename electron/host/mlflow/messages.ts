/**
 * Field tables of the MLflow REST request messages mldesk serves, transcribed from MLflow's protocol definitions
 * (format: `proto.ts`). Every field each message declares is listed, in declaration order, with its proto name,
 * type, repeated-ness and proto2 `[default = …]`; fields mldesk ignores are listed too.
 *
 * Sources (mlflow/mlflow unless noted):
 * - `mlflow/protos/service.proto` @ 0026b08dc1b90b63efce78302b7d6df63f1eac63 (tracking, logged models).
 * - `mlflow/protos/model_registry.proto` @ 05e6cc9b8487945522c87e3f1a9ffc04eb2ecc2d, plus the three fields that
 *   MLflow 3 added after it, taken from the generated `mlflow/protos/model_registry_pb2.pyi` @ 083dd2f30e976b51b35395e4ccc9021ffa560102:
 *   `CreateRegisteredModel.deployment_job_id`, `UpdateRegisteredModel.deployment_job_id`, `CreateModelVersion.model_id`
 *   (the stub shows names and types only; they are plain optional strings there).
 * - `mlflow/server/handlers.py` @ 0007c018091c370eac5bea5cc09038f0af736303 (`_assert_required` in each handler's schema).
 * - MLflow 1.x messages that 2.0 dropped: `ListRegisteredModels` from model_registry.proto @ d0bcb16b7921d2e33620c9b90db2b99e16fbf46a;
 *   `ListExperiments` from the 1.x service.proto in the fork microblink/mlflowproj @ 2f7568023a142bab98468b448a5f62f2bb74296b
 *   (identical in prodevssp/mlflow-mt @ 0a3c65d90b9b9d1ad33a1e8484ba97ed22fd427e, whose 1.x handlers.py requires neither
 *   list message's fields). `LogModel` was not dropped: the current service.proto still declares it.
 *
 * `.required()` marks the union of the proto's `[(validate_required) = true]` and the handler's `_assert_required`;
 * each field where the two disagree says so in a comment ("proto only" / "handlers.py only").
 * Enum fields have no explicit default unless the proto gives one (proto2's implicit default is the first value).
 */
import { enumType, f, message, type MessageDef } from './proto';

// ── enums ────────────────────────────────────────────────────────────────────────

/** View type for ListExperiments / SearchExperiments / SearchRuns. */
export const ViewType = enumType('mlflow.ViewType', { ACTIVE_ONLY: 1, DELETED_ONLY: 2, ALL: 3 });

export const RunStatus = enumType('mlflow.RunStatus', { RUNNING: 1, SCHEDULED: 2, FINISHED: 3, FAILED: 4, KILLED: 5 });

export const LoggedModelStatus = enumType('mlflow.LoggedModelStatus', {
  LOGGED_MODEL_STATUS_UNSPECIFIED: 0,
  LOGGED_MODEL_PENDING: 1,
  LOGGED_MODEL_READY: 2,
  LOGGED_MODEL_UPLOAD_FAILED: 3,
});

// ── nested messages ──────────────────────────────────────────────────────────────

export const ExperimentTag = message('ExperimentTag', {
  key: f.string(),
  value: f.string(),
});

/**
 * Also used by CreateRun, whose handler does not check tag keys; `key` is required here because
 * `_log_batch` asserts `tags[i].key` (handlers.py only).
 */
export const RunTag = message('RunTag', {
  key: f.string().required(),
  value: f.string(),
});

/** Only in LogBatch requests; `_log_batch` asserts `params[i].key` (handlers.py only). */
export const Param = message('Param', {
  key: f.string().required(),
  value: f.string(),
});

/** Only in LogBatch requests; `_log_batch` asserts `metrics[i].key/value/timestamp` (handlers.py only). */
export const Metric = message('Metric', {
  key: f.string().required(),
  value: f.double().required(),
  timestamp: f.int64().required(),
  step: f.int64().default(0),
  dataset_name: f.string(),
  dataset_digest: f.string(),
  model_id: f.string(),
  run_id: f.string(),
});

/** `key` and `value` required: proto only (LogInputs' handler checks only that `datasets` is a list). */
export const InputTag = message('InputTag', {
  key: f.string().required(),
  value: f.string().required(),
});

/** name, digest, source_type, source required: proto only. */
export const Dataset = message('Dataset', {
  name: f.string().required(),
  digest: f.string().required(),
  source_type: f.string().required(),
  source: f.string().required(),
  schema: f.string(),
  profile: f.string(),
});

/** `dataset` required: proto only. */
export const DatasetInput = message('DatasetInput', {
  tags: f.repeated(f.message(InputTag)),
  dataset: f.message(Dataset).required(),
});

/** `model_id` required: proto only. */
export const ModelInput = message('ModelInput', {
  model_id: f.string().required(),
});

/** `model_id` and `step` required: proto only. */
export const ModelOutput = message('ModelOutput', {
  model_id: f.string().required(),
  step: f.int64().required(),
});

export const LoggedModelParameter = message('LoggedModelParameter', {
  key: f.string(),
  value: f.string(),
});

export const LoggedModelTag = message('LoggedModelTag', {
  key: f.string(),
  value: f.string(),
});

/** Proto `SearchLoggedModels.Dataset` (nested). `dataset_name` required: proto only. */
export const SearchLoggedModels_Dataset = message('SearchLoggedModels.Dataset', {
  dataset_name: f.string().required(),
  dataset_digest: f.string(),
});

/** Proto `SearchLoggedModels.OrderBy` (nested). `field_name` required: proto only. */
export const SearchLoggedModels_OrderBy = message('SearchLoggedModels.OrderBy', {
  field_name: f.string().required(),
  ascending: f.bool().default(true),
  dataset_name: f.string(),
  dataset_digest: f.string(),
});

export const RegisteredModelTag = message('RegisteredModelTag', {
  key: f.string(),
  value: f.string(),
});

export const ModelVersionTag = message('ModelVersionTag', {
  key: f.string(),
  value: f.string(),
});

// ── service.proto: experiments and runs (MlflowService) ─────────────────────────

// GET experiments/get-by-name
export const GetExperimentByName = message('GetExperimentByName', {
  experiment_name: f.string().required(),
});

// POST experiments/create
export const CreateExperiment = message('CreateExperiment', {
  name: f.string().required(),
  artifact_location: f.string(),
  tags: f.repeated(f.message(ExperimentTag)),
});

// POST, GET experiments/search
export const SearchExperiments = message('SearchExperiments', {
  max_results: f.int64(),
  page_token: f.string(),
  filter: f.string(),
  order_by: f.repeated(f.string()),
  view_type: f.enum(ViewType),
});

// GET experiments/get
export const GetExperiment = message('GetExperiment', {
  experiment_id: f.string().required(),
});

// POST experiments/delete
export const DeleteExperiment = message('DeleteExperiment', {
  experiment_id: f.string().required(),
});

// POST experiments/restore
export const RestoreExperiment = message('RestoreExperiment', {
  experiment_id: f.string().required(),
});

// POST experiments/update
export const UpdateExperiment = message('UpdateExperiment', {
  experiment_id: f.string().required(),
  new_name: f.string().required(), // handlers.py only (the proto says "If provided")
});

// POST runs/create
export const CreateRun = message('CreateRun', {
  experiment_id: f.string(),
  user_id: f.string(),
  run_name: f.string(),
  start_time: f.int64(),
  tags: f.repeated(f.message(RunTag)),
});

// POST runs/update
export const UpdateRun = message('UpdateRun', {
  run_id: f.string().required(), // handlers.py only; run_uuid stands in for it
  run_uuid: f.string(),
  status: f.enum(RunStatus),
  end_time: f.int64(),
  run_name: f.string(),
});

// POST runs/delete
export const DeleteRun = message('DeleteRun', {
  run_id: f.string().required(),
});

// POST runs/restore
export const RestoreRun = message('RestoreRun', {
  run_id: f.string().required(),
});

// POST runs/log-metric
export const LogMetric = message('LogMetric', {
  run_id: f.string().required(), // handlers.py only; run_uuid stands in for it
  run_uuid: f.string(),
  key: f.string().required(),
  value: f.double().required(),
  timestamp: f.int64().required(),
  step: f.int64().default(0),
  model_id: f.string(),
  dataset_name: f.string(),
  dataset_digest: f.string(),
});

// POST runs/log-parameter
export const LogParam = message('LogParam', {
  run_id: f.string().required(), // handlers.py only; run_uuid stands in for it
  run_uuid: f.string(),
  key: f.string().required(),
  value: f.string(), // proto: validate_required, but MLflow's server (handlers.py) accepts ""
});

// POST experiments/set-experiment-tag
export const SetExperimentTag = message('SetExperimentTag', {
  experiment_id: f.string().required(),
  key: f.string().required(),
  value: f.string(), // proto: validate_required, but MLflow's server (handlers.py) accepts ""
});

// POST experiments/delete-experiment-tag
export const DeleteExperimentTag = message('DeleteExperimentTag', {
  experiment_id: f.string().required(),
  key: f.string().required(),
});

// POST runs/set-tag
export const SetTag = message('SetTag', {
  run_id: f.string().required(), // handlers.py only; run_uuid stands in for it
  run_uuid: f.string(),
  key: f.string().required(),
  value: f.string(), // proto: validate_required, but MLflow's server (handlers.py) accepts ""
});

// POST runs/delete-tag
export const DeleteTag = message('DeleteTag', {
  run_id: f.string().required(),
  key: f.string().required(),
});

// GET runs/get
export const GetRun = message('GetRun', {
  run_id: f.string().required(), // handlers.py only; run_uuid stands in for it
  run_uuid: f.string(),
});

// POST runs/search (the proto declares no GET; MLflow 1.x had GET only under /preview)
export const SearchRuns = message('SearchRuns', {
  experiment_ids: f.repeated(f.string()),
  filter: f.string(),
  run_view_type: f.enum(ViewType).default('ACTIVE_ONLY'),
  max_results: f.int32().default(1000),
  order_by: f.repeated(f.string()),
  page_token: f.string(),
});

// GET artifacts/list
export const ListArtifacts = message('ListArtifacts', {
  run_id: f.string().required(), // handlers.py only; run_uuid stands in for it
  run_uuid: f.string(),
  path: f.string(),
  page_token: f.string(),
});

// POST artifacts/presigned-upload-url (no handler in the handlers.py read; the proto asks for exactly one of run_id / model_id)
export const CreatePresignedUploadUrl = message('CreatePresignedUploadUrl', {
  run_id: f.string(),
  path: f.string(),
  expiration: f.int64(),
  model_id: f.string(),
});

// POST artifacts/presigned-download-url (no handler in the handlers.py read)
export const CreatePresignedDownloadUrl = message('CreatePresignedDownloadUrl', {
  run_id: f.string(),
  path: f.string(),
  expiration: f.int64(),
});

// GET metrics/get-history
export const GetMetricHistory = message('GetMetricHistory', {
  run_id: f.string().required(), // handlers.py only; run_uuid stands in for it
  run_uuid: f.string(),
  metric_key: f.string().required(),
  page_token: f.string(),
  max_results: f.int32(),
});

// GET metrics/get-history-bulk-interval (since API 2.11)
export const GetMetricHistoryBulkInterval = message('GetMetricHistoryBulkInterval', {
  run_ids: f.repeated(f.string()).required(), // handlers.py only
  metric_key: f.string().required(),
  start_step: f.int32(),
  end_step: f.int32(),
  max_results: f.int32(),
});

// POST runs/log-batch
export const LogBatch = message('LogBatch', {
  run_id: f.string().required(), // handlers.py only
  metrics: f.repeated(f.message(Metric)),
  params: f.repeated(f.message(Param)),
  tags: f.repeated(f.message(RunTag)),
});

// POST runs/log-model
export const LogModel = message('LogModel', {
  run_id: f.string().required(), // handlers.py only
  model_json: f.string().required(), // handlers.py only
});

// POST runs/log-inputs
export const LogInputs = message('LogInputs', {
  run_id: f.string().required(),
  datasets: f.repeated(f.message(DatasetInput)),
  models: f.repeated(f.message(ModelInput)),
});

// POST runs/outputs (MLflow 3)
export const LogOutputs = message('LogOutputs', {
  run_id: f.string().required(),
  models: f.repeated(f.message(ModelOutput)).required(), // handlers.py only
});

// POST experiments/search-datasets (the proto writes the path without its leading slash; handlers.py has no schema)
export const SearchDatasets = message('SearchDatasets', {
  experiment_ids: f.repeated(f.string()),
});

// ── service.proto: logged models (MLflow 3) ──────────────────────────────────────
// `{model_id}` / `{tag_key}` path parameters fill the fields of the same name.

// POST logged-models
export const CreateLoggedModel = message('CreateLoggedModel', {
  experiment_id: f.string().required(),
  name: f.string(),
  model_type: f.string(),
  source_run_id: f.string(),
  params: f.repeated(f.message(LoggedModelParameter)),
  tags: f.repeated(f.message(LoggedModelTag)),
});

// PATCH logged-models/{model_id}
export const FinalizeLoggedModel = message('FinalizeLoggedModel', {
  model_id: f.string().required(),
  status: f.enum(LoggedModelStatus).required(),
});

// GET logged-models/{model_id} (the handler reads `allow_deleted` from the query string; it is not a proto field)
export const GetLoggedModel = message('GetLoggedModel', {
  model_id: f.string().required(), // proto only (the handler parses no message; the id is the path's)
});

// DELETE logged-models/{model_id}
export const DeleteLoggedModel = message('DeleteLoggedModel', {
  model_id: f.string().required(), // proto only (the handler parses no message; the id is the path's)
});

// POST logged-models/search
export const SearchLoggedModels = message('SearchLoggedModels', {
  experiment_ids: f.repeated(f.string()).required(), // handlers.py only
  filter: f.string(),
  datasets: f.repeated(f.message(SearchLoggedModels_Dataset)),
  max_results: f.int32().default(50),
  order_by: f.repeated(f.message(SearchLoggedModels_OrderBy)),
  page_token: f.string(),
});

// PATCH logged-models/{model_id}/tags
export const SetLoggedModelTags = message('SetLoggedModelTags', {
  model_id: f.string().required(), // proto only (the handler's schema checks only `tags`; the id is the path's)
  tags: f.repeated(f.message(LoggedModelTag)),
});

// DELETE logged-models/{model_id}/tags/{tag_key}
export const DeleteLoggedModelTag = message('DeleteLoggedModelTag', {
  model_id: f.string().required(), // proto only (the handler parses no message)
  tag_key: f.string().required(), // proto only (the handler parses no message)
});

// GET logged-models/{model_id}/artifacts/directories
export const ListLoggedModelArtifacts = message('ListLoggedModelArtifacts', {
  model_id: f.string().required(), // proto only (the handler's schema checks only `artifact_directory_path`)
  artifact_directory_path: f.string(),
  page_token: f.string(),
});

// POST logged-models/{model_id}/params
export const LogLoggedModelParamsRequest = message('LogLoggedModelParamsRequest', {
  model_id: f.string().required(),
  params: f.repeated(f.message(LoggedModelParameter)),
});

// ── MLflow 1.x service.proto (removed in 2.0) ────────────────────────────────────

// GET experiments/list
export const ListExperiments = message('ListExperiments', {
  view_type: f.enum(ViewType),
  max_results: f.int64(),
  page_token: f.string(),
});

// ── model_registry.proto (ModelRegistryService) ──────────────────────────────────

// POST registered-models/create
export const CreateRegisteredModel = message('CreateRegisteredModel', {
  name: f.string().required(),
  tags: f.repeated(f.message(RegisteredModelTag)),
  description: f.string(),
  deployment_job_id: f.string(), // MLflow 3
});

// POST registered-models/rename
export const RenameRegisteredModel = message('RenameRegisteredModel', {
  name: f.string().required(),
  new_name: f.string().required(), // handlers.py only (the proto says "If provided")
});

// PATCH registered-models/update
export const UpdateRegisteredModel = message('UpdateRegisteredModel', {
  name: f.string().required(),
  description: f.string(),
  deployment_job_id: f.string(), // MLflow 3
});

// DELETE registered-models/delete
export const DeleteRegisteredModel = message('DeleteRegisteredModel', {
  name: f.string().required(),
});

// GET registered-models/get
export const GetRegisteredModel = message('GetRegisteredModel', {
  name: f.string().required(),
});

// GET registered-models/search
export const SearchRegisteredModels = message('SearchRegisteredModels', {
  filter: f.string(),
  max_results: f.int64().default(100),
  order_by: f.repeated(f.string()),
  page_token: f.string(),
});

// POST, GET registered-models/get-latest-versions
export const GetLatestVersions = message('GetLatestVersions', {
  name: f.string().required(),
  stages: f.repeated(f.string()),
});

// POST model-versions/create
export const CreateModelVersion = message('CreateModelVersion', {
  name: f.string().required(),
  source: f.string().required(),
  run_id: f.string(),
  tags: f.repeated(f.message(ModelVersionTag)),
  run_link: f.string(),
  description: f.string(),
  model_id: f.string(), // MLflow 3
});

// PATCH model-versions/update
export const UpdateModelVersion = message('UpdateModelVersion', {
  name: f.string().required(),
  version: f.string().required(),
  description: f.string(),
});

// POST model-versions/transition-stage
export const TransitionModelVersionStage = message('TransitionModelVersionStage', {
  name: f.string().required(),
  version: f.string().required(),
  stage: f.string().required(),
  archive_existing_versions: f.bool(), // proto: validate_required; MLflow's server only checks it is a bool
});

// DELETE model-versions/delete
export const DeleteModelVersion = message('DeleteModelVersion', {
  name: f.string().required(),
  version: f.string().required(),
});

// GET model-versions/get
export const GetModelVersion = message('GetModelVersion', {
  name: f.string().required(),
  version: f.string().required(),
});

// GET model-versions/search
export const SearchModelVersions = message('SearchModelVersions', {
  filter: f.string(),
  max_results: f.int64().default(200000),
  order_by: f.repeated(f.string()),
  page_token: f.string(),
});

// GET model-versions/get-download-uri
export const GetModelVersionDownloadUri = message('GetModelVersionDownloadUri', {
  name: f.string().required(), // proto only (the handler passes no schema)
  version: f.string().required(), // proto only (the handler passes no schema)
});

// POST registered-models/set-tag
export const SetRegisteredModelTag = message('SetRegisteredModelTag', {
  name: f.string().required(),
  key: f.string().required(),
  value: f.string(), // proto: validate_required, but MLflow's server (handlers.py) accepts ""
});

// POST model-versions/set-tag
export const SetModelVersionTag = message('SetModelVersionTag', {
  name: f.string().required(),
  version: f.string().required(),
  key: f.string().required(),
  value: f.string(), // proto: validate_required, but MLflow's server (handlers.py) accepts ""
});

// DELETE registered-models/delete-tag
export const DeleteRegisteredModelTag = message('DeleteRegisteredModelTag', {
  name: f.string().required(),
  key: f.string().required(),
});

// DELETE model-versions/delete-tag
export const DeleteModelVersionTag = message('DeleteModelVersionTag', {
  name: f.string().required(),
  version: f.string().required(),
  key: f.string().required(),
});

// POST registered-models/alias (MLflow 2.3+)
export const SetRegisteredModelAlias = message('SetRegisteredModelAlias', {
  name: f.string().required(),
  alias: f.string().required(),
  version: f.string().required(),
});

// DELETE registered-models/alias (MLflow 2.3+)
export const DeleteRegisteredModelAlias = message('DeleteRegisteredModelAlias', {
  name: f.string().required(),
  alias: f.string().required(),
});

// GET registered-models/alias (MLflow 2.3+)
export const GetModelVersionByAlias = message('GetModelVersionByAlias', {
  name: f.string().required(),
  alias: f.string().required(),
});

// ── MLflow 1.x model_registry.proto (removed in 2.0) ─────────────────────────────

// GET registered-models/list
export const ListRegisteredModels = message('ListRegisteredModels', {
  max_results: f.int64().default(100),
  page_token: f.string(),
});

// ── endpoints ────────────────────────────────────────────────────────────────────

export interface RestEndpoint {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Relative to /api/2.0/mlflow/; `{name}` segments are path parameters. */
  readonly path: string;
  readonly message: MessageDef;
}

/**
 * Every rpc endpoint of model_registry.proto and of service.proto's tracking and logged-model rpcs, plus MLflow 1.x's
 * `experiments/list` and `registered-models/list`, in proto order. `/preview/mlflow/…` aliases (1.x) are not listed.
 * Not listed: service.proto's other services (traces incl. `traces/link-to-run`, assessments, issues, label schemas,
 * evaluation datasets, scorers, gateway, prompt optimization, review queues, workspaces) and the UI-only
 * `metrics/get-history-bulk` (no proto).
 */
export const REST_MESSAGES: readonly RestEndpoint[] = [
  // service.proto: experiments and runs
  { method: 'GET', path: 'experiments/get-by-name', message: GetExperimentByName },
  { method: 'POST', path: 'experiments/create', message: CreateExperiment },
  { method: 'POST', path: 'experiments/search', message: SearchExperiments },
  { method: 'GET', path: 'experiments/search', message: SearchExperiments },
  { method: 'GET', path: 'experiments/get', message: GetExperiment },
  { method: 'POST', path: 'experiments/delete', message: DeleteExperiment },
  { method: 'POST', path: 'experiments/restore', message: RestoreExperiment },
  { method: 'POST', path: 'experiments/update', message: UpdateExperiment },
  { method: 'POST', path: 'runs/create', message: CreateRun },
  { method: 'POST', path: 'runs/update', message: UpdateRun },
  { method: 'POST', path: 'runs/delete', message: DeleteRun },
  { method: 'POST', path: 'runs/restore', message: RestoreRun },
  { method: 'POST', path: 'runs/log-metric', message: LogMetric },
  { method: 'POST', path: 'runs/log-parameter', message: LogParam },
  { method: 'POST', path: 'experiments/set-experiment-tag', message: SetExperimentTag },
  { method: 'POST', path: 'experiments/delete-experiment-tag', message: DeleteExperimentTag },
  { method: 'POST', path: 'runs/set-tag', message: SetTag },
  { method: 'POST', path: 'runs/delete-tag', message: DeleteTag },
  { method: 'GET', path: 'runs/get', message: GetRun },
  { method: 'POST', path: 'runs/search', message: SearchRuns },
  { method: 'GET', path: 'artifacts/list', message: ListArtifacts },
  { method: 'POST', path: 'artifacts/presigned-upload-url', message: CreatePresignedUploadUrl },
  { method: 'POST', path: 'artifacts/presigned-download-url', message: CreatePresignedDownloadUrl },
  { method: 'GET', path: 'metrics/get-history', message: GetMetricHistory },
  { method: 'GET', path: 'metrics/get-history-bulk-interval', message: GetMetricHistoryBulkInterval },
  { method: 'POST', path: 'runs/log-batch', message: LogBatch },
  { method: 'POST', path: 'runs/log-model', message: LogModel },
  { method: 'POST', path: 'runs/log-inputs', message: LogInputs },
  { method: 'POST', path: 'runs/outputs', message: LogOutputs },
  { method: 'POST', path: 'experiments/search-datasets', message: SearchDatasets },
  // service.proto: logged models
  { method: 'POST', path: 'logged-models', message: CreateLoggedModel },
  { method: 'PATCH', path: 'logged-models/{model_id}', message: FinalizeLoggedModel },
  { method: 'GET', path: 'logged-models/{model_id}', message: GetLoggedModel },
  { method: 'DELETE', path: 'logged-models/{model_id}', message: DeleteLoggedModel },
  { method: 'POST', path: 'logged-models/search', message: SearchLoggedModels },
  { method: 'PATCH', path: 'logged-models/{model_id}/tags', message: SetLoggedModelTags },
  { method: 'DELETE', path: 'logged-models/{model_id}/tags/{tag_key}', message: DeleteLoggedModelTag },
  { method: 'GET', path: 'logged-models/{model_id}/artifacts/directories', message: ListLoggedModelArtifacts },
  { method: 'POST', path: 'logged-models/{model_id}/params', message: LogLoggedModelParamsRequest },
  // MLflow 1.x service.proto
  { method: 'GET', path: 'experiments/list', message: ListExperiments },
  // model_registry.proto
  { method: 'POST', path: 'registered-models/create', message: CreateRegisteredModel },
  { method: 'POST', path: 'registered-models/rename', message: RenameRegisteredModel },
  { method: 'PATCH', path: 'registered-models/update', message: UpdateRegisteredModel },
  { method: 'DELETE', path: 'registered-models/delete', message: DeleteRegisteredModel },
  { method: 'GET', path: 'registered-models/get', message: GetRegisteredModel },
  { method: 'GET', path: 'registered-models/search', message: SearchRegisteredModels },
  { method: 'POST', path: 'registered-models/get-latest-versions', message: GetLatestVersions },
  { method: 'GET', path: 'registered-models/get-latest-versions', message: GetLatestVersions },
  { method: 'POST', path: 'model-versions/create', message: CreateModelVersion },
  { method: 'PATCH', path: 'model-versions/update', message: UpdateModelVersion },
  { method: 'POST', path: 'model-versions/transition-stage', message: TransitionModelVersionStage },
  { method: 'DELETE', path: 'model-versions/delete', message: DeleteModelVersion },
  { method: 'GET', path: 'model-versions/get', message: GetModelVersion },
  { method: 'GET', path: 'model-versions/search', message: SearchModelVersions },
  { method: 'GET', path: 'model-versions/get-download-uri', message: GetModelVersionDownloadUri },
  { method: 'POST', path: 'registered-models/set-tag', message: SetRegisteredModelTag },
  { method: 'POST', path: 'model-versions/set-tag', message: SetModelVersionTag },
  { method: 'DELETE', path: 'registered-models/delete-tag', message: DeleteRegisteredModelTag },
  { method: 'DELETE', path: 'model-versions/delete-tag', message: DeleteModelVersionTag },
  { method: 'POST', path: 'registered-models/alias', message: SetRegisteredModelAlias },
  { method: 'DELETE', path: 'registered-models/alias', message: DeleteRegisteredModelAlias },
  { method: 'GET', path: 'registered-models/alias', message: GetModelVersionByAlias },
  // MLflow 1.x model_registry.proto
  { method: 'GET', path: 'registered-models/list', message: ListRegisteredModels },
];
