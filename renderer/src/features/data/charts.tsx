import { useRef } from 'react';
import { Bar, BarChart, CartesianGrid, Tooltip, XAxis, YAxis } from 'recharts';
import type { ColumnProfile } from '../../../../shared/contract';
import { useElementWidth } from '../../charts';
import { formatInt, formatPercent, formatStat, formatTick } from './format';
import type { OverlayBin } from './logic';

type Hist = NonNullable<ColumnProfile['histogram']>;

interface HistDatum {
  lo: number;
  hi: number;
  count: number;
}

function HistTooltip({ active, payload }: { active?: boolean; payload?: ReadonlyArray<{ payload?: HistDatum }> }) {
  const d = active ? payload?.[0]?.payload : undefined;
  if (!d) return null;
  return (
    <div className="chart-tooltip">
      <div className="chart-tooltip-value">{formatInt(d.count)}</div>
      <div className="chart-tooltip-step">
        {formatStat(d.lo)} … {formatStat(d.hi)}
      </div>
    </div>
  );
}

/** Small histogram of a numeric column (bins from the profile). */
export function MiniHistogram({ histogram, height = 96 }: { histogram: Hist; height?: number }) {
  const body = useRef<HTMLDivElement>(null);
  const width = useElementWidth(body);
  return (
    <div ref={body} className="ds-chart ds-hist" style={{ height }} data-testid="profile-histogram" data-bins={histogram.length}>
      {width > 0 ? (
        <BarChart width={width} height={height} data={histogram} margin={{ top: 4, right: 4, bottom: 0, left: 4 }} barCategoryGap={1}>
          <XAxis dataKey="lo" tickFormatter={(v: number) => formatTick(v)} tickLine={false} interval="preserveStartEnd" minTickGap={28} height={16} />
          <YAxis hide />
          <Tooltip content={<HistTooltip />} isAnimationActive={false} cursor={{ className: 'ds-chart-cursor' }} />
          <Bar dataKey="count" className="ds-bar-a" isAnimationActive={false} />
        </BarChart>
      ) : null}
    </div>
  );
}

function OverlayTooltip({ active, payload, labelA, labelB }: { active?: boolean; payload?: ReadonlyArray<{ payload?: OverlayBin }>; labelA: string; labelB: string }) {
  const d = active ? payload?.[0]?.payload : undefined;
  if (!d) return null;
  return (
    <div className="chart-tooltip">
      <div className="chart-tooltip-step">{d.hi > d.lo ? `${formatStat(d.lo)} … ${formatStat(d.hi)}` : d.label}</div>
      <div className="ds-tip-row">
        <span className="ds-swatch ds-swatch-a" aria-hidden="true" />
        {labelA}: <strong>{formatPercent(d.a, 1)}</strong> <span className="muted">({formatInt(d.countA)})</span>
      </div>
      <div className="ds-tip-row">
        <span className="ds-swatch ds-swatch-b" aria-hidden="true" />
        {labelB}: <strong>{formatPercent(d.b, 1)}</strong> <span className="muted">({formatInt(d.countB)})</span>
      </div>
    </div>
  );
}

/** Two distributions on one grid (shares), A and B bars side by side. */
export function OverlayChart({ data, labelA, labelB, height = 200, categorical = false }: { data: readonly OverlayBin[]; labelA: string; labelB: string; height?: number; categorical?: boolean }) {
  const body = useRef<HTMLDivElement>(null);
  const width = useElementWidth(body);
  return (
    <div ref={body} className="ds-chart ds-overlay" style={{ height }} data-testid="stats-overlay" data-bins={data.length}>
      {width > 0 && data.length > 0 ? (
        <BarChart width={width} height={height} data={[...data]} margin={{ top: 8, right: 8, bottom: 0, left: 0 }} barCategoryGap={categorical ? '20%' : 1} barGap={0}>
          <CartesianGrid vertical={false} />
          <XAxis
            dataKey="label"
            tickLine={false}
            interval="preserveStartEnd"
            minTickGap={categorical ? 4 : 28}
            height={categorical ? 36 : 20}
            tickFormatter={(v: string) => (v.length > 14 ? `${v.slice(0, 13)}…` : v)}
          />
          <YAxis tickFormatter={(v: number) => `${Number((v * 100).toFixed(1))}%`} tickLine={false} axisLine={false} width={40} />
          <Tooltip content={<OverlayTooltip labelA={labelA} labelB={labelB} />} isAnimationActive={false} cursor={{ className: 'ds-chart-cursor' }} />
          <Bar dataKey="a" name={labelA} className="ds-bar-a" isAnimationActive={false} />
          <Bar dataKey="b" name={labelB} className="ds-bar-b" isAnimationActive={false} />
        </BarChart>
      ) : null}
    </div>
  );
}

/** Horizontal bars of a categorical column's most frequent values (CSS only). */
export function TopValues({ top, total }: { top: NonNullable<ColumnProfile['top']>; total: number }) {
  const max = Math.max(1, ...top.map((t) => t.count));
  return (
    <ul className="plain-list ds-top" data-testid="profile-top">
      {top.map((t, i) => (
        <li key={i} className="ds-top-row" title={`${t.value ?? '(missing)'}: ${formatInt(t.count)} (${formatPercent(t.count / (total || 1), 1)})`}>
          <span className={`ds-top-label truncate${t.value === null ? ' muted' : ''}`}>{t.value ?? '(missing)'}</span>
          <span className="ds-top-bar">
            <span style={{ width: `${(t.count / max) * 100}%` }} />
          </span>
          <span className="ds-top-count tabular">{formatPercent(t.count / (total || 1), 1)}</span>
        </li>
      ))}
    </ul>
  );
}
