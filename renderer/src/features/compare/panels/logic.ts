/**
 * Pure logic behind the comparison panels: param diffing, metric summaries (incl. the best run),
 * axis scales for parallel coordinates (numeric and categorical), brushing, scatter data.
 *
 * No DOM, no React: unit-tested in tests/comparePanels.test.ts (which type-checks without the DOM lib).
 * Metric values may be NaN / ±Infinity, or null when they crossed HTTP as JSON: all of those are "missing".
 */
import type { RunRow } from '../../../../../shared/contract';

export type Goal = 'min' | 'max';
export type ParamKind = 'numeric' | 'categorical';
export type CsvRow = (string | number | null)[];

// ---------------------------------------------------------------------------------------------------------------
// keys, labels, values

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

/** Natural key order ("lr", "n_estimators", "x2" < "x10"); case-insensitive with a stable tiebreak. */
export function compareKeys(a: string, b: string): number {
  return collator.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);
}

export const isSystemMetric = (key: string): boolean => key.startsWith('system/');

/** A number that can be drawn: finite numbers only (NaN, ±Infinity, null, anything else → null). */
export function finiteOrNull(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** Union of param keys over the runs, natural order. */
export function collectParamKeys(runs: readonly RunRow[]): string[] {
  const keys = new Set<string>();
  for (const r of runs) for (const k in r.params) keys.add(k);
  return [...keys].sort(compareKeys);
}

/** Union of metric keys over the runs, natural order, `system/*` last. */
export function collectMetricKeys(runs: readonly RunRow[]): string[] {
  const keys = new Set<string>();
  for (const r of runs) for (const k in r.metrics) keys.add(k);
  const sys = (k: string) => (isSystemMetric(k) ? 1 : 0);
  return [...keys].sort((a, b) => sys(a) - sys(b) || compareKeys(a, b));
}

/** First non-system metric (else the first metric, else null). */
export function defaultMetricKey(metricKeys: readonly string[]): string | null {
  return metricKeys.find((k) => !isSystemMetric(k)) ?? metricKeys[0] ?? null;
}

/** Display name of a run: its name, else the first 8 characters of its id. */
export function runLabel(run: RunRow): string {
  return run.info.run_name.trim() || run.info.run_id.slice(0, 8);
}

/** Labels that tell runs apart: runs sharing a name get " (<id8>)" appended (CSV headers, tooltips). */
export function runLabels(runs: readonly RunRow[]): string[] {
  const names = runs.map(runLabel);
  const count = new Map<string, number>();
  for (const n of names) count.set(n, (count.get(n) ?? 0) + 1);
  return names.map((n, i) => ((count.get(n) ?? 0) > 1 ? `${n} (${runs[i]?.info.run_id.slice(0, 8) ?? ''})` : n));
}

/** Finite latest value of a metric (null when missing or non-finite). */
export function metricValue(run: RunRow, key: string): number | null {
  return finiteOrNull(run.metrics[key]?.value);
}

/** A param's value, null when the run does not have it. */
export function paramValue(run: RunRow, key: string): string | null {
  return Object.prototype.hasOwnProperty.call(run.params, key) ? (run.params[key] ?? null) : null;
}

// ---------------------------------------------------------------------------------------------------------------
// param diff

export interface ParamDiffRow {
  key: string;
  /** One per run, null = the run does not have this param. */
  values: (string | null)[];
  /** Not every run has the same value (a missing value counts as a value of its own). */
  differs: boolean;
  /** Per run: its value differs from the first run's (always false for the first run). */
  changed: boolean[];
}

export interface ParamDiff {
  rows: ParamDiffRow[];
  /** Number of param keys (the union). */
  total: number;
  /** Number of keys whose values are not all equal. */
  differing: number;
}

/** Rows = param keys (union, natural order), columns = runs; exact string comparison. */
export function diffParams(runs: readonly RunRow[]): ParamDiff {
  const rows = collectParamKeys(runs).map((key): ParamDiffRow => {
    const values = runs.map((r) => paramValue(r, key));
    const first = values[0] ?? null;
    const changed = values.map((v, i) => i > 0 && v !== first);
    return { key, values, differs: changed.some(Boolean), changed };
  });
  return { rows, total: rows.length, differing: rows.filter((r) => r.differs).length };
}

/** The rows the table shows. */
export function visibleParamRows(diff: ParamDiff, diffOnly: boolean): ParamDiffRow[] {
  return diffOnly ? diff.rows.filter((r) => r.differs) : diff.rows;
}

/** CSV records: header `param, <run labels…>`, then one record per row; missing values are empty. */
export function paramDiffCsv(runs: readonly RunRow[], rows: readonly ParamDiffRow[]): CsvRow[] {
  return [['param', ...runLabels(runs)], ...rows.map((r) => [r.key, ...r.values])];
}

// ---------------------------------------------------------------------------------------------------------------
// metric summary

const MIN_GOAL = /loss|error|rmse|mae|mse/i;

/** Default optimisation direction: loss / error / rmse / mae / mse → min, everything else → max. */
export function defaultGoal(key: string): Goal {
  return MIN_GOAL.test(key) ? 'min' : 'max';
}

/**
 * Indices of the best values (ties all win). Non-finite / null / undefined values never win.
 * Returns [] when nothing is finite, or when every entry is finite and equal (nothing to tell apart,
 * which includes a single run).
 */
export function pickBest(values: readonly (number | null | undefined)[], goal: Goal): number[] {
  let best: number | null = null;
  for (const v of values) {
    const f = finiteOrNull(v);
    if (f !== null && (best === null || (goal === 'min' ? f < best : f > best))) best = f;
  }
  if (best === null) return [];
  const idx: number[] = [];
  values.forEach((v, i) => {
    if (finiteOrNull(v) === best) idx.push(i);
  });
  return idx.length === values.length ? [] : idx;
}

export interface MetricCell {
  /** The run logged this metric at all. */
  present: boolean;
  /** Latest value, null when missing or non-finite. */
  last: number | null;
  min: number | null;
  max: number | null;
}

export interface MetricSummaryRow {
  key: string;
  goal: Goal;
  cells: MetricCell[];
  /** Indices of the best runs by latest value (see pickBest). */
  best: number[];
}

/** Rows = metric keys (union, `system/*` last), one cell per run. */
export function summarizeMetrics(runs: readonly RunRow[], goal: (key: string) => Goal = defaultGoal): MetricSummaryRow[] {
  return collectMetricKeys(runs).map((key): MetricSummaryRow => {
    const g = goal(key);
    const cells = runs.map((r): MetricCell => {
      const m = r.metrics[key];
      return m ? { present: true, last: finiteOrNull(m.value), min: finiteOrNull(m.min), max: finiteOrNull(m.max) } : { present: false, last: null, min: null, max: null };
    });
    return { key, goal: g, cells, best: pickBest(cells.map((c) => c.last), g) };
  });
}

/** CSV records: `metric, goal, <run>, <run> min, <run> max, …, best` (best = labels joined by "; "). */
export function metricSummaryCsv(runs: readonly RunRow[], rows: readonly MetricSummaryRow[]): CsvRow[] {
  const labels = runLabels(runs);
  return [
    ['metric', 'goal', ...labels.flatMap((l) => [l, `${l} min`, `${l} max`]), 'best'],
    ...rows.map((r): CsvRow => [r.key, r.goal, ...r.cells.flatMap((c) => [c.last, c.min, c.max]), r.best.map((i) => labels[i] ?? '').join('; ')]),
  ];
}

// ---------------------------------------------------------------------------------------------------------------
// numeric vs categorical, scales

const NUMERIC = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** "0.1", "-3", "1e-4", " 2 " are numeric; "", "nan", "inf", "0x10", "1,5", "gbt" are not. */
export function isNumericString(s: string): boolean {
  const t = s.trim();
  return NUMERIC.test(t) && Number.isFinite(Number(t));
}

/** Numeric when every present value is numeric (and there is at least one); missing values are ignored. */
export function detectParamKind(values: readonly (string | null | undefined)[]): ParamKind {
  let seen = false;
  for (const v of values) {
    if (v === null || v === undefined) continue;
    if (!isNumericString(v)) return 'categorical';
    seen = true;
  }
  return seen ? 'numeric' : 'categorical';
}

/** Kind of each param key over the runs. */
export function paramKinds(runs: readonly RunRow[], keys: readonly string[] = collectParamKeys(runs)): Map<string, ParamKind> {
  return new Map(keys.map((k) => [k, detectParamKind(runs.map((r) => paramValue(r, k)))]));
}

export type AxisValue = string | number | null;

export interface LinearScale {
  kind: 'linear';
  /** Data extent (finite values); 0..1 when there is none. */
  min: number;
  max: number;
  /** Tick values: the distinct values when there are at most 6, else round numbers inside [min, max]. */
  ticks: number[];
}

export interface CategoricalScale {
  kind: 'categorical';
  /** Distinct values, natural order; evenly spaced along the axis. */
  categories: string[];
}

export type AxisScale = LinearScale | CategoricalScale;

function niceStep(raw: number): number {
  const p = 10 ** Math.floor(Math.log10(raw));
  const f = raw / p;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10) * p;
}

