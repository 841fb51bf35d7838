/**
 * What one compare chart draws, from the store's series and the view settings: per-run lines (or one
 * mean line + band per group), x/y domains and the counts shown in notes and data attributes. Pure.
 */
import type { MetricSeries, RunRow } from '../../../../shared/contract';
import { bandOf, ema, groupSeries, type BandMode, type RunSeries } from './aggregate';
import { positivePoints, runStart, seriesPoints, sliceX, smoothPoints, withEdges, yDomain, type XY } from './series';
import type { XMode, ZoomRange } from './url';

export interface BandXY {
  x: number;
  band: [number, number];
}

export interface DrawnLine {
  /** Run id, or `group:<label>`. */
  id: string;
  kind: 'run' | 'group';
  label: string;
  color: string;
  /** The line drawn in full colour (smoothed when smoothing is on). */
  points: readonly XY[];
  /** The unsmoothed line drawn faded behind it (only when smoothing). */
  raw: readonly XY[] | null;
  /** Group: band around the mean, and how many runs are in it. */
  band?: readonly BandXY[];
  runs?: number;
  /** Group value (data-group). */
  group?: string;
}

export interface GroupDef {
  /** Group value; '' for runs without the param/tag. */
  value: string;
  label: string;
  color: string;
  runIds: readonly string[];
}

export interface ChartModel {
  lines: DrawnLine[];
  xDomain: [number, number] | null;
  yDomain: [number, number] | null;
  /** Non-finite values not drawn. */
  dropped: number;
  /** Values ≤ 0 not drawn on the log scale. */
  droppedLog: number;
  /** Visible values outside the clipped y-domain. */
  clipped: number;
  /** Max points in one drawn series. */
  maxPoints: number;
  /** Points before downsampling, summed (for the subtitle). */
  total: number;
  sampled: boolean;
  /** Runs that have this metric. */
  runsWithData: number;
}

export interface ModelInput {
  runs: readonly RunRow[];
  colorOf: (runId: string) => string;
  series: Readonly<Record<string, MetricSeries>>;
  /** Full-resolution window series when zoomed and loaded. */
  zoomSeries: Readonly<Record<string, MetricSeries>> | null;
  zoom: ZoomRange | undefined;
  x: XMode;
  smooth: number;
  log: boolean;
  clip: boolean;
  groups: readonly GroupDef[] | null;
  band: BandMode;
  /** Chart width in px (bucket size when grouping downsampled series). */
  width: number;
}

const xsCache = new WeakMap<MetricSeries, Map<string, number[]>>();
function xsOf(s: MetricSeries, x: XMode, start: number): number[] | undefined {
  if (x === 'step') return undefined;
  const key = x === 'wall' ? 'wall' : `rel:${start}`;
  let m = xsCache.get(s);
  const hit = m?.get(key);
  if (hit) return hit;
  const xs = x === 'wall' ? s.timestamps : s.timestamps.map((t) => t - start);
  if (!m) xsCache.set(s, (m = new Map()));
  m.set(key, xs);
  return xs;
}

function smoothArray(values: number[], w: number): number[] {
  return w > 0 ? ema(values, w) : values;
}

function forEachVisibleY(lines: readonly DrawnLine[], zoom: ZoomRange | undefined, fn: (v: number) => void): void {
  const visible = (p: readonly XY[]) => (zoom ? sliceX(p, zoom.min, zoom.max) : p);
  for (const l of lines) {
    for (const p of visible(l.points)) fn(p.y);
    if (l.raw) for (const p of visible(l.raw)) fn(p.y);
    if (l.band) {
      for (const b of l.band) {
        if (zoom && (b.x < zoom.min || b.x > zoom.max)) continue;
        fn(b.band[0]);
        fn(b.band[1]);
      }
    }
  }
}

