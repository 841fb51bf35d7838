import { z } from 'zod';
import { method, topic } from './define';
import { deploymentName } from './deploy';

/**
 * Drift and live monitoring. One drift engine (electron/core/monitor) serves batch comparisons of two datasets,
 * data validation's PSI, and the windows of a deployment's inference records.
 */

export const driftMethod = z.enum(['ks', 'chisquare', 'ztest', 'wasserstein', 'jensenshannon', 'psi']);
export type DriftMethod = z.infer<typeof driftMethod>;
export const columnKind = z.enum(['numeric', 'categorical', 'binary']);

/** Per-column override of the automatic choice (Evidently's rules). */
export const columnDriftOption = z.object({ method: driftMethod.optional(), threshold: z.number().min(0).max(1e6).optional() }).strict();

/** Reference vs current distribution of one column, for the overlay charts. */
export const distribution = z.object({
  kind: columnKind,
  /** Numeric: bin edges (n+1) over the reference quantiles / range; categorical: the categories (reference first, then unseen). */
  edges: z.array(z.number()).optional(),
  categories: z.array(z.string()).optional(),
  reference: z.array(z.number()),
  current: z.array(z.number()),
});
export type Distribution = z.infer<typeof distribution>;

export const columnDrift = z.object({
  column: z.string(),
  kind: columnKind,
  method: driftMethod,
  /** The test statistic or the distance. */
  statistic: z.number().nullable(),
  /** Tests: the p-value (drift when below the threshold); distances: null. */
  pValue: z.number().nullable(),
  threshold: z.number(),
  drifted: z.boolean(),
  /** Always reported (10 reference-quantile bins, empty-bin share 1e-4). */
  psi: z.number().nullable(),
  rows: z.object({ reference: z.number(), current: z.number() }),
  missing: z.object({ reference: z.number(), current: z.number() }),
  /** Categories in the current data the reference never had (count of rows, a few examples). */
  unseen: z.object({ rows: z.number(), values: z.array(z.string()) }),
  /** Why a column could not be tested (e.g. all values missing in one side); drifted is false then. */
  note: z.string().nullable(),
  distribution: distribution.nullable(),
  /**
   * Every statistic that applies to the column, by method (only when asked for: `mldesk drift --all`): numeric
   * columns ks, wasserstein (normed), jensenshannon, psi; categorical ones chisquare, ztest, jensenshannon, psi.
   */
  statistics: z.record(z.string(), z.object({ statistic: z.number().nullable(), pValue: z.number().nullable() })).optional(),
});
export type ColumnDrift = z.infer<typeof columnDrift>;

export const driftReport = z.object({
  reference: z.object({ source: z.string(), rows: z.number() }),
  current: z.object({ source: z.string(), rows: z.number() }),
  columns: z.array(columnDrift),
  driftedColumns: z.number(),
  driftShare: z.number(),
  /** Dataset drift when the share of drifted columns ≥ shareThreshold (0.5). */
  shareThreshold: z.number(),
  datasetDrift: z.boolean(),
  tookMs: z.number(),
});
export type DriftReport = z.infer<typeof driftReport>;

/** A dataset to compare: a file in a project, optionally at a commit (`path@commit` in the CLI). */
const datasetRef = z.object({ projectId: z.string().min(8).max(64), path: z.string().min(1).max(4096), commit: z.string().regex(/^[0-9a-f]{4,40}$/).optional() }).strict();

export const windowSpec = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('count'), size: z.number().int().min(10).max(1_000_000) }).strict(),
  z.object({ kind: z.literal('time'), seconds: z.number().int().min(5).max(7 * 86_400) }).strict(),
]);
export type WindowSpec = z.infer<typeof windowSpec>;

/** The `column` of monitor.distribution that means the model's output (the prediction drift), not a feature. */
export const PREDICTION_COLUMN = '@prediction';

