import { randomUUID } from 'node:crypto';
import { PREDICTION_COLUMN, type Alert, type AlertRule, type MonitorWindow } from '../../../shared/contract';
import type { MonitorTables } from './tables';

/**
 * Alert rules: a metric of each window against a threshold, firing when `windows` windows in a row breach it — once
 * per streak (a maximal run of breaching windows), at the window where the streak reached its length (or the window
 * being evaluated, when the streak is older than the rule). Evaluated when a window closes, and again when late labels
 * change a window's performance.
 */

export type RuleDraft = Omit<AlertRule, 'id' | 'deployment'>;

/** Created for a deployment the first time monitoring sees it. */
export const DEFAULT_RULES: readonly RuleDraft[] = [
  { metric: 'drift_share', op: '>=', threshold: 0.5, windows: 2, enabled: true },
  { metric: 'prediction_drift', op: '>=', threshold: 1, windows: 2, enabled: true },
  { metric: 'latency_p99_ms', op: '>=', threshold: 500, windows: 3, enabled: true },
  { metric: 'error_rate', op: '>=', threshold: 0.05, windows: 2, enabled: true },
  { metric: 'accuracy', op: '<=', threshold: 0.7, windows: 2, enabled: true },
];

/** Performance metrics count in windows with at least this many labels. */
export const MIN_LABELS = 10;
/** How far back (windows) a streak is followed after a late change. */
const MAX_WALK = 500;

/** A rule's metric in one window; null when the window cannot say (no reference, no requests, too few labels). */
export function metricValue(w: MonitorWindow, metric: string): number | null {
  const perf = w.performance && w.performance.labeled >= MIN_LABELS ? w.performance : null;
  if (metric.startsWith('feature_drift:')) {
    const f = w.features[metric.slice('feature_drift:'.length)];
    return f && f.score !== null ? (f.drifted ? 1 : 0) : null;
  }
  switch (metric) {
    case 'drift_share':
      return Object.values(w.features).some((f) => f.score !== null) ? w.driftShare : null;
    case 'prediction_drift':
      return w.prediction && w.prediction.score !== null ? (w.prediction.drifted ? 1 : 0) : null;
    case 'latency_p50_ms':
      return w.latencyMs.p50;
    case 'latency_p95_ms':
      return w.latencyMs.p95;
    case 'latency_p99_ms':
      return w.latencyMs.p99;
    case 'error_rate':
      return w.requests > 0 ? w.errorRate : null;
    case 'throughput':
      return w.requests > 0 ? w.throughput : null;
    case 'cpu_percent':
      return w.cpuPercent;
    case 'memory_bytes':
      return w.memoryBytes;
    case 'accuracy':
      return perf?.accuracy ?? null;
    case 'auc':
      return perf?.auc ?? null;
    case 'rmse':
      return perf?.rmse ?? null;
    case 'label_delay_ms':
      return perf?.medianDelayMs ?? null;
    default:
      return null;
  }
}

export const breaches = (r: Pick<AlertRule, 'metric' | 'op' | 'threshold'>, w: MonitorWindow): boolean => {
  const v = metricValue(w, r.metric);
  return v !== null && (r.op === '>=' ? v >= r.threshold : v <= r.threshold);
};

const LABELS: Record<string, string> = {
  drift_share: 'drift share',
  prediction_drift: 'prediction drift',
  latency_p50_ms: 'latency p50 (ms)',
  latency_p95_ms: 'latency p95 (ms)',
  latency_p99_ms: 'latency p99 (ms)',
  error_rate: 'error rate',
  throughput: 'throughput (req/s)',
  cpu_percent: 'CPU %',
  memory_bytes: 'memory (bytes)',
  accuracy: 'accuracy',
  auc: 'AUC',
  rmse: 'RMSE',
  label_delay_ms: 'label delay (ms)',
};

const fmt = (v: number) => (Number.isInteger(v) ? String(v) : Math.abs(v) >= 100 ? v.toFixed(0) : v.toPrecision(3));

/** The feature an alert's chart point opens: the rule's own, or the window's most drifted (by PSI). */
function columnOf(rule: AlertRule, w: MonitorWindow): string | null {
  if (rule.metric.startsWith('feature_drift:')) return rule.metric.slice('feature_drift:'.length);
  if (rule.metric === 'prediction_drift') return PREDICTION_COLUMN;
  if (rule.metric !== 'drift_share') return null;
  let best: string | null = null;
  let bestPsi = -Infinity;
  for (const [c, f] of Object.entries(w.features)) {
    if (!f.drifted) continue;
    const psi = f.psi ?? 0;
    if (best === null || psi > bestPsi) {
      best = c;
      bestPsi = psi;
    }
  }
  return best;
}

