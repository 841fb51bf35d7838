import type { MonitorWindow } from '../../../shared/contract';

/**
 * The app's Prometheus exposition (GET /metrics on the HTTP host): one gauge family per monitored figure, labelled by
 * deployment, from each deployment's last closed window (performance: the last window with labels). And the Grafana
 * dashboard over exactly these names (a `deployment` template variable, one panel per family).
 */

export interface DeploymentSnapshot {
  name: string;
  model: string | null;
  version: string | null;
  running: boolean;
  last: MonitorWindow | null;
  labelled: MonitorWindow | null;
  alerts: { open: number; acknowledged: number };
  records: number;
}

interface Family {
  name: string;
  help: string;
  type: 'gauge' | 'counter';
}

/** Every metric family /metrics exposes (HELP/TYPE lines are written even when no deployment has a sample). */
export const FAMILIES = {
  up: { name: 'mldesk_deployment_up', help: 'Deployment serving (1) or not (0).', type: 'gauge' },
  records: { name: 'mldesk_monitor_records_total', help: 'Inference records pulled from the deployment.', type: 'counter' },
  window: { name: 'mldesk_monitor_window_index', help: 'Index of the last closed monitoring window.', type: 'gauge' },
  windowRows: { name: 'mldesk_monitor_window_rows', help: 'Rows (predictions) in the last closed window.', type: 'gauge' },
  driftShare: { name: 'mldesk_monitor_drift_share', help: 'Share of the tested features that drifted in the last window.', type: 'gauge' },
  datasetDrift: { name: 'mldesk_monitor_dataset_drift', help: 'Dataset drift (drift share at or above 0.5) in the last window.', type: 'gauge' },
  featureScore: { name: 'mldesk_monitor_feature_drift_score', help: 'Per feature drift score: the p-value (ks, chisquare, ztest) or the distance.', type: 'gauge' },
  featureThreshold: { name: 'mldesk_monitor_feature_drift_threshold', help: 'Per feature threshold of the drift score.', type: 'gauge' },
  featureDrifted: { name: 'mldesk_monitor_feature_drifted', help: 'Per feature drift verdict (1 drifted).', type: 'gauge' },
  featurePsi: { name: 'mldesk_monitor_feature_psi', help: 'Per feature population stability index.', type: 'gauge' },
  predictionScore: { name: 'mldesk_monitor_prediction_drift_score', help: 'Drift score of the model output.', type: 'gauge' },
  predictionDrifted: { name: 'mldesk_monitor_prediction_drifted', help: 'Drift verdict of the model output (1 drifted).', type: 'gauge' },
  latency: { name: 'mldesk_monitor_latency_ms', help: 'Request latency quantiles in the last window (ms).', type: 'gauge' },
  errorRate: { name: 'mldesk_monitor_error_rate', help: 'Share of failed requests in the last window.', type: 'gauge' },
  throughput: { name: 'mldesk_monitor_throughput_rps', help: 'Requests per second in the last window.', type: 'gauge' },
  cpu: { name: 'mldesk_monitor_cpu_percent', help: 'Serving container CPU (% of one core).', type: 'gauge' },
  memory: { name: 'mldesk_monitor_memory_bytes', help: 'Serving container memory.', type: 'gauge' },
  accuracy: { name: 'mldesk_monitor_accuracy', help: 'Accuracy of the last window with labels.', type: 'gauge' },
  auc: { name: 'mldesk_monitor_auc', help: 'ROC AUC of the last window with labels.', type: 'gauge' },
  rmse: { name: 'mldesk_monitor_rmse', help: 'RMSE of the last window with labels.', type: 'gauge' },
  labeled: { name: 'mldesk_monitor_labeled', help: 'Labelled predictions in the last window with labels.', type: 'gauge' },
  labelDelay: { name: 'mldesk_monitor_label_delay_ms', help: 'Median delay between a prediction and its label (ms).', type: 'gauge' },
  alerts: { name: 'mldesk_monitor_alerts', help: 'Alerts not resolved yet, by state.', type: 'gauge' },
} as const satisfies Record<string, Family>;