export const monitorWindow = z.object({
  /** 0, 1, 2… in order (a new window spec, reference or column option numbers them again). */
  index: z.number().int(),
  /** ms: count windows span their first to last record; time windows their bounds. */
  start: z.number(),
  end: z.number(),
  /** Rows (a batch request counts its rows; a count window closes at the first request that fills it). */
  count: z.number(),
  /** Inference requests (errors included). */
  requests: z.number(),
  /** Per feature: the drift score (p-value or distance), its threshold and the verdict. */
  features: z.record(z.string(), z.object({ method: driftMethod, score: z.number().nullable(), threshold: z.number(), drifted: z.boolean(), psi: z.number().nullable() })),
  driftShare: z.number(),
  datasetDrift: z.boolean(),
  /** Drift of the model's output (the positive-class probability or the prediction). */
  prediction: z.object({ method: driftMethod, score: z.number().nullable(), threshold: z.number(), drifted: z.boolean() }).nullable(),
  latencyMs: z.object({ p50: z.number().nullable(), p95: z.number().nullable(), p99: z.number().nullable() }),
  /** Share of the requests answered with a 4xx/5xx. */
  errorRate: z.number(),
  /** Requests per second over the window. */
  throughput: z.number(),
  cpuPercent: z.number().nullable(),
  memoryBytes: z.number().nullable(),
  /** From ground truth sent to POST /mldesk/feedback (null until labels arrive). */
  performance: z
    .object({ labeled: z.number(), accuracy: z.number().nullable(), auc: z.number().nullable(), rmse: z.number().nullable(), medianDelayMs: z.number().nullable() })
    .nullable(),
  /** Still filling (the live window). */
  open: z.boolean(),
});
export type MonitorWindow = z.infer<typeof monitorWindow>;

/**
 * What a rule can watch, per window: drift_share (0..1); prediction_drift and feature_drift:<column> (1 when drifted,
 * else 0); latency_p50_ms / latency_p95_ms / latency_p99_ms; error_rate (0..1); throughput (requests/s);
 * cpu_percent; memory_bytes; accuracy, auc, rmse and label_delay_ms (windows with at least 10 labels).
 */
export const RULE_METRICS = ['drift_share', 'prediction_drift', 'latency_p50_ms', 'latency_p95_ms', 'latency_p99_ms', 'error_rate', 'throughput', 'cpu_percent', 'memory_bytes', 'accuracy', 'auc', 'rmse', 'label_delay_ms'] as const;
export const ruleMetric = z
  .string()
  .min(1)
  .max(300)
  .refine((m) => (RULE_METRICS as readonly string[]).includes(m) || /^feature_drift:.{1,280}$/.test(m), { message: `one of ${RULE_METRICS.join(', ')}, or feature_drift:<column>` });

export const alertRule = z.object({
  id: z.string(),
  deployment: z.string(),
  /** See RULE_METRICS, e.g. 'drift_share', 'feature_drift:<column>', 'prediction_drift', 'latency_p99_ms', 'error_rate', 'accuracy'. */
  metric: ruleMetric,
  op: z.enum(['>=', '<=']),
  threshold: z.number().finite(),
  /** Fires when this many windows in a row breach it (once per streak). */
  windows: z.number().int().min(1).max(1000),
  enabled: z.boolean(),
});
export type AlertRule = z.infer<typeof alertRule>;

export const alert = z.object({
  id: z.string(),
  deployment: z.string(),
  ruleId: z.string(),
  metric: z.string(),
  value: z.number(),
  threshold: z.number(),
  message: z.string(),
  /** The window that fired it (the chart point to open). */
  window: z.number().int(),
  /** The feature whose overlay that point opens: the rule's feature, or the most drifted one of a drift_share / prediction alert (PREDICTION_COLUMN for prediction drift). */
  column: z.string().nullable(),
  firedAt: z.number(),
  state: z.enum(['open', 'acknowledged', 'resolved']),
  updatedAt: z.number(),
});
export type Alert = z.infer<typeof alert>;

/** Where the reference in use comes from, what it holds, and what the prediction drift is measured against. */
export const referenceInfo = z.object({
  /** first-window: no dataset could be found or read, so the deployment's first window is the reference. */
  source: z.enum(['lineage', 'override', 'first-window']),
  label: z.string(),
  rows: z.number(),
  /** model: the deployed model's outputs on the reference sample (onnxruntime in the app); first-window: the first window's outputs. */
  predictions: z.enum(['model', 'first-window', 'none']),
  problem: z.string().nullable(),
});
export type ReferenceInfo = z.infer<typeof referenceInfo>;

