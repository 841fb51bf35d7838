import { Bar, BarChart, CartesianGrid, Cell, ErrorBar, Line, LineChart, ReferenceLine, Tooltip, XAxis, YAxis } from 'recharts';
import type { GlobalResult, LocalExplanation } from '../../../../shared/contract';
import { ChartCard, cssVar } from '../../charts';
import { fmt, METHOD_LABEL, SPACE_LABEL, waterfallSteps, type WaterfallStep } from './format';

const ROW_H = 24;
const barsHeight = (n: number) => 36 + Math.max(1, n) * ROW_H;

interface BarRow {
  label: string;
  value: number;
  /** [below, above] the value: recharts' ErrorBar takes the deltas. */
  err?: [number, number];
  ci?: [number, number] | null;
  note?: string;
}

function BarTip({ active, payload, unit }: { active?: boolean; payload?: ReadonlyArray<{ payload?: BarRow }>; unit: string }) {
  const r = active ? payload?.[0]?.payload : undefined;
  if (!r) return null;
  return (
    <div className="chart-tooltip">
      <div className="chart-tooltip-step">{r.label}</div>
      <div className="chart-tooltip-value">
        {unit}: <strong>{fmt(r.value, 4)}</strong>
        {r.ci ? ` · 95% CI [${fmt(r.ci[0], 4)}, ${fmt(r.ci[1], 4)}]` : ''}
      </div>
      {r.note ? <div className="chart-tooltip-step">{r.note}</div> : null}
    </div>
  );
}

/** Horizontal bars (one per feature or group) with optional 95% CI whiskers. */
export function HBarChart({ title, subtitle, rows, unit, tone = 'a', testId, empty }: { title: string; subtitle?: string; rows: BarRow[]; unit: string; tone?: 'a' | 'b' | 'c'; testId: string; empty?: string }) {
  const height = barsHeight(rows.length);
  const labelWidth = Math.min(180, 24 + Math.max(4, ...rows.map((r) => r.label.length)) * 6.5);
  return (
    <ChartCard className="ins-chart" title={title} subtitle={subtitle} height={height} attrs={{ 'data-testid': testId }} empty={rows.length ? null : (empty ?? 'Nothing to show')} axes={{ x: unit }}>
      {(width) => (
        <BarChart layout="vertical" width={width} height={height} data={rows} margin={{ top: 4, right: 24, bottom: 4, left: 4 }} data-rows={rows.length}>
          <CartesianGrid horizontal={false} />
          <XAxis type="number" tickFormatter={(v: number) => fmt(v, 2)} tickLine={false} height={22} domain={[(min: number) => Math.min(0, min), 'auto']} />
          <YAxis type="category" dataKey="label" width={labelWidth} tickLine={false} axisLine={false} interval={0} />
          <Tooltip content={<BarTip unit={unit} />} isAnimationActive={false} cursor={{ className: 'ins-cursor' }} />
          <ReferenceLine x={0} className="ins-zero" />
          <Bar dataKey="value" className={`ins-bar ins-tone-${tone}`} isAnimationActive={false} barSize={14}>
            {rows.some((r) => r.err) ? <ErrorBar dataKey="err" direction="x" width={6} className="ins-whisker" strokeWidth={1.3} isAnimationActive={false} /> : null}
          </Bar>
        </BarChart>
      )}
    </ChartCard>
  );
}

export function importanceRows(g: GlobalResult, top = 15): BarRow[] {
  return g.importance.slice(0, top).map((f) => ({ label: f.feature, value: f.mean, ci: f.ci, err: [Math.max(0, f.mean - f.ci[0]), Math.max(0, f.ci[1] - f.mean)], note: `std ${fmt(f.std)} over ${f.values.length} repeats` }));
}

export function shapRows(g: GlobalResult, top = 15): BarRow[] {
  return g.shap.meanAbs.slice(0, top).map((f) => ({ label: f.feature, value: f.value }));
}

/** Partial dependence (bold) over ICE curves (thin) of one feature. */
export function PdpChart({ curve, space }: { curve: GlobalResult['pdp'][number]; space: string }) {
  const numeric = curve.kind === 'numeric';
  const data = curve.grid.map((g, k) => ({ x: numeric ? (g as number) : String(g), pd: curve.pd[k] ?? null, ...Object.fromEntries(curve.ice.map((c, j) => [`ice${j}`, c[k] ?? null])) }));
  const height = 200;
  const legend = () => [
    { label: 'partial dependence', color: cssVar('--accent', '#5b5bd6') },
    { label: 'ICE (one row each)', color: cssVar('--text-faint', '#9696a2') },
  ];
  return (
    <ChartCard
      className="ins-chart"
      title={`PD / ICE: ${curve.feature}`}
      subtitle={`${space} as ${curve.feature} varies · ${curve.ice.length} ICE curves`}
      height={height}
      legend={legend}
      axes={{ x: curve.feature, y: space }}
      attrs={{ 'data-testid': 'pdp-chart' }}
    >
      {(width) => (
        <LineChart width={width} height={height} data={data} margin={{ top: 6, right: 16, bottom: 0, left: 0 }}>
          <CartesianGrid vertical={false} />
          <XAxis dataKey="x" type={numeric ? 'number' : 'category'} domain={['dataMin', 'dataMax']} tickFormatter={(v: number | string) => (typeof v === 'number' ? fmt(v, 3) : v)} tickLine={false} height={22} />
          <YAxis tickFormatter={(v: number) => fmt(v, 2)} tickLine={false} axisLine={false} width={44} domain={['auto', 'auto']} />
          {curve.ice.map((_, j) => (
            <Line key={j} dataKey={`ice${j}`} className="ins-ice" dot={false} strokeWidth={1} isAnimationActive={false} type="linear" />
          ))}
          <Line dataKey="pd" className="ins-pd" dot={!numeric} strokeWidth={2.4} isAnimationActive={false} type="linear" />
          <Tooltip isAnimationActive={false} content={({ active, payload }) => (active && payload?.[0] ? <div className="chart-tooltip">{curve.feature} = {String((payload[0].payload as { x: unknown }).x)} · PD {fmt((payload[0].payload as { pd: number }).pd, 4)}</div> : null)} />
        </LineChart>
      )}
    </ChartCard>
  );
}

