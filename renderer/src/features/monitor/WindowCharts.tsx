import { memo, useMemo, type ReactNode } from 'react';
import { CartesianGrid, Line, LineChart, ReferenceLine, Tooltip, XAxis, YAxis, type DotItemDotProps } from 'recharts';
import type { DriftMethod, MonitorWindow } from '../../../../shared/contract';
import { ChartCard, cssVar, formatClock, formatTick } from '../../charts';
import { driftRuleText, formatScore, isPValueMethod, METHOD_LABEL, P_FLOOR, pValueFloor, scoreKind } from './format';

/** Series colours are CSS classes (theme-aware; exports inline the computed colours). */
export type SeriesTone = 'a' | 'b' | 'c' | 'd';
const TONE_VAR: Record<SeriesTone, [string, string]> = { a: ['--accent', '#5b5bd6'], b: ['--mon-orange', '#f28e2b'], c: ['--mon-green', '#2f9e6a'], d: ['--danger', '#d93036'] };

export interface SeriesDef {
  key: string;
  label: string;
  tone: SeriesTone;
  axis?: 'left' | 'right';
  format: (v: number) => string;
  dashed?: boolean;
}

type Row = { index: number; start: number; end: number; count: number; requests: number; open: boolean } & Record<string, number | boolean | null>;

/** Window fields every chart row carries (tooltips show when and how many requests). */
export function baseRow(w: MonitorWindow): Row {
  return { index: w.index, start: w.start, end: w.end, count: w.count, requests: w.requests, open: w.open };
}

function windowCaption(r: Row): string {
  const rows = r.count !== r.requests ? ` (${r.count.toLocaleString()} rows)` : '';
  return `window ${r.index}${r.open ? ' (filling)' : ''} · ${formatClock(r.start)}–${formatClock(r.end)} · ${r.requests.toLocaleString()} requests${rows}`;
}

function SeriesTooltip({ active, payload, series }: { active?: boolean; payload?: ReadonlyArray<{ payload?: Row }>; series: readonly SeriesDef[] }) {
  const r = active ? payload?.[0]?.payload : undefined;
  if (!r) return null;
  return (
    <div className="chart-tooltip">
      <div className="chart-tooltip-step">{windowCaption(r)}</div>
      {series.map((s) => {
        const v = r[s.key];
        return (
          <div key={s.key} className="mon-tip-row">
            <span className={`mon-swatch mon-tone-${s.tone}`} aria-hidden="true" />
            {s.label}: <strong>{typeof v === 'number' ? s.format(v) : '—'}</strong>
          </div>
        );
      })}
    </div>
  );
}

/** Click anywhere on a chart → the window under the cursor. */
function pickWindow(onSelect: ((w: number) => void) | undefined) {
  return onSelect
    ? (state: { activeLabel?: string | number | undefined }) => {
        const w = Number(state?.activeLabel);
        if (Number.isFinite(w)) onSelect(w);
      }
    : undefined;
}

const xAxis = (rows: readonly Row[]) => (
  <XAxis
    dataKey="index"
    type="number"
    domain={rows.length === 1 ? ['dataMin - 1', 'dataMax + 1'] : ['dataMin', 'dataMax']}
    allowDecimals={false}
    tickLine={false}
    minTickGap={20}
    height={22}
    tickFormatter={(v: number) => String(v)}
  />
);

export interface WindowLineChartProps {
  title: string;
  subtitle?: ReactNode;
  rows: readonly Row[];
  series: readonly SeriesDef[];
  height?: number;
  leftFormat?: (v: number) => string;
  rightFormat?: (v: number) => string;
  leftDomain?: [number | string, number | string | ((dataMax: number) => number)];
  refLines?: ReadonlyArray<{ y: number; label: string }>;
  selected: number | null;
  onSelect?: (w: number) => void;
  emptyText: string;
  testId: string;
  yLabel?: string;
}