export function describeAlert(deployment: string, rule: AlertRule, w: MonitorWindow, value: number): string {
  const what = rule.metric.startsWith('feature_drift:') ? `feature ${rule.metric.slice(14)} drifted` : rule.metric === 'prediction_drift' ? 'the predictions drifted' : `${LABELS[rule.metric] ?? rule.metric} ${fmt(value)} ${rule.op === '>=' ? '≥' : '≤'} ${fmt(rule.threshold)}`;
  const col = rule.metric === 'drift_share' ? columnOf(rule, w) : null;
  return `${deployment}: ${what} for ${rule.windows} window${rule.windows === 1 ? '' : 's'} in a row (window ${w.index}${col ? `; most drifted: ${col}` : ''})`;
}

/** A streak long enough to fire `rule` at `window` (whether it already did is the caller's check: another process may have). */
export interface Firing {
  rule: AlertRule;
  window: MonitorWindow;
  value: number;
  streak: { start: number; end: number };
}

interface Run {
  start: number;
  end: number;
}

/** Evaluates rules over a deployment's closed windows; remembers the current runs so closing windows in order costs O(1). */
export class RuleEvaluator {
  private readonly runs = new Map<string, Run>();

  constructor(
    private readonly tables: MonitorTables,
    private readonly deployment: string,
    private readonly epoch: number,
  ) {}

  /** The rules that fire because window `w` (closed, or changed by labels) is what it is now; `last` is the newest closed index. */
  evaluate(rules: AlertRule[], w: MonitorWindow, last: number): Firing[] {
    const fired: Firing[] = [];
    const cache = new Map<number, MonitorWindow | null>([[w.index, w]]);
    const at = (i: number): MonitorWindow | null => {
      if (!cache.has(i)) {
        // Fetched in pages around i: a walk reads few queries.
        for (const x of this.tables.windows(this.deployment, this.epoch, 50, i)) if (!cache.has(x.index)) cache.set(x.index, x);
        if (!cache.has(i)) cache.set(i, null);
      }
      return cache.get(i)!;
    };
    for (const rule of rules) {
      if (!rule.enabled) continue;
      const key = rule.id;
      if (!breaches(rule, w)) {
        const r = this.runs.get(key);
        if (r && r.start <= w.index && w.index <= r.end) this.runs.delete(key);
        continue;
      }
      const known = this.runs.get(key);
      let start: number;
      if (known && known.end === w.index - 1) start = known.start;
      else {
        start = w.index;
        for (let i = w.index - 1; i >= 0 && w.index - i <= MAX_WALK; i--) {
          const x = at(i);
          if (!x || !breaches(rule, x)) break;
          start = i;
        }
      }
      let end = w.index;
      if (w.index < last) {
        for (let i = w.index + 1; i <= last && i - w.index <= MAX_WALK; i++) {
          const x = cache.get(i) ?? this.tables.window(this.deployment, this.epoch, i)?.window ?? null;
          if (!x || !breaches(rule, x)) break;
          end = i;
        }
      }
      if (end === last || w.index === last) this.runs.set(key, { start, end });
      // Where the streak reached its length — or this window, when the streak was long before this rule could see it
      // (a new rule, windows computed again): an alert names a window that was evaluated, not history.
      const fireAt = Math.max(start + rule.windows - 1, Math.min(w.index, end));
      if (start + rule.windows - 1 > end) continue;
      const fw = fireAt === w.index ? w : (at(fireAt) ?? this.tables.window(this.deployment, this.epoch, fireAt)?.window ?? null);
      if (!fw) continue;
      fired.push({ rule, window: fw, value: metricValue(fw, rule.metric)!, streak: { start, end } });
    }
    return fired;
  }

  forget(ruleIds?: Set<string>): void {
    if (!ruleIds) this.runs.clear();
    else for (const k of [...this.runs.keys()]) if (!ruleIds.has(k)) this.runs.delete(k);
  }
}

export function newAlert(deployment: string, rule: AlertRule, w: MonitorWindow, value: number): Alert {
  const now = Date.now();
  return {
    id: `alert-${randomUUID().slice(0, 12)}`,
    deployment,
    ruleId: rule.id,
    metric: rule.metric,
    value,
    threshold: rule.threshold,
    message: describeAlert(deployment, rule, w, value),
    window: w.index,
    column: columnOf(rule, w),
    firedAt: now,
    state: 'open',
    updatedAt: now,
  };
}