function WaterfallTip({ active, payload }: { active?: boolean; payload?: ReadonlyArray<{ payload?: WaterfallStep & { range: [number, number] } }> }) {
  const r = active ? payload?.[0]?.payload : undefined;
  if (!r) return null;
  return (
    <div className="chart-tooltip">
      <div className="chart-tooltip-step">
        {r.name} <span className="muted">({r.detail})</span>
      </div>
      <div className="chart-tooltip-value">{r.kind === 'base' || r.kind === 'total' ? <strong>{fmt(r.to, 4)}</strong> : <strong>{`${r.phi >= 0 ? '+' : ''}${fmt(r.phi, 4)}`}</strong>}</div>
    </div>
  );
}

/**
 * The waterfall of one explanation: from E[f(X)] (or LIME's intercept) each contribution moves the running total
 * (up: towards a higher score, down: lower) until f(x). A table of the same numbers is one click away.
 */
export function Waterfall({ e, prediction }: { e: LocalExplanation; prediction: number }) {
  const steps = waterfallSteps(e).map((s) => ({ ...s, range: [Math.min(s.from, s.to), Math.max(s.from, s.to)] as [number, number], label: s.kind === 'base' || s.kind === 'total' ? s.name : `${s.name} = ${s.detail.length > 18 ? `${s.detail.slice(0, 17)}…` : s.detail}` }));
  const height = barsHeight(steps.length);
  const title = `${METHOD_LABEL[e.method]} waterfall`;
  const legend = () => [
    { label: 'raises the score', color: cssVar('--danger', '#d93036') },
    { label: 'lowers the score', color: cssVar('--accent', '#5b5bd6') },
  ];
  const sub =
    e.method === 'lime'
      ? `surrogate ${fmt(e.fx, 4)} vs model ${fmt(prediction, 4)} · fidelity R² ${fmt(e.r2, 3)}`
      : `${SPACE_LABEL[e.space]}: E[f] ${fmt(e.expected, 4)} → f(x) ${fmt(e.fx, 4)} · additivity error ${e.additivityError.toExponential(1)}`;
  return (
    <div className="ins-waterfall" data-testid="waterfall" data-method={e.method} data-steps={steps.length}>
      <ChartCard className="ins-chart" title={title} subtitle={sub} height={height} legend={legend} axes={{ x: SPACE_LABEL[e.space] }} attrs={{ 'data-testid': `waterfall-${e.method}` }}>
        {(width) => (
          <BarChart layout="vertical" width={width} height={height} data={steps} margin={{ top: 4, right: 24, bottom: 4, left: 4 }}>
            <CartesianGrid horizontal={false} />
            <XAxis type="number" domain={['auto', 'auto']} tickFormatter={(v: number) => fmt(v, 3)} tickLine={false} height={22} />
            <YAxis type="category" dataKey="label" width={190} tickLine={false} axisLine={false} interval={0} />
            <Tooltip content={<WaterfallTip />} isAnimationActive={false} cursor={{ className: 'ins-cursor' }} />
            <Bar dataKey="range" isAnimationActive={false} barSize={14} minPointSize={1}>
              {steps.map((s, k) => (
                <Cell key={k} className={`ins-wf ins-wf-${s.kind}`} />
              ))}
            </Bar>
          </BarChart>
        )}
      </ChartCard>
      <details className="ins-wf-table">
        <summary className="small">The numbers as a table</summary>
        <table className="table small" data-testid="waterfall-table">
          <thead>
            <tr>
              <th>Step</th>
              <th>{e.method === 'lime' ? 'Condition' : 'Value'}</th>
              <th className="num">Contribution</th>
              <th className="num">Running total</th>
            </tr>
          </thead>
          <tbody>
            {steps.map((s, k) => (
              <tr key={k}>
                <td>{s.name}</td>
                <td className="mono">{s.detail}</td>
                <td className="num mono">{s.kind === 'base' || s.kind === 'total' ? '' : `${s.phi >= 0 ? '+' : ''}${fmt(s.phi, 4)}`}</td>
                <td className="num mono">{fmt(s.to, 5)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </div>
  );
}