const tidy = (v: number): number => Number(v.toPrecision(12));

/** Round-number ticks inside [min, max] (about `count` intervals). */
export function niceTicks(min: number, max: number, count = 4): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max) || max < min) return [];
  if (min === max) return [min];
  const step = niceStep((max - min) / count);
  const out: number[] = [];
  for (let i = Math.ceil(min / step - 1e-9); i <= Math.floor(max / step + 1e-9); i++) out.push(tidy(i * step));
  return out;
}

/** Value → number for a linear axis (numbers, or numeric strings), else null. */
function toNumber(v: AxisValue): number | null {
  if (typeof v === 'number') return finiteOrNull(v);
  if (typeof v === 'string' && isNumericString(v)) return Number(v.trim());
  return null;
}

/**
 * Axis scale for a column of values: linear when every present value is a finite number or a numeric string,
 * else categorical (values as strings). Missing values (null, non-finite numbers) are ignored.
 */
export function buildScale(values: readonly AxisValue[]): AxisScale {
  const present = values.filter((v): v is string | number => v !== null && !(typeof v === 'number' && !Number.isFinite(v)));
  const numeric = present.length > 0 && present.every((v) => toNumber(v) !== null);
  if (!numeric) {
    const categories = [...new Set(present.map(String))].sort(compareKeys);
    return { kind: 'categorical', categories };
  }
  const nums = present.map((v) => toNumber(v) as number);
  const min = Math.min(...nums);
  const max = Math.max(...nums);
  const distinct = [...new Set(nums)].sort((a, b) => a - b);
  return { kind: 'linear', min, max, ticks: distinct.length <= 6 ? distinct : niceTicks(min, max) };
}