/** Lines over window index (latency, errors + throughput, CPU + memory, performance, drift share). */
export const WindowLineChart = memo(function WindowLineChart({
  title,
  subtitle,
  rows,
  series,
  height = 180,
  leftFormat = formatTick,
  rightFormat = formatTick,
  leftDomain = ['auto', 'auto'],
  refLines = [],
  selected,
  onSelect,
  emptyText,
  testId,
  yLabel,
}: WindowLineChartProps) {
  const hasData = rows.some((r) => series.some((s) => typeof r[s.key] === 'number'));
  const right = series.some((s) => s.axis === 'right');
  const legend = () => series.map((s) => ({ label: s.label, color: cssVar(TONE_VAR[s.tone][0], TONE_VAR[s.tone][1]) }));
  return (
    <ChartCard
      className="mon-chart"
      title={title}
      subtitle={
        <>
          {subtitle}
          <span className="mon-legend">
            {series.map((s) => (
              <span key={s.key} className="mon-legend-item">
                <span className={`mon-swatch mon-tone-${s.tone}${s.dashed ? ' dashed' : ''}`} aria-hidden="true" />
                {s.label}
              </span>
            ))}
          </span>
        </>
      }
      height={height}
      empty={hasData ? null : emptyText}
      legend={legend}
      axes={{ x: 'window', y: yLabel }}
      attrs={{ 'data-testid': testId, 'data-points': rows.length }}
    >
      {(width) => (
        <LineChart width={width} height={height} data={rows as Row[]} margin={{ top: 8, right: right ? 4 : 16, bottom: 0, left: 0 }} onClick={pickWindow(onSelect)} className={onSelect ? 'mon-clickable' : undefined}>
          <CartesianGrid vertical={false} />
          {xAxis(rows)}
          <YAxis yAxisId="left" domain={leftDomain} tickFormatter={leftFormat} tickLine={false} axisLine={false} width={48} />
          {right ? <YAxis yAxisId="right" orientation="right" tickFormatter={rightFormat} tickLine={false} axisLine={false} width={56} /> : null}
          <Tooltip content={<SeriesTooltip series={series} />} isAnimationActive={false} cursor={{ className: 'mon-cursor' }} />
          {refLines.map((r) => (
            <ReferenceLine key={r.label} yAxisId="left" y={r.y} className="mon-threshold" strokeDasharray="5 4" label={{ value: r.label, position: 'insideTopRight', className: 'mon-threshold-label' }} />
          ))}
          {selected !== null ? <ReferenceLine yAxisId="left" x={selected} className="mon-selected-line" /> : null}
          {series.map((s) => (
            <Line
              key={s.key}
              yAxisId={s.axis ?? 'left'}
              type="linear"
              dataKey={s.key}
              name={s.label}
              className={`mon-line mon-tone-${s.tone}`}
              strokeDasharray={s.dashed ? '4 3' : undefined}
              dot={rows.length <= 40 ? { r: 2, className: `mon-linedot mon-dot-${s.tone}` } : false}
              activeDot={{ r: 3.5, className: `mon-linedot active mon-dot-${s.tone}` }}
              strokeWidth={1.6}
              isAnimationActive={false}
              connectNulls={false}
            />
          ))}
        </LineChart>
      )}
    </ChartCard>
  );
});

// ---------- drift score of one feature (or of the prediction) ----------

export interface DriftPoint {
  index: number;
  method: DriftMethod;
  score: number | null;
  threshold: number;
  drifted: boolean;
}

type DriftRow = Row & { plot: number | null; raw: number | null; drifted: boolean; threshold: number };

function DriftTooltip({ active, payload, method }: { active?: boolean; payload?: ReadonlyArray<{ payload?: DriftRow }>; method: DriftMethod }) {
  const r = active ? payload?.[0]?.payload : undefined;
  if (!r) return null;
  return (
    <div className="chart-tooltip">
      <div className="chart-tooltip-step">{windowCaption(r)}</div>
      <div className={`chart-tooltip-value${r.drifted ? ' text-danger' : ''}`}>
        {isPValueMethod(method) ? 'p' : method === 'psi' ? 'PSI' : 'distance'} = {r.raw === null ? '—' : r.raw === 0 && isPValueMethod(method) ? `< ${formatScore(P_FLOOR)}` : formatScore(r.raw)}
        {r.drifted ? ' · drifted' : ''}
      </div>
      <div className="chart-tooltip-step">
        drift when {driftRuleText(method, r.threshold)} · click to compare distributions
      </div>
    </div>
  );
}

export interface DriftScoreChartProps {
  /** The feature (or "prediction"). */
  name: string;
  title?: string;
  windows: readonly MonitorWindow[];
  pick: (w: MonitorWindow) => DriftPoint | null;
  selected: number | null;
  onSelect: (w: number) => void;
  height?: number;
  testId?: string;
}

/**
 * A feature's drift score per window with its threshold line. p-values are drawn on a log axis (drift is below the
 * line); distances on a linear one (drift is above). Drifted points are red and carry `data-drifted`.
 */
