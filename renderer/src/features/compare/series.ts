/**
 * Series → chart points, memoized per series object: a live update that replaces one run's series
 * recomputes that run only; smoothing / log filtering are cached per points array.
 */
import type { MetricSeries, RunRow } from '../../../../shared/contract';
import { ema, extent, percentileDomain } from './aggregate';
import type { XMode } from './url';

export interface XY {
  x: number;
  y: number;
}

export interface Points {
  points: XY[];
  /** Non-finite values (null from the server) not drawn. */
  dropped: number;
}

/** Start time of a run (ms): its start_time, else the first timestamp of a series of it. */
export function runStart(row: RunRow | undefined, series?: MetricSeries): number {
  return row?.info.start_time ?? series?.timestamps[0] ?? 0;
}

const byMode = new WeakMap<MetricSeries, Map<string, Points>>();

/** Finite points of a series on the chosen x axis (`start` = run start for 'relative', ms). */
export function seriesPoints(s: MetricSeries, x: XMode, start: number): Points {
  const cacheKey = x === 'relative' ? `relative:${start}` : x;
  let m = byMode.get(s);
  const hit = m?.get(cacheKey);
  if (hit) return hit;
  const n = Math.min(s.steps.length, s.values.length, s.timestamps.length);
  const points: XY[] = [];
  let dropped = 0;
  for (let i = 0; i < n; i++) {
    const v = s.values[i];
    const xv = x === 'step' ? s.steps[i]! : x === 'wall' ? s.timestamps[i]! : s.timestamps[i]! - start;
    if (typeof v === 'number' && Number.isFinite(v) && Number.isFinite(xv)) points.push({ x: xv, y: v });
    else dropped++;
  }
  // Time axes: a value logged late for an early step would zigzag; draw (and search) in x order.
  if (x !== 'step') {
    let sorted = true;
    for (let i = 1; i < points.length && sorted; i++) if (points[i]!.x < points[i - 1]!.x) sorted = false;
    if (!sorted) points.sort((a, b) => a.x - b.x);
  }
  const out = { points, dropped };
  if (!m) byMode.set(s, (m = new Map()));
  m.set(cacheKey, out);
  return out;
}

const smoothCache = new WeakMap<readonly XY[], Map<number, XY[]>>();

/** EMA-smoothed copy (same x), cached per (points, weight). */
export function smoothPoints(points: readonly XY[], weight: number): readonly XY[] {
  if (weight <= 0) return points;
  let m = smoothCache.get(points);
  const hit = m?.get(weight);
  if (hit) return hit;
  const ys = ema(
    points.map((p) => p.y),
    weight,
  );
  const out = points.map((p, i) => ({ x: p.x, y: ys[i]! }));
  if (!m) smoothCache.set(points, (m = new Map()));
  m.set(weight, out);
  return out;
}

const positiveCache = new WeakMap<readonly XY[], Points>();

/** Points with y > 0 (log scale), and how many were dropped. */
export function positivePoints(points: readonly XY[]): Points {
  const hit = positiveCache.get(points);
  if (hit) return hit;
  let dropped = 0;
  const kept: XY[] = [];
  for (const p of points) {
    if (p.y > 0) kept.push(p);
    else dropped++;
  }
  const out = { points: dropped === 0 ? (points as XY[]) : kept, dropped };
  positiveCache.set(points, out);
  return out;
}

/** Index of the point whose x is nearest to `x` (points sorted by x); -1 when empty. */
export function nearestIndex(points: readonly { x: number }[], x: number): number {
  const n = points.length;
  if (n === 0) return -1;
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (points[mid]!.x < x) lo = mid + 1;
    else hi = mid;
  }
  if (lo > 0 && Math.abs(points[lo - 1]!.x - x) <= Math.abs(points[lo]!.x - x)) return lo - 1;
  return lo;
}

/** First index with x ≥ v (points sorted by x). */
function lowerBound(points: readonly XY[], v: number): number {
  let lo = 0;
  let hi = points.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (points[mid]!.x < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Zoomed points plus the nearest coarse point on each side of the window, so lines run to the
 * chart edges (clipped there) instead of stopping at the first point inside.
 */
export function withEdges(zoomed: readonly XY[], coarse: readonly XY[], min: number, max: number): XY[] {
  const i = lowerBound(coarse, min);
  const j = lowerBound(coarse, max + Number.EPSILON * Math.abs(max));
  const before = i > 0 ? coarse[i - 1] : undefined;
  let after: XY | undefined;
  for (let k = j; k < coarse.length; k++) {
    if (coarse[k]!.x > max) {
      after = coarse[k];
      break;
    }
  }
  const out: XY[] = [];
  if (before && (zoomed.length === 0 || before.x < zoomed[0]!.x)) out.push(before);
  for (const p of zoomed) out.push(p);
  if (after && (zoomed.length === 0 || after.x > zoomed[zoomed.length - 1]!.x)) out.push(after);
  return out;
}

/** Points of `points` inside [min, max] (sorted by x). */
export function sliceX(points: readonly XY[], min: number, max: number): readonly XY[] {
  const i = lowerBound(points, min);
  let j = i;
  while (j < points.length && points[j]!.x <= max) j++;
  return i === 0 && j === points.length ? points : points.slice(i, j);
}

/**
 * Y-domain for the visible values: min–max (or the 1st–99th percentile when clipping), padded by 5 %
 * (multiplicatively on a log scale). Null when nothing is visible.
 */
export function yDomain(values: ArrayLike<number>, opts: { clip: boolean; log: boolean }): [number, number] | null {
  const d = opts.clip ? percentileDomain(values) : extent(values);
  if (!d) return null;
  let [lo, hi] = d;
  if (opts.log) {
    if (lo <= 0) return null;
    if (lo === hi) return [lo / 2, hi * 2];
    const f = Math.pow(hi / lo, 0.05);
    return [lo / f, hi * f];
  }
  if (lo === hi) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.05;
    return [lo - pad, hi + pad];
  }
  const pad = (hi - lo) * 0.05;
  lo -= pad;
  hi += pad;
  // Keep 0 as the floor for non-negative metrics when the padding would cross it.
  if (d[0] >= 0 && lo < 0) lo = 0;
  return [lo, hi];
}