/** Position along an axis, 0 = bottom … 1 = top; null = missing (not on the axis). */
export function scalePosition(scale: AxisScale, v: AxisValue): number | null {
  if (v === null) return null;
  if (scale.kind === 'categorical') {
    if (typeof v === 'number' && !Number.isFinite(v)) return null;
    const i = scale.categories.indexOf(String(v));
    return i < 0 ? null : (i + 0.5) / scale.categories.length;
  }
  const n = toNumber(v);
  if (n === null) return null;
  return scale.max === scale.min ? 0.5 : (n - scale.min) / (scale.max - scale.min);
}

/** Where a tick / category label sits on the axis (0 = bottom … 1 = top). */
export function tickPositions(scale: AxisScale): { pos: number; value: number | string }[] {
  if (scale.kind === 'categorical') return scale.categories.map((c, i) => ({ pos: (i + 0.5) / scale.categories.length, value: c }));
  return scale.ticks.map((t) => ({ pos: scale.max === scale.min ? 0.5 : (t - scale.min) / (scale.max - scale.min), value: t }));
}

// ---------------------------------------------------------------------------------------------------------------
// parallel coordinates

export interface ParallelAxis {
  /** Unique within the model: `param:<key>` / `metric:<key>`. */
  id: string;
  key: string;
  source: 'param' | 'metric';
  scale: AxisScale;
}

