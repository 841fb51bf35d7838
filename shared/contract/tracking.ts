import { z } from 'zod';
import { method, topic } from './define';

// MLflow entity shapes (snake_case, as the MLflow REST API returns them), shared by the UI contract.
export const keyValue = z.object({ key: z.string(), value: z.string() });
export const metric = z.object({ key: z.string(), value: z.number(), timestamp: z.number(), step: z.number() });
export const experiment = z.object({
  experiment_id: z.string(),
  name: z.string(),
  artifact_location: z.string(),
  lifecycle_stage: z.enum(['active', 'deleted']),
  creation_time: z.number().optional(),
  last_update_time: z.number().optional(),
  tags: z.array(keyValue),
});
export type Experiment = z.infer<typeof experiment>;

export const runStatus = z.enum(['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED']);
export type RunStatus = z.infer<typeof runStatus>;
export const runInfo = z.object({
  run_id: z.string(),
  run_uuid: z.string(),
  run_name: z.string(),
  experiment_id: z.string(),
  user_id: z.string(),
  status: runStatus,
  start_time: z.number().optional(),
  end_time: z.number().optional(),
  artifact_uri: z.string(),
  lifecycle_stage: z.enum(['active', 'deleted']),
});
export const datasetInput = z.object({
  tags: z.array(keyValue),
  dataset: z.object({
    name: z.string(),
    digest: z.string(),
    source_type: z.string(),
    source: z.string(),
    schema: z.string().optional(),
    profile: z.string().optional(),
  }),
});
export const run = z.object({
  info: runInfo,
  data: z.object({ metrics: z.array(metric), params: z.array(keyValue), tags: z.array(keyValue) }),
  inputs: z.object({ dataset_inputs: z.array(datasetInput) }),
  outputs: z.object({ model_outputs: z.array(z.object({ model_id: z.string(), step: z.number() })) }),
});
export type Run = z.infer<typeof run>;
export type RunInfo = z.infer<typeof runInfo>;
export type MetricValue = z.infer<typeof metric>;

/** A run row for tables: latest value + min/max per metric. */
export const metricSummary = z.object({ key: z.string(), value: z.number(), step: z.number(), timestamp: z.number(), min: z.number().nullable(), max: z.number().nullable(), count: z.number() });
export const runRow = z.object({
  info: runInfo,
  params: z.record(z.string(), z.string()),
  tags: z.record(z.string(), z.string()),
  metrics: z.record(z.string(), metricSummary),
});
export type RunRow = z.infer<typeof runRow>;

export const artifactFile = z.object({ path: z.string(), is_dir: z.boolean(), file_size: z.number().optional() });
export type ArtifactFile = z.infer<typeof artifactFile>;

const viewType = z.enum(['ACTIVE_ONLY', 'DELETED_ONLY', 'ALL']).default('ACTIVE_ONLY');
const runId = z.string().regex(/^[a-zA-Z0-9][\w-]{0,255}$/, 'not a run id');

export const trackingMethods = {
  listExperiments: method(
    'Experiments with run counts (active first).',
    z.object({ viewType }).strict().default({ viewType: 'ACTIVE_ONLY' }),
    z.array(experiment.extend({ run_count: z.number(), running_count: z.number(), last_run_time: z.number().nullable() })),
    'viewer',
  ),
  createExperiment: method('Create an experiment by name.', z.object({ name: z.string().trim().min(1).max(500) }).strict(), experiment, 'member'),
  searchRuns: method(
    'Runs of one or more experiments as table rows, with MLflow filter syntax and order_by.',
    z
      .object({
        experimentIds: z.array(z.string()).min(1).max(100),
        filter: z.string().max(10_000).default(''),
        orderBy: z.array(z.string().max(500)).max(20).default([]),
        viewType,
        maxResults: z.number().int().min(1).max(50_000).default(1000),
        pageToken: z.string().max(1000).optional(),
      })
      .strict(),
    z.object({ runs: z.array(runRow), nextPageToken: z.string().optional(), total: z.number() }),
    'viewer',
  ),
  getRun: method('One run with params, tags, latest metrics, inputs and outputs.', z.object({ runId }).strict(), run, 'viewer'),
  metricHistory: method(
    'History of one metric of one run (packed arrays); downsampled to maxPoints when longer.',
    z.object({ runId, key: z.string().min(1).max(250), maxPoints: z.number().int().min(2).max(1_000_000).default(5000) }).strict(),
    z.object({ key: z.string(), steps: z.array(z.number()), timestamps: z.array(z.number()), values: z.array(z.number()), total: z.number() }),
    'viewer',
  ),
  listArtifacts: method('Files under a run artifact folder.', z.object({ runId, path: z.string().max(4096).default('') }).strict(), z.array(artifactFile), 'viewer'),
  readArtifact: method(
    'Preview an artifact: text (utf-8, truncated) or base64 for images.',
    z.object({ runId, path: z.string().min(1).max(4096), maxBytes: z.number().int().min(1).max(5_000_000).default(512 * 1024) }).strict(),
    z.object({ path: z.string(), size: z.number(), kind: z.enum(['text', 'json', 'csv', 'image', 'binary']), mime: z.string(), text: z.string().optional(), base64: z.string().optional(), truncated: z.boolean() }),
    'viewer',
  ),
  setTag: method(
    'Set a run tag (e.g. mldesk.starred, mldesk.note); same rules as MLflow set-tag.',
    z.object({ runId, key: z.string().min(1).max(250), value: z.string().max(8000) }).strict(),
    z.object({ ok: z.literal(true) }),
    'member',
  ),
  deleteTag: method('Delete a run tag.', z.object({ runId, key: z.string().min(1).max(250) }).strict(), z.object({ ok: z.literal(true) }), 'member'),
  renameRun: method(
    'Rename a run (its name and the mlflow.runName tag, as MLflow runs/update does).',
    z.object({ runId, name: z.string().trim().min(1, 'a run name cannot be empty').max(250) }).strict(),
    z.object({ ok: z.literal(true) }),
    'member',
  ),
  previewArtifactTable: method(
    'First rows of a tabular artifact (Parquet) read with DuckDB, with the column types and the total row count.',
    z.object({ runId, path: z.string().min(1).max(4096), maxRows: z.number().int().min(1).max(1000).default(200) }).strict(),
    z.object({
      path: z.string(),
      size: z.number(),
      columns: z.array(z.object({ name: z.string(), type: z.string() })),
      rows: z.array(z.array(z.string().nullable())),
      totalRows: z.number().nullable(),
    }),
    'viewer',
  ),
  deleteRun: method('Soft-delete a run (restorable).', z.object({ runId }).strict(), z.object({ ok: z.literal(true) }), 'member'),
  restoreRun: method('Restore a deleted run.', z.object({ runId }).strict(), z.object({ ok: z.literal(true) }), 'member'),
};

export const trackingTopics = {
  'tracking.runChanged': topic(
    'A run was created, updated, deleted or restored.',
    z.object({ run_id: z.string(), experiment_id: z.string(), status: runStatus, lifecycle_stage: z.enum(['active', 'deleted']) }),
  ),
  'tracking.metricsLogged': topic(
    'Metrics were appended to a run.',
    z.object({ run_id: z.string(), experiment_id: z.string(), keys: z.array(z.string()), count: z.number(), max_step: z.number() }),
  ),
  'tracking.experimentsChanged': topic('An experiment was created, renamed, deleted or restored.', z.object({ experiment_id: z.string() })),
};
