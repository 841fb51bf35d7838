/** Pure helpers of the monitoring UI: drift methods and their direction, severity, window merging, links, CSV rows. */
import { PREDICTION_COLUMN, type Alert, type ColumnDrift, type DriftMethod, type DriftReport, type MonitorWindow } from '../../../../shared/contract';
import { buildHash } from '../../app/router';
import type { CsvCell } from '../../lib/exportCsv';

/** Statistical tests report a p-value (drift when it falls below the threshold); the others report a distance (drift above). */
const P_VALUE_METHODS: ReadonlySet<DriftMethod> = new Set(['ks', 'chisquare', 'ztest']);
export const isPValueMethod = (m: DriftMethod): boolean => P_VALUE_METHODS.has(m);

export const METHOD_LABEL: Record<DriftMethod, string> = {
  ks: 'Kolmogorov–Smirnov',
  chisquare: 'chi-square',
  ztest: 'Z-test',
  wasserstein: 'Wasserstein (normed)',
  jensenshannon: 'Jensen–Shannon',
  psi: 'PSI',
};

/** Short names for tables. */
export const METHOD_SHORT: Record<DriftMethod, string> = { ks: 'KS', chisquare: 'chi-square', ztest: 'Z-test', wasserstein: 'Wasserstein', jensenshannon: 'JS distance', psi: 'PSI' };

/** What the plotted score is, and which side of the threshold is drift. */
export const scoreKind = (m: DriftMethod): string => (isPValueMethod(m) ? 'p-value (drift below)' : 'distance (drift above)');

/** The comparison that fires: "p < 0.05" / "distance ≥ 0.1". */
export const driftRuleText = (m: DriftMethod, threshold: number): string => (isPValueMethod(m) ? `p < ${formatScore(threshold)}` : `${m === 'psi' ? 'PSI' : 'distance'} ≥ ${formatScore(threshold)}`);

const sig = new Intl.NumberFormat(undefined, { maximumSignificantDigits: 4 });

/** 0.0123, 4.5e-12, 1 234 — readable p-values and distances. */
export function formatScore(v: number | null | undefined): string {
  if (v === null || v === undefined) return '—';
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a === 0) return '0';
  if (a < 1e-3 || a >= 1e6) return v.toExponential(2);
  return sig.format(v);
}

export function formatShare(v: number | null | undefined, digits = 0): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  return `${(v * 100).toFixed(digits)} %`;
}

/**
 * How far a score is on the drift side, as a ratio to the threshold: ≥ 1 is drift. p-values: threshold / p;
 * distances: score / threshold. Null when there is no score.
 */
export function driftRatio(method: DriftMethod, score: number | null, threshold: number): number | null {
  if (score === null || !Number.isFinite(score)) return null;
  if (isPValueMethod(method)) return score <= 0 ? Number.POSITIVE_INFINITY : threshold / score;
  return threshold <= 0 ? (score > 0 ? Number.POSITIVE_INFINITY : 0) : score / threshold;
}

/** 0..1 intensity for colour scales from a drift ratio (log-scaled, saturating at 100× the threshold). */
export function intensity(ratio: number | null): number {
  if (ratio === null) return 0;
  if (!Number.isFinite(ratio)) return 1;
  if (ratio >= 1) return Math.min(1, 0.35 + (0.65 * Math.log10(ratio)) / 2);
  return Math.max(0, Math.min(1, ratio));
}

/** Smallest value a log-scaled p-value axis shows (p = 0 is drawn there). */
export const P_FLOOR = 1e-16;

/** The log axis' lower end: a power of ten under the smallest p-value and the threshold, not below P_FLOOR. */
export function pValueFloor(scores: readonly (number | null)[], threshold: number): number {
  let min = Math.min(threshold, 0.01);
  for (const s of scores) if (s !== null && s > 0 && s < min) min = s;
  if (scores.some((s) => s === 0)) min = P_FLOOR;
  return Math.max(P_FLOOR, 10 ** Math.floor(Math.log10(min)));
}

/**
 * Merges updated windows into a series: the same index replaces, a new one is added; sorted by index and capped to
 * the last `cap`. Returns the same array when nothing changed (so React skips a render).
 */
export function mergeWindows(current: readonly MonitorWindow[], updates: readonly MonitorWindow[], cap = 200): MonitorWindow[] {
  if (updates.length === 0) return current as MonitorWindow[];
  const byIndex = new Map(current.map((w) => [w.index, w]));
  for (const u of updates) byIndex.set(u.index, u);
  const out = [...byIndex.values()].sort((a, b) => a.index - b.index);
  return out.length > cap ? out.slice(out.length - cap) : out;
}

