/**
 * The lines of a compare chart, drawn as plain SVG paths inside the recharts chart (which still owns the
 * axes, grid, scales and export surface).
 *
 * Why not one recharts <Line> per run: every Line registers itself in recharts' store and re-runs the
 * chart's selectors, so mounting 100 of them costs seconds; here a path per run is one string built in a
 * single pass, with per-pixel-column decimation (first/min/max/last) so even full-resolution zoom windows
 * stay light.
 */
import { memo, useId, useMemo } from 'react';
import { usePlotArea, useXAxisScale, useYAxisScale } from 'recharts';
import type { BandXY, DrawnLine } from './model';
import type { XY } from './series';

type Map1 = (v: number) => number;

/** Linear (or log-linear) mapping data → px, calibrated on two points of the recharts scale. */
function calibrate(scale: (v: number) => number | undefined, d0: number, d1: number, log: boolean): Map1 | null {
  const p0 = scale(d0);
  const p1 = scale(d1);
  if (p0 === undefined || p1 === undefined || !Number.isFinite(p0) || !Number.isFinite(p1) || d0 === d1) return null;
  if (log) {
    if (!(d0 > 0 && d1 > 0)) return null;
    const l0 = Math.log10(d0);
    const k = (p1 - p0) / (Math.log10(d1) - l0);
    return (v) => p0 + (Math.log10(v) - l0) * k;
  }
  const k = (p1 - p0) / (d1 - d0);
  return (v) => p0 + (v - d0) * k;
}

/**
 * Paths are written in tenths of a pixel as integers (drawn inside a scale(0.1) group): integer → string is
 * several times faster than float → string, and 0.1 px is all the precision a line needs.
 */
const SUB = 10;

/**
 * SVG path of a polyline with at most four vertices per pixel column (first, min, max, last in the column),
 * which draws exactly like the full line. Points outside [xLo, xHi] px (plus one neighbour) are skipped.
 */
export function linePath(points: readonly XY[], fx: Map1, fy: Map1, xLo: number, xHi: number): string {
  const n = points.length;
  if (n === 0) return '';
  let out = '';
  let col = NaN;
  // Column extremes as (index, x, y): first, min y, max y, last.
  let fI = -1, fX = 0, fY = 0, aI = -1, aX = 0, aY = 0, bI = -1, bX = 0, bY = 0, lI = -1, lX = 0, lY = 0; // prettier-ignore
  const emit = (x: number, y: number) => {
    out += (out ? 'L' : 'M') + Math.round(x * SUB) + ',' + Math.round(y * SUB);
  };
  const flush = () => {
    if (fI < 0) return;
    emit(fX, fY);
    const aFirst = aI <= bI;
    const i1 = aFirst ? aI : bI;
    const i2 = aFirst ? bI : aI;
    if (i1 !== fI && i1 !== lI) emit(aFirst ? aX : bX, aFirst ? aY : bY);
    if (i2 !== fI && i2 !== lI && i2 !== i1) emit(aFirst ? bX : aX, aFirst ? bY : aY);
    if (lI !== fI) emit(lX, lY);
  };
  // Visible index range (+1 neighbour each side so the line enters/leaves the plot).
  let start = 0;
  while (start < n - 1 && fx(points[start + 1]!.x) < xLo) start++;
  let end = n - 1;
  while (end > start && fx(points[end - 1]!.x) > xHi) end--;
  for (let i = start; i <= end; i++) {
    const p = points[i]!;
    const px = fx(p.x);
    const py = fy(p.y);
    if (!Number.isFinite(px) || !Number.isFinite(py)) continue;
    const c = Math.round(px);
    if (c !== col) {
      flush();
      col = c;
      fI = aI = bI = lI = i;
      fX = aX = bX = lX = px;
      fY = aY = bY = lY = py;
      continue;
    }
    if (py < aY) {
      aI = i;
      aX = px;
      aY = py;
    }
    if (py > bY) {
      bI = i;
      bX = px;
      bY = py;
    }
    lI = i;
    lX = px;
    lY = py;
  }
  flush();
  return out;
}