export function buildModel(inp: ModelInput): ChartModel {
  const { runs, series, zoom, x, smooth, log, clip } = inp;
  const lines: DrawnLine[] = [];
  let dropped = 0;
  let droppedLog = 0;
  let total = 0;
  let sampled = false;
  let runsWithData = 0;
  const rowById = new Map(runs.map((r) => [r.info.run_id, r]));

  for (const r of runs) {
    const s = series[r.info.run_id];
    if (!s) continue;
    runsWithData++;
    total += s.total;
    if (s.sampled) sampled = true;
  }

  if (inp.groups) {
    for (const g of inp.groups) {
      const members: RunSeries[] = [];
      let sampledHere = false;
      let minStep = Infinity;
      let maxStep = -Infinity;
      for (const id of g.runIds) {
        const s = (zoom && inp.zoomSeries?.[id]) || series[id];
        if (!s) continue;
        const start = runStart(rowById.get(id), series[id] ?? s);
        members.push({ steps: s.steps, values: s.values, xs: xsOf(s, x, start) });
        for (const v of s.values) if (v === null || !Number.isFinite(v)) dropped++;
        if (s.sampled) sampledHere = true;
        if (s.steps.length) {
          minStep = Math.min(minStep, s.steps[0]!);
          maxStep = Math.max(maxStep, s.steps[s.steps.length - 1]!);
        }
      }
      if (members.length === 0) continue;
      // Downsampled runs no longer share their steps: align on ~2 px buckets instead.
      const bucket = sampledHere && maxStep > minStep ? (maxStep - minStep) / Math.max(50, inp.width / 2) : 0;
      let pts = groupSeries(members, { bucket });
      if (x !== 'step') pts.sort((a, b) => a.x - b.x);
      if (zoom) pts = pts.filter((p) => p.x >= zoom.min && p.x <= zoom.max);
      const means = pts.map((p) => p.mean);
      const bands = pts.map((p) => bandOf(p, inp.band));
      const sm = smoothArray(means, smooth);
      const lo = smoothArray(
        bands.map((b) => b[0]),
        smooth,
      );
      const hi = smoothArray(
        bands.map((b) => b[1]),
        smooth,
      );
      const main: XY[] = [];
      const raw: XY[] = [];
      const band: BandXY[] = [];
      for (let i = 0; i < pts.length; i++) {
        const px = pts[i]!.x;
        if (log && (means[i]! <= 0 || sm[i]! <= 0)) {
          droppedLog++;
          continue;
        }
        main.push({ x: px, y: sm[i]! });
        if (smooth > 0) raw.push({ x: px, y: means[i]! });
        const l = log ? Math.max(lo[i]!, sm[i]! / 1e6) : lo[i]!;
        band.push({ x: px, band: [l, hi[i]!] });
      }
      lines.push({ id: `group:${g.value}`, kind: 'group', label: g.label, color: g.color, points: main, raw: smooth > 0 ? raw : null, band, runs: members.length, group: g.value });
    }
  } else {
    for (const r of runs) {
      const id = r.info.run_id;
      const s = series[id];
      if (!s) continue;
      const start = runStart(r, s);
      const base = seriesPoints(s, x, start);
      let pts: readonly XY[] = base.points;
      if (zoom && inp.zoomSeries) {
        // The window's own series (full resolution): its non-finite values are the ones not drawn.
        const zs = inp.zoomSeries[id];
        const zp = zs ? seriesPoints(zs, x, start) : null;
        if (zp) dropped += zp.dropped;
        pts = withEdges(zp ? zp.points : [], base.points, zoom.min, zoom.max);
      } else dropped += base.dropped;
      if (log) {
        const pos = positivePoints(pts);
        droppedLog += pos.dropped;
        pts = pos.points;
      }
      const main = smoothPoints(pts, smooth);
      lines.push({ id, kind: 'run', label: r.info.run_name || id.slice(0, 8), color: inp.colorOf(id), points: main, raw: smooth > 0 ? pts : null });
    }
  }

  // X domain: the zoom window, else the data extent.
  let xDomain: [number, number] | null = null;
  if (zoom) xDomain = [zoom.min, zoom.max];
  else {
    let lo = Infinity;
    let hi = -Infinity;
    for (const l of lines) {
      const p = l.points;
      if (p.length === 0) continue;
      lo = Math.min(lo, p[0]!.x);
      hi = Math.max(hi, p[p.length - 1]!.x);
    }
    if (lo <= hi) xDomain = lo === hi ? [lo - (x === 'step' ? 1 : 1000), hi + (x === 'step' ? 1 : 1000)] : [lo, hi];
  }

  // Y domain over what is visible in the x window (raw lines included: they are drawn too).
  let yd: [number, number] | null;
  let clipped = 0;
  if (clip) {
    let count = 0;
    forEachVisibleY(lines, zoom, () => count++);
    const ys = new Float64Array(count);
    let k = 0;
    forEachVisibleY(lines, zoom, (v) => (ys[k++] = v));
    yd = yDomain(ys, { clip, log });
    if (yd) for (const v of ys) if (v < yd[0] || v > yd[1]) clipped++;
  } else {
    let lo = Infinity;
    let hi = -Infinity;
    forEachVisibleY(lines, zoom, (v) => {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    });
    yd = lo <= hi ? yDomain([lo, hi], { clip, log }) : null;
  }

  let maxPoints = 0;
  for (const l of lines) maxPoints = Math.max(maxPoints, l.points.length);
  return { lines, xDomain, yDomain: yd, dropped, droppedLog, clipped, maxPoints, total, sampled, runsWithData };
}