/** Features of the windows in a stable order: the overview's list first, then any new ones the windows name. */
export function featureList(known: readonly string[], windows: readonly MonitorWindow[]): string[] {
  const seen = new Set(known);
  const out = [...known];
  for (const w of windows) {
    for (const f of Object.keys(w.features)) {
      if (!seen.has(f)) {
        seen.add(f);
        out.push(f);
      }
    }
  }
  return out;
}

/** The column a drift alert is about (`feature_drift:<column>`), else null. */
export function featureOfMetric(metric: string): string | null {
  return metric.startsWith('feature_drift:') ? metric.slice('feature_drift:'.length) || null : null;
}

/** The feature to open for a window: the one asked for, else the most drifted one of that window. */
export function featureToOpen(w: MonitorWindow | undefined, asked: string | null): string | null {
  if (asked) return asked;
  if (!w) return null;
  let best: { f: string; r: number } | null = null;
  for (const [f, s] of Object.entries(w.features)) {
    const r = driftRatio(s.method, s.score, s.threshold) ?? -1;
    if (!best || r > best.r) best = { f, r };
  }
  return best?.f ?? null;
}

export const METRIC_LABEL: Record<string, string> = {
  drift_share: 'Share of drifted features',
  prediction_drift: 'Prediction drift',
  latency_p99_ms: 'Latency p99 (ms)',
  latency_p95_ms: 'Latency p95 (ms)',
  latency_p50_ms: 'Latency p50 (ms)',
  error_rate: 'Error rate',
  throughput: 'Throughput (requests/s)',
  cpu_percent: 'CPU (%)',
  memory_bytes: 'Memory (bytes)',
  accuracy: 'Accuracy',
  auc: 'AUC',
  rmse: 'RMSE',
  label_delay_ms: 'Label delay (ms)',
};

export function metricLabel(metric: string): string {
  const f = featureOfMetric(metric);
  if (f) return `Drift of ${f}`;
  return METRIC_LABEL[metric] ?? metric;
}

/** Where an alert leads: its deployment's Monitoring tab with the window that fired it selected (and the overlay open). */
export function alertHref(a: Pick<Alert, 'deployment' | 'window' | 'metric' | 'id'> & { column?: string | null }): string {
  return buildHash('/deployments', { name: a.deployment, tab: 'monitoring', window: a.window, feature: a.column ?? featureOfMetric(a.metric), alert: a.id });
}

/** A column name for people: the model output's pseudo-column reads "prediction". */
export const columnLabel = (c: string): string => (c === PREDICTION_COLUMN ? 'prediction (model output)' : c);

/** Open alerts first, then newest first. */
export function sortAlerts(alerts: readonly Alert[]): Alert[] {
  const rank = { open: 0, acknowledged: 1, resolved: 2 } as const;
  return [...alerts].sort((a, b) => rank[a.state] - rank[b.state] || b.firedAt - a.firedAt);
}

/** Window size in words: "every 200 requests" / "every 60 s". */
export function windowSpecText(spec: { kind: 'count'; size: number } | { kind: 'time'; seconds: number }): string {
  if (spec.kind === 'count') return `every ${spec.size.toLocaleString()} predictions`;
  const s = spec.seconds;
  return s % 3600 === 0 ? `every ${s / 3600} h` : s % 60 === 0 ? `every ${s / 60} min` : `every ${s} s`;
}

const dur = (ms: number | null) => (ms === null ? null : Math.round(ms));