export const DriftScoreChart = memo(function DriftScoreChart({ name, title, windows, pick, selected, onSelect, height = 150, testId = 'drift-chart' }: DriftScoreChartProps) {
  const { rows, method, threshold, drifted } = useMemo(() => {
    const points = windows.map((w) => ({ w, p: pick(w) })).filter((x): x is { w: MonitorWindow; p: DriftPoint } => x.p !== null);
    const last = points.at(-1)?.p;
    const m: DriftMethod = last?.method ?? 'ks';
    const t = last?.threshold ?? 0.05;
    const pv = isPValueMethod(m);
    const floor = pv ? pValueFloor(points.map((x) => x.p.score), t) : 0;
    const rs: DriftRow[] = points.map(({ w, p }) => ({
      ...baseRow(w),
      raw: p.score,
      plot: p.score === null || !Number.isFinite(p.score) ? null : pv ? Math.max(floor, p.score) : p.score,
      drifted: p.drifted,
      threshold: p.threshold,
    }));
    return { rows: rs, method: m, threshold: t, drifted: rs.filter((r) => r.drifted).length };
  }, [windows, pick]);
  const pv = isPValueMethod(method);
  const floor = useMemo(() => (pv ? pValueFloor(rows.map((r) => r.raw), threshold) : 0), [pv, rows, threshold]);
  const maxPlot = rows.reduce((m, r) => (r.plot !== null && r.plot > m ? r.plot : m), 0);
  const domain: [number, number] = pv ? [floor, 1] : [0, niceCeil(Math.max(threshold * 1.5, maxPlot * 1.05)) || 1];
  const last = rows.at(-1);

  const dot = (p: DotItemDotProps) => {
    const r = p.payload as DriftRow;
    if (p.cx === undefined || p.cy === undefined || r.plot === null) return <g key={p.index} />;
    const isSel = r.index === selected;
    return (
      <circle
        key={p.index}
        cx={p.cx}
        cy={p.cy}
        r={isSel ? 5 : r.drifted ? 3.5 : 2.5}
        className={`mon-dot${r.drifted ? ' drifted' : ''}${isSel ? ' selected' : ''}`}
        data-testid="drift-point"
        data-window={r.index}
        data-drifted={r.drifted}
        onClick={(e) => {
          e.stopPropagation();
          onSelect(r.index);
        }}
      />
    );
  };

  return (
    <ChartCard
      title={title ?? name}
      fileBase={`drift-${name}`}
      subtitle={
        <>
          <span title={`${METHOD_LABEL[method]}: drift when ${driftRuleText(method, threshold)}`}>
            {scoreKind(method)} · threshold {formatScore(threshold)}
          </span>
          {last ? (
            <span className={last.drifted ? 'text-danger' : 'muted'}>
              last {formatScore(last.raw)}
              {drifted > 0 ? ` · ${drifted} drifted window${drifted === 1 ? '' : 's'}` : ''}
            </span>
          ) : null}
        </>
      }
      height={height}
      empty={rows.length === 0 ? 'No scores yet' : null}
      axes={{ x: 'window', y: pv ? 'p-value (log)' : 'distance' }}
      className={`mon-chart mon-drift-chart${drifted > 0 ? ' has-drift' : ''}`}
      attrs={{
        'data-testid': testId,
        'data-feature': name,
        'data-method': method,
        'data-threshold': threshold,
        'data-points': rows.length,
        'data-drifted-points': drifted,
        'data-last-drifted': last?.drifted ?? false,
      }}
    >
      {(width) => (
        <LineChart width={width} height={height} data={rows} margin={{ top: 8, right: 12, bottom: 0, left: 0 }} onClick={pickWindow(onSelect)} className="mon-clickable">
          <CartesianGrid vertical={false} />
          {xAxis(rows)}
          <YAxis
            scale={pv ? 'log' : 'linear'}
            domain={domain}
            allowDataOverflow
            ticks={pv ? logTicks(floor) : undefined}
            tickFormatter={(v: number) => (pv ? logTick(v) : formatTick(v))}
            tickLine={false}
            axisLine={false}
            width={48}
          />
          <Tooltip content={<DriftTooltip method={method} />} isAnimationActive={false} cursor={{ className: 'mon-cursor' }} />
          <ReferenceLine
            y={threshold}
            className="mon-threshold"
            strokeDasharray="5 4"
            label={{ value: `${pv ? 'p' : ''}${pv ? ' = ' : ''}${formatScore(threshold)}`, position: 'insideTopRight', className: 'mon-threshold-label' }}
          />
          {selected !== null ? <ReferenceLine x={selected} className="mon-selected-line" /> : null}
          <Line type="linear" dataKey="plot" className="mon-line mon-tone-a" dot={dot} activeDot={false} strokeWidth={1.5} isAnimationActive={false} connectNulls={false} />
        </LineChart>
      )}
    </ChartCard>
  );
});

/** The next "nice" number at or above v: 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × 10^k. */
export function niceCeil(v: number): number {
  if (!(v > 0) || !Number.isFinite(v)) return v;
  const p = 10 ** Math.floor(Math.log10(v));
  const m = v / p;
  const step = [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10].find((x) => x >= m - 1e-12) ?? 10;
  return Number((step * p).toPrecision(6));
}

/** 1, 0.1, 0.01, 1e-3, 1e-6 … */
function logTick(v: number): string {
  if (v >= 0.01) return String(Number(v.toPrecision(2)));
  return `1e${Math.round(Math.log10(v))}`;
}

/** Powers of ten from the floor to 1, thinned to at most 5 ticks. */
function logTicks(floor: number): number[] {
  const lo = Math.round(Math.log10(floor));
  const n = -lo;
  const step = Math.max(1, Math.ceil(n / 4));
  const out: number[] = [];
  for (let e = 0; e >= lo; e -= step) out.push(10 ** e);
  if (out.at(-1) !== floor) out.push(floor);
  return out;
}
