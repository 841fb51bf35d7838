import { memo, useRef, type CSSProperties, type KeyboardEvent } from 'react';
import { PREDICTION_COLUMN, type MonitorWindow } from '../../../../shared/contract';
import { formatClock } from '../../charts';
import { columnLabel, driftRatio, driftRuleText, formatScore, intensity, isPValueMethod } from './format';

/** A feature's score in a window (the prediction pseudo-column reads the window's prediction drift). */
function scoreOf(w: MonitorWindow, f: string) {
  return f === PREDICTION_COLUMN ? (w.prediction ?? undefined) : w.features[f];
}

/** At most this many windows (the latest) as columns; older ones stay in the line charts. */
const MAX_COLUMNS = 60;

function cellStyle(drifted: boolean, ratio: number | null): CSSProperties | undefined {
  if (ratio === null) return undefined;
  const k = intensity(ratio);
  // Drift: the danger colour, stronger the further past the threshold; no drift: a faint green, fainter when far from it.
  const pct = drifted ? Math.round(40 + 60 * k) : Math.round(10 + 30 * k);
  return { background: `color-mix(in srgb, var(${drifted ? '--danger' : '--ok'}) ${pct}%, transparent)` };
}

/**
 * Features × windows, each cell coloured by the verdict and how far the score is from its threshold. A keyboard grid
 * (arrow keys move, Enter opens): clicking a cell opens that feature's distribution overlay for that window.
 */
export const DriftHeatmap = memo(function DriftHeatmap({
  features,
  windows,
  selected,
  onSelect,
}: {
  features: readonly string[];
  windows: readonly MonitorWindow[];
  selected: { window: number; feature: string } | null;
  onSelect: (window: number, feature: string) => void;
}) {
  const shown = windows.slice(-MAX_COLUMNS);
  const root = useRef<HTMLDivElement>(null);
  if (features.length === 0 || shown.length === 0) return null;
  const sel = selected && shown.some((w) => w.index === selected.window) && features.includes(selected.feature) ? selected : null;
  // Roving tab stop: the selected cell, else the latest window of the first feature.
  const tabStop = sel ?? { window: shown.at(-1)!.index, feature: features[0]! };

  const move = (e: KeyboardEvent<HTMLButtonElement>, fi: number, wi: number) => {
    let f = fi;
    let w = wi;
    if (e.key === 'ArrowRight') w++;
    else if (e.key === 'ArrowLeft') w--;
    else if (e.key === 'ArrowDown') f++;
    else if (e.key === 'ArrowUp') f--;
    else if (e.key === 'Home') w = 0;
    else if (e.key === 'End') w = shown.length - 1;
    else return;
    e.preventDefault();
    f = Math.max(0, Math.min(features.length - 1, f));
    w = Math.max(0, Math.min(shown.length - 1, w));
    root.current?.querySelector<HTMLButtonElement>(`[data-fi="${f}"][data-wi="${w}"]`)?.focus();
  };

  return (
    <div
      ref={root}
      className="mon-heatmap"
      role="grid"
      aria-label={`Drift per feature over the last ${shown.length} windows`}
      data-testid="drift-heatmap"
      style={{ gridTemplateColumns: `minmax(90px, max-content) repeat(${shown.length}, minmax(6px, 1fr))` }}
    >
      {features.map((f, fi) => (
        <div key={f} role="row" className="mon-heatmap-row">
          <div role="rowheader" className={`mon-heatmap-label truncate${f === PREDICTION_COLUMN ? ' muted' : ' mono'}`} title={columnLabel(f)}>
            {f === PREDICTION_COLUMN ? 'prediction' : f}
          </div>
          {shown.map((w, wi) => {
            const s = scoreOf(w, f);
            const ratio = s ? driftRatio(s.method, s.score, s.threshold) : null;
            const isSel = sel?.window === w.index && sel.feature === f;
            const label = s
              ? `${columnLabel(f)}, window ${w.index}: ${isPValueMethod(s.method) ? 'p' : 'distance'} ${formatScore(s.score)}, drift when ${driftRuleText(s.method, s.threshold)} — ${s.drifted ? 'drifted' : 'no drift'}`
              : `${columnLabel(f)}, window ${w.index}: not scored`;
            return (
              <button
                key={w.index}
                type="button"
                role="gridcell"
                className={`mon-heatmap-cell${s?.drifted ? ' drifted' : ''}${s ? '' : ' empty'}${isSel ? ' selected' : ''}`}
                style={cellStyle(s?.drifted ?? false, ratio)}
                title={`${label}\n${formatClock(w.start)}–${formatClock(w.end)} · ${w.count.toLocaleString()} predictions`}
                aria-label={label}
                aria-selected={isSel}
                tabIndex={tabStop.window === w.index && tabStop.feature === f ? 0 : -1}
                data-testid="heatmap-cell"
                data-feature={f}
                data-window={w.index}
                data-drifted={s?.drifted ?? false}
                data-fi={fi}
                data-wi={wi}
                onClick={() => onSelect(w.index, f)}
                onKeyDown={(e) => move(e, fi, wi)}
              />
            );
          })}
        </div>
      ))}
      <div role="row" className="mon-heatmap-row mon-heatmap-axis" aria-hidden="true">
        <div className="mon-heatmap-label muted small">window</div>
        {shown.map((w, wi) => (
          <div key={w.index} className="mon-heatmap-tick muted">
            {wi === 0 || wi === shown.length - 1 || w.index % 10 === 0 ? w.index : ''}
          </div>
        ))}
      </div>
    </div>
  );
});