/** The windows as CSV records (one row per window; per-feature scores as columns). */
export function windowsCsv(windows: readonly MonitorWindow[], features: readonly string[]): CsvCell[][] {
  return [
    [
      'window',
      'start',
      'end',
      'rows',
      'requests',
      'open',
      'drift_share',
      'dataset_drift',
      'prediction_score',
      'prediction_drifted',
      'latency_p50_ms',
      'latency_p95_ms',
      'latency_p99_ms',
      'error_rate',
      'throughput_per_s',
      'cpu_percent',
      'memory_bytes',
      'labeled',
      'accuracy',
      'auc',
      'rmse',
      'label_delay_ms',
      ...features.flatMap((f) => [`${f}_score`, `${f}_drifted`]),
    ],
    ...windows.map((w) => [
      w.index,
      new Date(w.start),
      new Date(w.end),
      w.count,
      w.requests,
      w.open,
      w.driftShare,
      w.datasetDrift,
      w.prediction?.score ?? null,
      w.prediction?.drifted ?? null,
      w.latencyMs.p50,
      w.latencyMs.p95,
      w.latencyMs.p99,
      w.errorRate,
      w.throughput,
      w.cpuPercent,
      w.memoryBytes,
      w.performance?.labeled ?? null,
      w.performance?.accuracy ?? null,
      w.performance?.auc ?? null,
      w.performance?.rmse ?? null,
      dur(w.performance?.medianDelayMs ?? null),
      ...features.flatMap((f) => [w.features[f]?.score ?? null, w.features[f]?.drifted ?? null]),
    ]),
  ];
}

export function alertsCsv(alerts: readonly Alert[]): CsvCell[][] {
  return [
    ['id', 'deployment', 'state', 'metric', 'value', 'threshold', 'window', 'message', 'fired', 'updated'],
    ...alerts.map((a) => [a.id, a.deployment, a.state, a.metric, a.value, a.threshold, a.window, a.message, new Date(a.firedAt), new Date(a.updatedAt)]),
  ];
}

/** A drift report's columns as CSV records. */
export function driftReportCsv(r: DriftReport): CsvCell[][] {
  return [
    ['column', 'kind', 'method', 'statistic', 'p_value', 'threshold', 'drifted', 'psi', 'rows_reference', 'rows_current', 'missing_reference', 'missing_current', 'unseen_rows', 'unseen_values', 'note'],
    ...r.columns.map((c) => [
      c.column,
      c.kind,
      c.method,
      c.statistic,
      c.pValue,
      c.threshold,
      c.drifted,
      c.psi,
      c.rows.reference,
      c.rows.current,
      c.missing.reference,
      c.missing.current,
      c.unseen.rows,
      c.unseen.values.join(' '),
      c.note,
    ]),
  ];
}

/** The score a column's verdict rests on: the p-value for tests, the statistic (distance) otherwise. */
export const columnScore = (c: ColumnDrift): number | null => (isPValueMethod(c.method) ? c.pValue : c.statistic);

/** Drifted columns first (most drifted first), then the rest in report order. */
export function sortColumns(cols: readonly ColumnDrift[]): ColumnDrift[] {
  return cols
    .map((c, i) => ({ c, i, r: driftRatio(c.method, columnScore(c), c.threshold) ?? -1 }))
    .sort((x, y) => Number(y.c.drifted) - Number(x.c.drifted) || (x.c.drifted ? y.r - x.r : 0) || x.i - y.i)
    .map((x) => x.c);
}

export interface OverlayRow {
  label: string;
  /** Shares (0..1) of each side. */
  reference: number;
  current: number;
  lo: number | null;
  hi: number | null;
}

/** Distribution → bars: numeric bins labelled by their lower edge, categories by name; counts become shares. */
export function overlayRows(d: NonNullable<ColumnDrift['distribution']>): OverlayRow[] {
  const share = (xs: readonly number[]) => {
    const t = xs.reduce((s, x) => s + x, 0);
    // Already shares (sum ≈ 1) or counts: either way, normalise.
    return xs.map((x) => (t > 0 ? x / t : 0));
  };
  const ref = share(d.reference);
  const cur = share(d.current);
  const n = Math.max(ref.length, cur.length);
  const rows: OverlayRow[] = [];
  for (let i = 0; i < n; i++) {
    if (d.kind === 'numeric' && d.edges && d.edges.length > i + 1) {
      const lo = d.edges[i]!;
      const hi = d.edges[i + 1]!;
      rows.push({ label: formatEdge(lo), reference: ref[i] ?? 0, current: cur[i] ?? 0, lo, hi });
    } else {
      rows.push({ label: d.categories?.[i] ?? String(i), reference: ref[i] ?? 0, current: cur[i] ?? 0, lo: null, hi: null });
    }
  }
  return rows;
}

export function formatEdge(v: number): string {
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '−∞';
  const a = Math.abs(v);
  if (a >= 1e6) return `${Number((v / 1e6).toPrecision(3))}M`;
  if (a >= 1e4) return `${Number((v / 1e3).toPrecision(3))}k`;
  if (a !== 0 && a < 1e-3) return v.toExponential(1);
  return String(Number(v.toPrecision(4)));
}
