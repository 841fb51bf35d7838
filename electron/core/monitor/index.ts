import { MldeskError, type FeatureHandlers } from '../../../shared/contract';
import type { EngineContext } from '../context';
import { datasetDrift } from './batch';
import { grafanaDashboard, METRIC_NAMES, renderMetrics } from './prometheus';
import { MonitorService, type MonitorDeps } from './service';

/**
 * Monitoring: drift, performance and health of deployments, alerts on them, and the Prometheus / Grafana view.
 * - service.ts: the loop (records → windows → drift → alerts), the methods;
 * - flatten.ts: records → feature rows and predictions; reference.ts: the reference dataset (lineage) and the model's
 *   outputs on it; compare.ts: a window's column against the reference (./drift, the drift engine);
 * - alerts.ts: rules, defaults, streaks; webhook.ts: deliveries with backoff; performance.ts: accuracy, AUC, RMSE;
 * - prometheus.ts: the app's /metrics and the Grafana dashboard; demoTraffic.ts: the demo's replayed traffic.
 */

export { MonitorService, type MonitorDeps } from './service';
export { METRIC_NAMES } from './prometheus';
export { DEFAULT_RULES, metricValue } from './alerts';
/** Records → feature rows and predictions (insight explains a recorded inference with them). */
export { featureRows, predictions } from './flatten';

export function createMonitor(ctx: EngineContext, deps: MonitorDeps): { service: MonitorService; handlers: FeatureHandlers<'monitor'>; dispose: () => Promise<void> } {
  const service = new MonitorService(ctx, deps);
  const handlers: FeatureHandlers<'monitor'> = {
    'monitor.datasetDrift': (input) => {
      // Unknown projects are a 404 now, not a failed job.
      deps.data.projectDir(input.reference.projectId);
      deps.data.projectDir(input.current.projectId);
      const title = `Drift: ${input.current.path} vs ${input.reference.path}`;
      return { jobId: deps.jobs.start('drift', title, (r) => datasetDrift({ data: deps.data }, input, r)) };
    },
    'monitor.overview': ({ deployment, windows }) => service.overview(deployment, windows),
    'monitor.distribution': ({ deployment, window, column }) => service.distribution(deployment, window, column),
    'monitor.configure': (i) => service.configure(i),
    'monitor.rules': ({ deployment }) => service.rules(deployment),
    'monitor.setRules': ({ deployment, rules }) => service.setRules(deployment, rules),
    'monitor.alerts': (i) => service.alerts(i),
    'monitor.updateAlert': ({ id, state }) => (service.updateAlert(id, state), { ok: true as const }),
    'monitor.grafana': ({ deployment }) => {
      const names = service.snapshot().map((d) => d.name);
      if (deployment !== undefined && !names.includes(deployment)) throw new MldeskError('NOT_FOUND', `No deployment named '${deployment}'`);
      return grafanaDashboard({ deployment, deployments: names, version: ctx.version });
    },
  };
  return { service, handlers, dispose: () => service.dispose() };
}

/** The Prometheus text the HTTP host serves at GET /metrics. */
export function prometheusText(service: MonitorService): string {
  return renderMetrics(service.snapshot());
}

export const PROMETHEUS_METRICS = METRIC_NAMES;