export const METRIC_NAMES: readonly string[] = Object.values(FAMILIES).map((f) => f.name);

const esc = (s: string) => s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const labels = (l: Record<string, string>) => `{${Object.entries(l).map(([k, v]) => `${k}="${esc(v)}"`).join(',')}}`;
const num = (v: number) => (Number.isFinite(v) ? String(v) : v > 0 ? '+Inf' : v < 0 ? '-Inf' : 'NaN');

export function renderMetrics(deployments: readonly DeploymentSnapshot[]): string {
  const samples = new Map<Family, string[]>(Object.values(FAMILIES).map((f) => [f, []]));
  const put = (f: Family, l: Record<string, string>, v: number | null | undefined) => {
    if (v === null || v === undefined) return;
    samples.get(f)!.push(`${f.name}${labels(l)} ${num(v)}`);
  };
  for (const d of deployments) {
    const dep = { deployment: d.name };
    put(FAMILIES.up, { ...dep, model: d.model ?? '', version: d.version ?? '' }, d.running ? 1 : 0);
    put(FAMILIES.records, dep, d.records);
    put(FAMILIES.alerts, { ...dep, state: 'open' }, d.alerts.open);
    put(FAMILIES.alerts, { ...dep, state: 'acknowledged' }, d.alerts.acknowledged);
    const w = d.last;
    if (w) {
      put(FAMILIES.window, dep, w.index);
      put(FAMILIES.windowRows, dep, w.count);
      const tested = Object.values(w.features).some((f) => f.score !== null);
      if (tested) {
        put(FAMILIES.driftShare, dep, w.driftShare);
        put(FAMILIES.datasetDrift, dep, w.datasetDrift ? 1 : 0);
      }
      for (const [feature, f] of Object.entries(w.features)) {
        const l = { ...dep, feature, method: f.method };
        put(FAMILIES.featureScore, l, f.score);
        put(FAMILIES.featureThreshold, l, f.threshold);
        put(FAMILIES.featureDrifted, { ...dep, feature }, f.score === null ? null : f.drifted ? 1 : 0);
        put(FAMILIES.featurePsi, { ...dep, feature }, f.psi);
      }
      if (w.prediction) {
        put(FAMILIES.predictionScore, { ...dep, method: w.prediction.method }, w.prediction.score);
        put(FAMILIES.predictionDrifted, dep, w.prediction.score === null ? null : w.prediction.drifted ? 1 : 0);
      }
      put(FAMILIES.latency, { ...dep, quantile: '0.5' }, w.latencyMs.p50);
      put(FAMILIES.latency, { ...dep, quantile: '0.95' }, w.latencyMs.p95);
      put(FAMILIES.latency, { ...dep, quantile: '0.99' }, w.latencyMs.p99);
      put(FAMILIES.errorRate, dep, w.errorRate);
      put(FAMILIES.throughput, dep, w.throughput);
      put(FAMILIES.cpu, dep, w.cpuPercent);
      put(FAMILIES.memory, dep, w.memoryBytes);
    }
    const p = d.labelled?.performance;
    if (p) {
      put(FAMILIES.labeled, dep, p.labeled);
      put(FAMILIES.accuracy, dep, p.accuracy);
      put(FAMILIES.auc, dep, p.auc);
      put(FAMILIES.rmse, dep, p.rmse);
      put(FAMILIES.labelDelay, dep, p.medianDelayMs);
    }
  }
  const out: string[] = [];
  for (const [f, lines] of samples) out.push(`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} ${f.type}`, ...lines);
  return out.join('\n') + '\n';
}

// ── Grafana ────────────────────────────────────────────────────────────────────────────────────────────────────────

interface Target {
  expr: string;
  legendFormat: string;
}

