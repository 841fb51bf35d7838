/**
 * Small pieces shared by the comparison panels: props, run header, number format.
 * (CSV and chart exports are app-wide: ui/CsvButton and charts/ExportButtons + charts/useChartExport.)
 */
import { useState, type ReactNode } from 'react';
import type { RunRow } from '../../../../../shared/contract';
import { runLabel } from './logic';

/** What every panel takes. */
export interface ComparePanelProps {
  /** The selected runs, in column / legend order. */
  runs: readonly RunRow[];
  /** Colour of a run (e.g. `runColor(id, overrides)` from lib/runColors). */
  colorOf: (runId: string) => string;
}

export { formatNumber } from '../../../lib/format';

/** Compact tick labels: 1.2k, 3.4M, 1e-4. */
export function formatTick(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 1e9) return `${Number((v / 1e9).toPrecision(3))}B`;
  if (a >= 1e6) return `${Number((v / 1e6).toPrecision(3))}M`;
  if (a >= 1e4) return `${Number((v / 1e3).toPrecision(3))}k`;
  if (a !== 0 && a < 1e-3) return v.toExponential(0);
  return String(Number(v.toPrecision(4)));
}

export function RunSwatch({ color }: { color: string }) {
  return <span className="cmp-swatch" style={{ background: color }} aria-hidden />;
}

/** Column header of a run: colour swatch + name (full name and id in the tooltip). */
function RunHead({ run, color }: { run: RunRow; color: string }) {
  return (
    <span className="cmp-run-head" title={`${runLabel(run)}\n${run.info.run_id}`}>
      <RunSwatch color={color} />
      <span className="truncate">{runLabel(run)}</span>
    </span>
  );
}

/** Header row of a run-per-column table: the key column's label, then one swatch + name per run. */
export function RunsHeadRow({ label, runs, colorOf }: { label: string; runs: readonly RunRow[]; colorOf: (runId: string) => string }) {
  return (
    <tr>
      <th scope="col" className="cmp-key-col">
        {label}
      </th>
      {runs.map((r) => (
        <th scope="col" key={r.info.run_id} data-run-id={r.info.run_id}>
          <RunHead run={r} color={colorOf(r.info.run_id)} />
        </th>
      ))}
    </tr>
  );
}

/** Panel chrome: title, a subtitle line, actions on the right, then the body. */
export function PanelHead({ title, sub, children }: { title: string; sub?: ReactNode; children?: ReactNode }) {
  return (
    <header className="cmp-panel-head">
      <div className="cmp-panel-titles">
        <span className="cmp-panel-title">{title}</span>
        {sub ? <span className="cmp-panel-sub">{sub}</span> : null}
      </div>
      {children ? <div className="cmp-panel-actions">{children}</div> : null}
    </header>
  );
}

/** The empty state of a table panel before its own: no runs, or runs without any `what`. */
export function NoRunsOrItems({ runs, what }: { runs: number; what: string }) {
  return <p className="cmp-empty muted">{runs === 0 ? 'No runs selected.' : `${runs === 1 ? 'This run has' : 'These runs have'} no ${what}.`}</p>;
}

/**
 * A value the parent may control: follows `value` whenever the parent changes it, otherwise keeps the
 * user's choice locally; every change is reported through `onChange`.
 */
export function useControllable<T>(
  value: T | undefined,
  onChange: ((v: T) => void) | undefined,
  same: (a: T | undefined, b: T | undefined) => boolean = Object.is,
): [T | undefined, (v: T) => void] {
  const [inner, setInner] = useState<T | undefined>(value);
  const [prev, setPrev] = useState<T | undefined>(value);
  let current = inner;
  if (!same(prev, value)) {
    // The parent changed the prop: adopt it (render-time sync, no effect round-trip).
    setPrev(value);
    setInner(value);
    current = value;
  }
  return [
    current,
    (v: T) => {
      setInner(v);
      onChange?.(v);
    },
  ];
}

/** Same strings in the same order (for array props that parents rebuild on every render). */
export function sameList(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  if (a === b) return true;
  if (!a || !b || a.length !== b.length) return false;
  return a.every((v, i) => v === b[i]);
}