export interface ParallelLine {
  runId: string;
  label: string;
  /** One per axis: the raw value (param string / finite metric number / null). */
  values: AxisValue[];
  /** One per axis: 0..1 position, null = missing. */
  pos: (number | null)[];
}

export interface ParallelModel {
  axes: ParallelAxis[];
  lines: ParallelLine[];
}

/** Axes = the params (in the given order) then the metric (when given); one line per run. */
export function buildParallelModel(runs: readonly RunRow[], paramKeys: readonly string[], metricKey: string | null): ParallelModel {
  const labels = runLabels(runs);
  const columns: { id: string; key: string; source: 'param' | 'metric'; values: AxisValue[] }[] = [
    ...paramKeys.map((key) => ({ id: `param:${key}`, key, source: 'param' as const, values: runs.map((r): AxisValue => paramValue(r, key)) })),
    ...(metricKey === null ? [] : [{ id: `metric:${metricKey}`, key: metricKey, source: 'metric' as const, values: runs.map((r): AxisValue => metricValue(r, metricKey)) }]),
  ];
  const axes = columns.map((c): ParallelAxis => ({ id: c.id, key: c.key, source: c.source, scale: buildScale(c.values) }));
  const lines = runs.map(
    (r, i): ParallelLine => ({
      runId: r.info.run_id,
      label: labels[i] ?? runLabel(r),
      values: columns.map((c) => c.values[i] ?? null),
      pos: columns.map((c, j) => {
        const axis = axes[j];
        return axis ? scalePosition(axis.scale, c.values[i] ?? null) : null;
      }),
    }),
  );
  return { axes, lines };
}

/** Default axes: the params that differ across runs (at most `max`); when none differ, the first `max` params. */
export function defaultParallelParams(diff: ParamDiff, max = 8): string[] {
  const differing = diff.rows.filter((r) => r.differs).map((r) => r.key);
  return (differing.length > 0 ? differing : diff.rows.map((r) => r.key)).slice(0, max);
}

/** A vertical range on one axis, in axis positions (0 = bottom … 1 = top), lo ≤ hi. */
export interface Brush {
  lo: number;
  hi: number;
}

const clamp01 = (v: number): number => (v < 0 ? 0 : v > 1 ? 1 : v);

/** Brush from two drag positions in either order, clamped to the axis. */
export function normalizeBrush(a: number, b: number): Brush {
  return { lo: clamp01(Math.min(a, b)), hi: clamp01(Math.max(a, b)) };
}

/** Inclusive; a missing value is never inside a brush. */
export function inBrush(pos: number | null, b: Brush): boolean {
  return pos !== null && pos >= b.lo - 1e-9 && pos <= b.hi + 1e-9;
}

/**
 * Which lines pass every active brush (brushes on several axes AND together).
 * Brushes keyed by axis id; brushes on axes the model does not have are ignored. No brush → all pass.
 */
export function brushFilter(model: ParallelModel, brushes: Readonly<Record<string, Brush>>): boolean[] {
  const active = model.axes.flatMap((a, j) => {
    const b = brushes[a.id];
    return b ? [{ j, b }] : [];
  });
  return model.lines.map((l) => active.every(({ j, b }) => inBrush(l.pos[j] ?? null, b)));
}

/** Sequential colour ramp (viridis-like), t in 0..1 (clamped). */
const RAMP: readonly (readonly [number, number, number])[] = [
  [68, 1, 84],
  [59, 82, 139],
  [33, 145, 140],
  [94, 201, 98],
  [253, 231, 37],
];