const DS = { type: 'prometheus', uid: '${DS_PROMETHEUS}' };
const sel = `deployment=~"$deployment"`;

/** A Grafana dashboard (schema 39, importable: Dashboards → New → Import) over FAMILIES, one deployment or all. */
export function grafanaDashboard(opts: { deployment?: string; deployments: readonly string[]; version: string }): Record<string, unknown> {
  let id = 0;
  let x = 0;
  let y = 0;
  let rowH = 0;
  const panels: Array<Record<string, unknown>> = [];
  const panel = (title: string, targets: Target[], o: { unit?: string; w?: number; h?: number; type?: string; thresholds?: Array<{ color: string; value: number | null }>; min?: number; max?: number; description?: string } = {}) => {
    const w = o.w ?? 12;
    const h = o.h ?? 8;
    if (x + w > 24) {
      x = 0;
      y += rowH;
      rowH = 0;
    }
    const gridPos = { x, y, w, h };
    x += w;
    rowH = Math.max(rowH, h);
    panels.push({
      id: ++id,
      type: o.type ?? 'timeseries',
      title,
      ...(o.description ? { description: o.description } : {}),
      datasource: DS,
      gridPos,
      fieldConfig: {
        defaults: {
          ...(o.unit ? { unit: o.unit } : {}),
          ...(o.min !== undefined ? { min: o.min } : {}),
          ...(o.max !== undefined ? { max: o.max } : {}),
          ...(o.thresholds ? { thresholds: { mode: 'absolute', steps: o.thresholds }, custom: { thresholdsStyle: { mode: 'line' } } } : {}),
        },
        overrides: [],
      },
      options: o.type === 'stat' ? { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false }, colorMode: 'value', graphMode: 'none' } : { legend: { displayMode: 'list', placement: 'bottom' }, tooltip: { mode: 'multi' } },
      targets: targets.map((t, i) => ({ refId: String.fromCharCode(65 + i), datasource: DS, expr: t.expr, legendFormat: t.legendFormat })),
    });
  };
  const F = FAMILIES;
  const red = (v: number) => [
    { color: 'green', value: null },
    { color: 'red', value: v },
  ];
  panel('Up', [{ expr: `${F.up.name}{${sel}}`, legendFormat: '{{deployment}} {{model}} v{{version}}' }], { type: 'stat', w: 6, h: 4 });
  panel('Open alerts', [{ expr: `sum by (deployment) (${F.alerts.name}{${sel},state="open"})`, legendFormat: '{{deployment}}' }], { type: 'stat', w: 6, h: 4, thresholds: red(1) });
  panel('Records', [{ expr: `rate(${F.records.name}{${sel}}[5m])`, legendFormat: '{{deployment}}' }], { unit: 'reqps', w: 6, h: 4, type: 'stat' });
  panel('Window', [{ expr: `${F.window.name}{${sel}}`, legendFormat: '{{deployment}}' }], { w: 6, h: 4, type: 'stat' });
  panel('Drift share', [{ expr: `${F.driftShare.name}{${sel}}`, legendFormat: '{{deployment}}' }], { unit: 'percentunit', min: 0, max: 1, thresholds: red(0.5), description: 'Share of the tested features that drifted; dataset drift at 0.5.' });
  panel('Prediction drift', [{ expr: `${F.predictionScore.name}{${sel}}`, legendFormat: '{{deployment}} ({{method}})' }], { description: 'Drift score of the model output against its output on the reference.' });
  panel('Feature drift score', [{ expr: `${F.featureScore.name}{${sel}}`, legendFormat: '{{deployment}} {{feature}} ({{method}})' }], { w: 24, description: 'p-value (ks, chisquare, ztest: drift below the threshold) or distance (wasserstein, jensenshannon, psi: drift at or above it).' });
  panel('Drifted features', [{ expr: `sum by (deployment) (${F.featureDrifted.name}{${sel}})`, legendFormat: '{{deployment}}' }, { expr: `${F.featurePsi.name}{${sel}}`, legendFormat: 'PSI {{deployment}} {{feature}}' }], {});
  panel('Thresholds', [{ expr: `${F.featureThreshold.name}{${sel}}`, legendFormat: '{{deployment}} {{feature}}' }, { expr: `${F.datasetDrift.name}{${sel}}`, legendFormat: 'dataset drift {{deployment}}' }, { expr: `${F.predictionDrifted.name}{${sel}}`, legendFormat: 'prediction drifted {{deployment}}' }], {});
  panel('Latency', [{ expr: `${F.latency.name}{${sel}}`, legendFormat: '{{deployment}} p{{quantile}}' }], { unit: 'ms', thresholds: red(500) });
  panel('Errors and throughput', [{ expr: `${F.errorRate.name}{${sel}}`, legendFormat: 'error rate {{deployment}}' }, { expr: `${F.throughput.name}{${sel}}`, legendFormat: 'req/s {{deployment}}' }], {});
  panel('CPU', [{ expr: `${F.cpu.name}{${sel}}`, legendFormat: '{{deployment}}' }], { unit: 'percent' });
  panel('Memory', [{ expr: `${F.memory.name}{${sel}}`, legendFormat: '{{deployment}}' }], { unit: 'bytes' });
  panel('Accuracy and AUC', [{ expr: `${F.accuracy.name}{${sel}}`, legendFormat: 'accuracy {{deployment}}' }, { expr: `${F.auc.name}{${sel}}`, legendFormat: 'AUC {{deployment}}' }, { expr: `${F.rmse.name}{${sel}}`, legendFormat: 'RMSE {{deployment}}' }], { min: 0 });
  panel('Labels', [{ expr: `${F.labeled.name}{${sel}}`, legendFormat: 'labelled {{deployment}}' }, { expr: `${F.labelDelay.name}{${sel}}`, legendFormat: 'median delay ms {{deployment}}' }, { expr: `${F.windowRows.name}{${sel}}`, legendFormat: 'rows {{deployment}}' }], {});
  const current = opts.deployment ?? opts.deployments[0] ?? '';
  return {
    __inputs: [{ name: 'DS_PROMETHEUS', label: 'Prometheus', description: 'scraping mldesk’s /metrics', type: 'datasource', pluginId: 'prometheus', pluginName: 'Prometheus' }],
    __requires: [
      { type: 'grafana', id: 'grafana', name: 'Grafana', version: '10.0.0' },
      { type: 'datasource', id: 'prometheus', name: 'Prometheus', version: '1.0.0' },
      { type: 'panel', id: 'timeseries', name: 'Time series', version: '' },
      { type: 'panel', id: 'stat', name: 'Stat', version: '' },
    ],
    title: opts.deployment ? `mldesk — ${opts.deployment}` : 'mldesk — deployments',
    uid: `mldesk-${(opts.deployment ?? 'all').replace(/[^a-z0-9-]/g, '').slice(0, 30)}`,
    description: `Drift, performance and health of mldesk deployments (mldesk ${opts.version}; scrape the app's /metrics).`,
    tags: ['mldesk', 'mlops', 'drift'],
    editable: true,
    schemaVersion: 39,
    version: 1,
    time: { from: 'now-6h', to: 'now' },
    refresh: '30s',
    templating: {
      list: [
        {
          name: 'deployment',
          label: 'Deployment',
          type: 'query',
          datasource: DS,
          query: { query: `label_values(${F.up.name}, deployment)`, refId: 'deployment' },
          definition: `label_values(${F.up.name}, deployment)`,
          refresh: 2,
          includeAll: !opts.deployment,
          multi: !opts.deployment,
          current: opts.deployment ? { text: current, value: current } : { text: 'All', value: '$__all' },
          options: [],
        },
      ],
    },
    annotations: { list: [] },
    panels,
  };
}
