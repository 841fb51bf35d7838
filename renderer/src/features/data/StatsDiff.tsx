import { useCallback, useEffect, useMemo, useRef } from 'react';
import type { ColumnProfile, FileRef } from '../../../../shared/contract';
import { ExportButtons } from '../../charts/ExportButtons';
import { useChartExport } from '../../charts/useChartExport';
import { baseName } from '../../lib/format';
import { Spinner } from '../../ui/Spinner';
import { OverlayChart } from './charts';
import { datasetStem } from './csv';
import { formatInt, formatPercent, formatStat } from './format';
import { isNumericType, overlayHistograms, overlayTop } from './logic';
import { profileKey, useData } from './store';

const ROWS: ReadonlyArray<{ label: string; get: (c: ColumnProfile) => number | string | null; numericOnly?: boolean }> = [
  { label: 'type', get: (c) => c.type },
  { label: 'count', get: (c) => c.count },
  { label: 'missing', get: (c) => c.missing },
  { label: 'missing %', get: (c) => (c.count ? c.missing / c.count : 0) },
  { label: 'distinct', get: (c) => c.distinct },
  { label: 'min', get: (c) => c.min },
  { label: 'max', get: (c) => c.max },
  { label: 'mean', get: (c) => c.mean, numericOnly: true },
  { label: 'std', get: (c) => c.std, numericOnly: true },
  { label: 'p5', get: (c) => c.quantiles?.p5 ?? null, numericOnly: true },
  { label: 'p25', get: (c) => c.quantiles?.p25 ?? null, numericOnly: true },
  { label: 'median', get: (c) => c.quantiles?.p50 ?? null, numericOnly: true },
  { label: 'p75', get: (c) => c.quantiles?.p75 ?? null, numericOnly: true },
  { label: 'p95', get: (c) => c.quantiles?.p95 ?? null, numericOnly: true },
];

function show(label: string, v: number | string | null | undefined): string {
  if (label === 'missing %' && typeof v === 'number') return formatPercent(v);
  return formatStat(v);
}

function delta(a: number | string | null | undefined, b: number | string | null | undefined, label: string): string {
  if (typeof a !== 'number' || typeof b !== 'number' || !Number.isFinite(a) || !Number.isFinite(b)) return a !== b && a != null && b != null ? 'changed' : '';
  const d = b - a;
  if (d === 0) return '';
  if (label === 'missing %') return `${d > 0 ? '+' : ''}${(d * 100).toFixed(2)} pp`;
  const rel = a !== 0 ? ` (${d > 0 ? '+' : ''}${((d / Math.abs(a)) * 100).toFixed(1)} %)` : '';
  return `${d > 0 ? '+' : ''}${formatStat(d)}${rel}`;
}

