import { useMemo, type ReactNode } from 'react';
import { Bar, BarChart, CartesianGrid, Tooltip, XAxis, YAxis } from 'recharts';
import type { ColumnDrift } from '../../../../shared/contract';
import { ChartCard, cssVar } from '../../charts';
import './monitor.css';
import { columnScore, driftRuleText, formatEdge, formatScore, formatShare, isPValueMethod, METHOD_LABEL, overlayRows, type OverlayRow } from './format';

function OverlayTooltip({ active, payload, labels }: { active?: boolean; payload?: ReadonlyArray<{ payload?: OverlayRow }>; labels: [string, string] }) {
  const d = active ? payload?.[0]?.payload : undefined;
  if (!d) return null;
  return (
    <div className="chart-tooltip">
      <div className="chart-tooltip-step">{d.lo !== null && d.hi !== null ? `${formatEdge(d.lo)} … ${formatEdge(d.hi)}` : d.label}</div>
      <div className="mon-tip-row">
        <span className="mon-swatch mon-tone-ref" aria-hidden="true" />
        {labels[0]}: <strong>{formatShare(d.reference, 1)}</strong>
      </div>
      <div className="mon-tip-row">
        <span className="mon-swatch mon-tone-cur" aria-hidden="true" />
        {labels[1]}: <strong>{formatShare(d.current, 1)}</strong>
      </div>
    </div>
  );
}

const count = (n: number) => n.toLocaleString();

/** The verdict line of a column: method, score against the threshold, drifted or not. */
export function DriftVerdict({ c }: { c: ColumnDrift }) {
  const score = columnScore(c);
  return (
    <span className="mon-verdict">
      <span className={`badge ${c.drifted ? 'badge-danger' : c.note ? 'badge-neutral' : 'badge-ok'}`} data-testid="overlay-verdict" data-drifted={c.drifted}>
        {c.drifted ? 'drifted' : c.note ? 'not tested' : 'no drift'}
      </span>{' '}
      <span className="muted small">
        {METHOD_LABEL[c.method]}: {isPValueMethod(c.method) ? `p = ${formatScore(score)}` : `${c.method === 'psi' ? 'PSI' : 'distance'} = ${formatScore(score)}`} (drift when {driftRuleText(c.method, c.threshold)})
        {c.psi !== null && c.method !== 'psi' ? ` · PSI ${formatScore(c.psi)}` : ''}
      </span>
    </span>
  );
}

/**
 * Reference vs current distribution of one column as shares: side-by-side bars per numeric bin (the reference's
 * quantile bins) or per category (unseen categories last). With the verdict, missing values and unseen categories.
 */
export function DistributionOverlay({
  drift,
  labels = ['reference', 'current'],
  title,
  actions,
  testId = 'distribution-overlay',
  attrs,
}: {
  drift: ColumnDrift;
  labels?: [string, string];
  title?: string;
  actions?: ReactNode;
  testId?: string;
  attrs?: Record<`data-${string}`, string | number | boolean | undefined>;
}) {
  const rows = useMemo(() => (drift.distribution ? overlayRows(drift.distribution) : []), [drift.distribution]);
  const categorical = drift.kind !== 'numeric';
  const height = 220;
  const heading = title ?? `${drift.column}: ${labels[0]} vs ${labels[1]}`;
  const unseen = drift.unseen.rows > 0;
  const missRef = drift.rows.reference > 0 ? drift.missing.reference / drift.rows.reference : 0;
  const missCur = drift.rows.current > 0 ? drift.missing.current / drift.rows.current : 0;
  return (
    <section className="mon-overlay" data-testid={testId} data-column={drift.column} data-kind={drift.kind} data-drifted={drift.drifted} aria-label={heading} {...attrs}>
      <div className="mon-overlay-head">
        <DriftVerdict c={drift} />
        {actions ? <div className="mon-overlay-actions">{actions}</div> : null}
      </div>
      <ChartCard
        className="mon-chart"
        title={heading}
        fileBase={`distribution-${drift.column}`}
        subtitle={
          <span className="mon-legend">
            <span className="mon-legend-item">
              <span className="mon-swatch mon-tone-ref" aria-hidden="true" />
              {labels[0]} ({count(drift.rows.reference)} rows)
            </span>
            <span className="mon-legend-item">
              <span className="mon-swatch mon-tone-cur" aria-hidden="true" />
              {labels[1]} ({count(drift.rows.current)} rows)
            </span>
            <span className="muted">{categorical ? 'share per category' : 'share per bin'}</span>
          </span>
        }
        height={height}
        empty={rows.length === 0 ? (drift.note ?? 'No distribution to draw for this column.') : null}
        legend={() => [
          { label: labels[0], color: cssVar('--accent', '#5b5bd6') },
          { label: labels[1], color: cssVar('--mon-orange', '#f28e2b') },
        ]}
        axes={{ x: drift.column, y: 'share' }}
        attrs={{ 'data-testid': 'overlay-chart', 'data-bins': rows.length }}
      >
        {(width) => (
          <BarChart width={width} height={height} data={rows} margin={{ top: 8, right: 8, bottom: 0, left: 0 }} barCategoryGap={categorical ? '18%' : 1} barGap={0}>
            <CartesianGrid vertical={false} />
            <XAxis
              dataKey="label"
              tickLine={false}
              interval="preserveStartEnd"
              minTickGap={categorical ? 4 : 24}
              height={categorical ? 36 : 22}
              tickFormatter={(v: string) => (v.length > 14 ? `${v.slice(0, 13)}…` : v)}
            />
            <YAxis tickFormatter={(v: number) => `${Number((v * 100).toFixed(1))}%`} tickLine={false} axisLine={false} width={44} />
            <Tooltip content={<OverlayTooltip labels={labels} />} isAnimationActive={false} cursor={{ className: 'mon-cursor-fill' }} />
            <Bar dataKey="reference" name={labels[0]} className="mon-bar-ref" isAnimationActive={false} />
            <Bar dataKey="current" name={labels[1]} className="mon-bar-cur" isAnimationActive={false} />
          </BarChart>
        )}
      </ChartCard>
      <dl className="mon-overlay-facts small">
        <dt>Missing</dt>
        <dd className={missCur > missRef * 1.5 && missCur > 0.01 ? 'mon-warn' : undefined}>
          {labels[0]} {count(drift.missing.reference)} ({formatShare(missRef, 1)}) · {labels[1]} {count(drift.missing.current)} ({formatShare(missCur, 1)})
        </dd>
        {categorical ? (
          <>
            <dt>Unseen</dt>
            <dd className={unseen ? 'mon-warn' : undefined} data-testid="overlay-unseen">
              {unseen ? `${count(drift.unseen.rows)} rows with categories the reference never had: ${drift.unseen.values.slice(0, 6).join(', ')}${drift.unseen.values.length > 6 ? ', …' : ''}` : 'none'}
            </dd>
          </>
        ) : null}
        {drift.note ? (
          <>
            <dt>Note</dt>
            <dd>{drift.note}</dd>
          </>
        ) : null}
      </dl>
    </section>
  );
}