/** Closed path of a band: upper edge left → right, lower edge back. */
export function bandPath(band: readonly BandXY[], fx: Map1, fy: Map1): string {
  if (band.length === 0) return '';
  const up: string[] = [];
  const down: string[] = [];
  for (const b of band) {
    const x = fx(b.x);
    const y0 = fy(b.band[0]);
    const y1 = fy(b.band[1]);
    if (!Number.isFinite(x) || !Number.isFinite(y0) || !Number.isFinite(y1)) continue;
    up.push(Math.round(x * SUB) + ',' + Math.round(y1 * SUB));
    down.push(Math.round(x * SUB) + ',' + Math.round(y0 * SUB));
  }
  if (up.length === 0) return '';
  down.reverse();
  return `M${up.join('L')}L${down.join('L')}Z`;
}

interface Props {
  lines: readonly DrawnLine[];
  xDomain: [number, number];
  yDomain: [number, number];
  log: boolean;
}

/** Rendered inside <ComposedChart>: bands, faded raw lines, then the lines. */
export const SeriesLayer = memo(function SeriesLayer({ lines, xDomain, yDomain, log }: Props) {
  const plot = usePlotArea();
  const xs = useXAxisScale();
  const ys = useYAxisScale();
  const clipId = `compare-clip-${useId().replace(/[^a-zA-Z0-9_-]/g, '')}`;
  const fx = useMemo(() => (xs ? calibrate((v) => xs(v), xDomain[0], xDomain[1], false) : null), [xs, xDomain]);
  const fy = useMemo(() => (ys ? calibrate((v) => ys(v), yDomain[0], yDomain[1], log) : null), [ys, yDomain, log]);
  const paths = useMemo(() => {
    if (!fx || !fy || !plot) return null;
    const lo = plot.x - 2;
    const hi = plot.x + plot.width + 2;
    return lines.map((l) => ({
      line: l,
      d: l.points.length > 1 ? linePath(l.points, fx, fy, lo, hi) : '',
      raw: l.raw && l.raw.length > 1 ? linePath(l.raw, fx, fy, lo, hi) : '',
      band: l.band ? bandPath(l.band, fx, fy) : '',
      dot: l.points.length === 1 ? { cx: fx(l.points[0]!.x), cy: fy(l.points[0]!.y) } : null,
    }));
  }, [lines, fx, fy, plot]);
  if (!paths || !plot) return null;
  return (
    <g className="compare-series">
      <defs>
        <clipPath id={clipId}>
          <rect x={plot.x} y={plot.y} width={plot.width} height={plot.height} />
        </clipPath>
      </defs>
      <g clipPath={`url(#${clipId})`}>
        <g transform={`scale(${1 / SUB})`}>
        {paths.map((p) => (p.band ? <path key={`band:${p.line.id}`} className="compare-band" d={p.band} fill={p.line.color} fillOpacity={0.16} stroke="none" data-group={p.line.group} /> : null))}
        {paths.map((p) =>
          p.raw ? <path key={`raw:${p.line.id}`} className="compare-raw" d={p.raw} fill="none" stroke={p.line.color} strokeOpacity={0.25} strokeWidth={SUB} data-run={p.line.kind === 'run' ? p.line.id : undefined} /> : null,
        )}
        {paths.map((p) =>
          p.dot ? (
            <circle
              key={p.line.id}
              className="compare-line compare-point"
              cx={Math.round(p.dot.cx * SUB)}
              cy={Math.round(p.dot.cy * SUB)}
              r={2.5 * SUB}
              fill={p.line.color}
              data-run={p.line.kind === 'run' ? p.line.id : undefined}
              data-testid={p.line.kind === 'group' ? 'compare-group-line' : undefined}
              data-group={p.line.group}
            />
          ) : p.d ? (
            <path
              key={p.line.id}
              className="compare-line"
              d={p.d}
              fill="none"
              stroke={p.line.color}
              strokeWidth={(p.line.kind === 'group' ? 2 : 1.5) * SUB}
              strokeLinejoin="round"
              strokeLinecap="round"
              data-run={p.line.kind === 'run' ? p.line.id : undefined}
              data-testid={p.line.kind === 'group' ? 'compare-group-line' : undefined}
              data-group={p.line.group}
            />
          ) : null,
        )}
        </g>
      </g>
    </g>
  );
});