/** Profiles of one column in A and B side by side, with the two distributions overlaid. */
export function StatsDiff({
  refA,
  refB,
  labelA,
  labelB,
  columns,
  column,
  onColumn,
}: {
  refA: FileRef;
  refB: FileRef;
  labelA: string;
  labelB: string;
  columns: readonly string[];
  column: string | undefined;
  onColumn: (c: string) => void;
}) {
  const ka = profileKey(refA);
  const kb = profileKey(refB);
  const pa = useData((s) => s.profiles[ka]);
  const pb = useData((s) => s.profiles[kb]);
  useEffect(() => {
    const s = useData.getState();
    void s.loadProfile(refA);
    void s.loadProfile(refB);
  }, [refA, refB]);

  const ca = pa?.data?.columns.find((c) => c.name === column) ?? null;
  const cb = pb?.data?.columns.find((c) => c.name === column) ?? null;
  const numeric = (ca && isNumericType(ca.type)) || (cb && isNumericType(cb.type)) || false;
  const overlay = useMemo(() => (numeric ? overlayHistograms(ca?.histogram ?? null, cb?.histogram ?? null) : overlayTop(ca, cb)), [numeric, ca, cb]);
  const loading = (pa?.loading ?? true) || (pb?.loading ?? true);
  const error = pa?.error ?? pb?.error ?? null;

  // PNG / SVG of the overlay: the legend is HTML, so it is re-drawn in the file from the swatches' (theme) colours.
  const card = useRef<HTMLElement>(null);
  const chart = useRef<HTMLDivElement>(null);
  const path = 'path' in refA ? refA.path : refA.file;
  const legend = useCallback(() => {
    const color = (side: 'a' | 'b') => {
      const sw = card.current?.querySelector(`.ds-swatch-${side}`);
      return sw ? getComputedStyle(sw).backgroundColor : 'currentColor';
    };
    return [
      { label: `A · ${labelA}`, color: color('a') },
      { label: `B · ${labelB}`, color: color('b') },
    ];
  }, [labelA, labelB]);
  const { exportAs, exporting } = useChartExport(
    card,
    chart,
    `${column ?? ''} · ${baseName(path)}`,
    `mldesk-stats-${datasetStem(path)}-${column ?? 'column'}`,
    legend,
  );
  const canExport = !error && (ca !== null || cb !== null) && overlay.length > 0;

  return (
    <section ref={card} className="card ds-stats-diff" aria-label="Column statistics" data-testid="stats-diff" data-column={column}>
      <header className="ds-card-head">
        <h3 className="card-title">Column statistics</h3>
        <select className="input input-sm ds-stats-select" value={column ?? ''} onChange={(e) => onColumn(e.target.value)} aria-label="Column" data-testid="stats-column">
          {columns.map((c) => (
            <option key={c} value={c}>
              {c}
            </option>
          ))}
        </select>
        {loading ? <Spinner label="Profiling" /> : null}
        <span className="toolbar-spacer" />
        <ExportButtons disabled={!canExport} exporting={exporting} onExport={(kind) => void exportAs(kind)} />
      </header>
      {error ? (
        <p className="text-danger small">
          <code className="error-code">{error.code}</code> {error.message}
        </p>
      ) : !ca && !cb ? (
        loading ? null : <p className="muted small">No statistics for this column.</p>
      ) : (
        <div className="ds-stats-grid">
          <table className="ds-kv-table" data-testid="stats-table">
            <thead>
              <tr>
                <th scope="col" />
                <th scope="col">
                  <span className="ds-swatch ds-swatch-a" aria-hidden="true" /> A · {labelA}
                </th>
                <th scope="col">
                  <span className="ds-swatch ds-swatch-b" aria-hidden="true" /> B · {labelB}
                </th>
                <th scope="col">Δ</th>
              </tr>
            </thead>
            <tbody>
              {ROWS.filter((r) => numeric || !r.numericOnly).map((r) => {
                const va = ca ? r.get(ca) : null;
                const vb = cb ? r.get(cb) : null;
                const d = delta(va, vb, r.label);
                return (
                  <tr key={r.label}>
                    <th scope="row">{r.label}</th>
                    <td className="tabular">{ca ? show(r.label, va) : <span className="muted">absent</span>}</td>
                    <td className="tabular">{cb ? show(r.label, vb) : <span className="muted">absent</span>}</td>
                    <td className={`tabular small${d ? ' ds-delta' : ''}`}>{d}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          <div ref={chart} className="ds-overlay-wrap">
            <div className="ds-legend small">
              <span>
                <span className="ds-swatch ds-swatch-a" aria-hidden="true" /> A · {labelA}
              </span>
              <span>
                <span className="ds-swatch ds-swatch-b" aria-hidden="true" /> B · {labelB}
              </span>
              <span className="muted">{numeric ? 'share of values per bin (common bins)' : `share of rows, top values (${formatInt(overlay.length)})`}</span>
            </div>
            <OverlayChart data={overlay} labelA={`A · ${labelA}`} labelB={`B · ${labelB}`} categorical={!numeric} />
          </div>
        </div>
      )}
    </section>
  );
}