export function rampColor(t: number): string {
  const x = clamp01(Number.isFinite(t) ? t : 0) * (RAMP.length - 1);
  const i = Math.min(RAMP.length - 2, Math.floor(x));
  const f = x - i;
  const a = RAMP[i] ?? RAMP[0]!;
  const b = RAMP[i + 1] ?? a;
  const hex = (k: 0 | 1 | 2) => Math.round(a[k] + (b[k] - a[k]) * f).toString(16).padStart(2, '0');
  return `#${hex(0)}${hex(1)}${hex(2)}`;
}

/** Ramp colour per value over the values' extent (all equal → the middle); null for missing values. */
export function rampColors(values: readonly (number | null)[]): (string | null)[] {
  const finite = values.filter((v): v is number => finiteOrNull(v) !== null);
  if (finite.length === 0) return values.map(() => null);
  const min = Math.min(...finite);
  const max = Math.max(...finite);
  return values.map((v) => (finiteOrNull(v) === null ? null : rampColor(max === min ? 0.5 : ((v as number) - min) / (max - min))));
}

// ---------------------------------------------------------------------------------------------------------------
// scatter

export interface AxisRef {
  source: 'param' | 'metric';
  key: string;
}

export function encodeAxisRef(r: AxisRef): string {
  return `${r.source}:${r.key}`;
}

/** "param:lr" / "metric:val/auc" → ref; anything else → null. */
export function decodeAxisRef(s: string | null | undefined): AxisRef | null {
  if (!s) return null;
  const m = /^(param|metric):(.+)$/s.exec(s);
  return m ? { source: m[1] as 'param' | 'metric', key: m[2] as string } : null;
}

/** Deterministic jitter in [-amplitude/2, amplitude/2) from a run id (a run keeps its place across renders). */
export function jitter(runId: string, amplitude = 0.36): number {
  let h = 2166136261;
  for (let i = 0; i < runId.length; i++) h = Math.imul(h ^ runId.charCodeAt(i), 16777619);
  return ((h >>> 0) / 4294967296 - 0.5) * amplitude;
}

export interface ScatterDatum {
  runId: string;
  label: string;
  /** Plotted x (category index + jitter for a categorical param). */
  x: number;
  y: number;
  /** What the tooltip shows for x: the number, or the category. */
  xText: string | number;
}

export interface ScatterData {
  points: ScatterDatum[];
  /** Set when x is a categorical param: x ticks 0..n-1 name these. */
  categories: string[] | null;
  /** Runs not drawn: a value missing / non-finite, or ≤ 0 on a log axis. */
  missing: number;
  nonPositive: number;
}

/** One point per run with both values; log axes drop values ≤ 0 (counted). A categorical x never goes log. */
export function scatterData(runs: readonly RunRow[], x: AxisRef, y: AxisRef, opts: { logX?: boolean; logY?: boolean } = {}): ScatterData {
  const labels = runLabels(runs);
  const rawX = runs.map((r): AxisValue => (x.source === 'param' ? paramValue(r, x.key) : metricValue(r, x.key)));
  const rawY = runs.map((r): number | null => (y.source === 'param' ? toNumber(paramValue(r, y.key)) : metricValue(r, y.key)));
  const xScale = buildScale(rawX);
  const categories = xScale.kind === 'categorical' ? xScale.categories : null;
  const points: ScatterDatum[] = [];
  let missing = 0;
  let nonPositive = 0;
  runs.forEach((r, i) => {
    const vx = rawX[i] ?? null;
    const vy = rawY[i] ?? null;
    let px: number | null;
    if (categories) {
      const c = vx === null ? -1 : categories.indexOf(String(vx));
      px = c < 0 ? null : c + jitter(r.info.run_id);
    } else px = toNumber(vx);
    if (px === null || vy === null) {
      missing++;
      return;
    }
    if ((opts.logX && !categories && px <= 0) || (opts.logY && vy <= 0)) {
      nonPositive++;
      return;
    }
    points.push({ runId: r.info.run_id, label: labels[i] ?? runLabel(r), x: px, y: vy, xText: categories ? String(vx) : px });
  });
  return { points, categories, missing, nonPositive };
}