export const monitorConfig = z.object({
  deployment: z.string(),
  window: windowSpec,
  /** The training dataset version found through lineage, or the user's override. */
  reference: z.object({ projectId: z.string(), path: z.string(), commit: z.string().nullable(), source: z.enum(['lineage', 'override']) }).nullable(),
  columns: z.record(z.string(), columnDriftOption),
  webhook: z.string().nullable(),
});
export type MonitorConfig = z.infer<typeof monitorConfig>;

const byDeployment = z.object({ deployment: deploymentName }).strict();
const ok = z.object({ ok: z.literal(true) });

export const monitorMethods = {
  datasetDrift: method(
    'Compare two datasets for drift (as a job; the result is a DriftReport): per column method, statistic, p-value or distance, threshold, verdict, then dataset drift.',
    z
      .object({
        reference: datasetRef,
        current: datasetRef,
        /** current column → reference column, when names differ. */
        columnMap: z.record(z.string().max(1000), z.string().max(1000)).default({}),
        columns: z.record(z.string().max(1000), columnDriftOption).default({}),
      })
      .strict(),
    z.object({ jobId: z.string() }),
    'viewer',
  ),
  overview: method(
    'A deployment’s monitoring: its config, the last windows (drift, latency, errors, throughput, resources, performance) and open alerts.',
    z.object({ deployment: deploymentName, windows: z.number().int().min(1).max(1000).default(100) }).strict(),
    z.object({
      config: monitorConfig,
      /** Oldest first; the last one is the open window when it has records. */
      windows: z.array(monitorWindow),
      alerts: z.array(alert),
      records: z.number(),
      features: z.array(z.string()),
      /** null until the reference is resolved (the first windows of a deployment). */
      reference: referenceInfo.nullable(),
    }),
    'viewer',
  ),
  distribution: method(
    'Reference vs current distribution of one feature in one window (the overlay behind a chart point); column PREDICTION_COLUMN for the model output.',
    z.object({ deployment: deploymentName, window: z.number().int().min(0), column: z.string().min(1).max(1000) }).strict(),
    columnDrift,
    'viewer',
  ),
  configure: method(
    'Change a deployment’s windows, reference dataset, per-column methods/thresholds or webhook.',
    z
      .object({
        deployment: deploymentName,
        window: windowSpec.optional(),
        reference: datasetRef.nullable().optional(),
        columns: z.record(z.string().max(1000), columnDriftOption).optional(),
        /** An http(s) URL: each alert that fires is POSTed there as JSON (retried with backoff). */
        webhook: z
          .string()
          .url()
          .max(2000)
          .refine((u) => /^https?:\/\//i.test(u), { message: 'an http:// or https:// URL' })
          .nullable()
          .optional(),
      })
      .strict(),
    monitorConfig,
    'member',
  ),
  rules: method('Alert rules of a deployment (defaults are created at deploy time).', byDeployment, z.array(alertRule), 'viewer'),
  setRules: method(
    'Replace a deployment’s alert rules.',
    z.object({ deployment: deploymentName, rules: z.array(alertRule.omit({ id: true, deployment: true }).extend({ id: z.string().optional() })).max(200) }).strict(),
    z.array(alertRule),
    'member',
  ),
  alerts: method(
    'Alerts, newest first.',
    z.object({ deployment: deploymentName.optional(), state: z.enum(['open', 'acknowledged', 'resolved']).optional(), limit: z.number().int().min(1).max(10_000).default(200) }).strict().default({ limit: 200 }),
    z.array(alert),
    'viewer',
  ),
  updateAlert: method('Acknowledge or resolve an alert.', z.object({ id: z.string().min(1).max(100), state: z.enum(['acknowledged', 'resolved']) }).strict(), ok, 'member'),
  grafana: method('A Grafana dashboard (JSON) over the app’s /metrics gauges for one or all deployments.', z.object({ deployment: deploymentName.optional() }).strict().default({}), z.record(z.string(), z.unknown()), 'viewer'),
};

export const monitorTopics = {
  'monitor.window': topic('A monitoring window of a deployment was updated or closed.', z.object({ deployment: z.string(), window: monitorWindow })),
  'monitor.alert': topic('An alert fired or changed state (`change`: what just happened).', alert.extend({ change: z.enum(['fired', 'acknowledged', 'resolved']) })),
};