/**
 * Linear axis: the extent padded by 5 % each side (not across zero), widened to round numbers, ticks at that step.
 * A single value gets ±10 % (±1 around 0).
 */
export function linearAxis(values: readonly number[]): { domain: [number, number]; ticks: number[] } {
  const f = values.filter((v) => Number.isFinite(v));
  if (f.length === 0) return { domain: [0, 1], ticks: niceTicks(0, 1) };
  let min = Math.min(...f);
  let max = Math.max(...f);
  if (min === max) {
    const pad = Math.abs(min) * 0.1 || 1;
    min -= pad;
    max += pad;
  } else {
    // pad, but never across zero (accuracy 0…0.94 → 0…1, not −0.5…1)
    const pad = (max - min) * 0.05;
    min = min >= 0 ? Math.max(0, min - pad) : min - pad;
    max = max <= 0 ? Math.min(0, max + pad) : max + pad;
  }
  const step = niceStep((max - min) / 4);
  const lo = Math.floor(min / step + 1e-9);
  const hi = Math.ceil(max / step - 1e-9);
  const ticks: number[] = [];
  for (let i = lo; i <= hi; i++) ticks.push(tidy(i * step));
  return { domain: [tidy(lo * step), tidy(hi * step)], ticks };
}

export function linearDomain(values: readonly number[]): [number, number] {
  return linearAxis(values).domain;
}

/**
 * Log axis over the positive values: the extent padded by 5 % (of its decades) each side; ticks at powers of ten,
 * or 1-2-5 steps when fewer than three powers fit, or round linear steps inside a narrow range.
 */
export function logAxis(values: readonly number[]): { domain: [number, number]; ticks: number[] } {
  const f = values.filter((v) => Number.isFinite(v) && v > 0);
  if (f.length === 0) return { domain: [1, 10], ticks: [1, 10] };
  let lo = Math.log10(Math.min(...f));
  let hi = Math.log10(Math.max(...f));
  if (hi === lo) {
    lo -= 0.5;
    hi += 0.5;
  } else {
    const pad = (hi - lo) * 0.05;
    lo -= pad;
    hi += pad;
  }
  const domain: [number, number] = [Number((10 ** lo).toPrecision(6)), Number((10 ** hi).toPrecision(6))];
  const inside = (v: number) => v >= domain[0] && v <= domain[1];
  const first = Math.ceil(lo - 1e-9);
  const last = Math.floor(hi + 1e-9);
  let ticks: number[] = [];
  const every = Math.max(1, Math.ceil((last - first + 1) / 8));
  for (let e = first; e <= last; e += every) ticks.push(tidy(10 ** e));
  if (ticks.length < 3) {
    const steps: number[] = [];
    for (let e = Math.floor(lo); e <= Math.ceil(hi); e++) for (const m of [1, 2, 5]) steps.push(tidy(m * 10 ** e));
    const within = steps.filter(inside);
    if (within.length >= 2) ticks = within;
  }
  if (ticks.length < 2) ticks = niceTicks(domain[0], domain[1]);
  return { domain, ticks };
}

/** Default scatter axes: x = first differing numeric param (else any numeric param, else a categorical one, else a metric), y = default metric. */
export function defaultScatterAxes(runs: readonly RunRow[]): { x: AxisRef | null; y: AxisRef | null } {
  const metrics = collectMetricKeys(runs);
  const yKey = defaultMetricKey(metrics);
  const y: AxisRef | null = yKey === null ? null : { source: 'metric', key: yKey };
  const diff = diffParams(runs);
  const kinds = paramKinds(runs, diff.rows.map((r) => r.key));
  const numeric = diff.rows.filter((r) => kinds.get(r.key) === 'numeric');
  const pick = numeric.find((r) => r.differs) ?? numeric[0] ?? diff.rows.find((r) => r.differs) ?? diff.rows[0];
  if (pick) return { x: { source: 'param', key: pick.key }, y };
  const xMetric = metrics.find((k) => k !== yKey);
  return { x: xMetric !== undefined ? { source: 'metric', key: xMetric } : y, y };
}
