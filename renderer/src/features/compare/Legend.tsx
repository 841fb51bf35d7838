import { useCallback, useEffect, useRef } from 'react';
import type { RunRow } from '../../../../shared/contract';
import type { GroupDef } from './model';
import { useRunColors } from '../../lib/runColors';
import { useCompare } from './store';

/** <input type="color"> wants #rrggbb. */
function toHex(c: string): string {
  if (/^#[0-9a-f]{6}$/i.test(c)) return c;
  const m = /^#([0-9a-f])([0-9a-f])([0-9a-f])$/i.exec(c);
  return m ? `#${m[1]}${m[1]}${m[2]}${m[2]}${m[3]}${m[3]}` : '#888888';
}

/**
 * Highlights one run's lines in every chart by toggling classes on the drawn paths directly: hovering the
 * legend must not re-render a page of charts.
 */
function useHighlight(root: React.RefObject<HTMLElement | null>) {
  const current = useRef<string | null>(null);
  const clear = useCallback(() => {
    const el = root.current;
    if (!el) return;
    el.classList.remove('compare-dim');
    el.querySelectorAll('.is-hl').forEach((n) => n.classList.remove('is-hl'));
    current.current = null;
  }, [root]);
  const highlight = useCallback(
    (runId: string | null) => {
      clear();
      const el = root.current;
      if (!el || !runId) return;
      current.current = runId;
      el.classList.add('compare-dim');
      el.querySelectorAll(`[data-run="${CSS.escape(runId)}"]`).forEach((n) => n.classList.add('is-hl'));
    },
    [root, clear],
  );
  useEffect(() => clear, [clear]);
  return highlight;
}

export function CompareLegend({
  runs,
  colorOf,
  groups,
  pageRef,
}: {
  runs: readonly RunRow[];
  colorOf: (runId: string) => string;
  groups: readonly GroupDef[] | null;
  pageRef: React.RefObject<HTMLElement | null>;
}) {
  const hidden = useCompare((s) => s.view.hidden);
  const highlight = useHighlight(pageRef);
  const hiddenSet = new Set(hidden);
  const groupOf = new Map<string, GroupDef>();
  if (groups) for (const g of groups) for (const id of g.runIds) groupOf.set(id, g);
  return (
    <div className="compare-legend" aria-label="Runs">
      {groups ? (
        <div className="compare-legend-groups" data-testid="compare-group-legend">
          {groups.map((g) => (
            <span key={g.value} className="compare-legend-group" data-testid="compare-group-legend-item" data-group={g.value}>
              <span className="compare-swatch compare-swatch-line" style={{ background: g.color }} />
              <span className="mono">{g.label}</span>
              <span className="muted small">
                {g.runIds.length} run{g.runIds.length === 1 ? '' : 's'}
              </span>
            </span>
          ))}
        </div>
      ) : null}
      <ul className="compare-legend-runs">
        {runs.map((r) => {
          const id = r.info.run_id;
          const off = hiddenSet.has(id);
          const g = groupOf.get(id);
          return (
            <li key={id} className={`compare-legend-chip${off ? ' off' : ''}`}>
              <label className="compare-swatch-pick" title="Change this run's colour (kept for every page)">
                <span className="compare-swatch" style={{ background: g ? g.color : colorOf(id) }} data-testid="compare-run-swatch" data-run-id={id} data-color={g ? g.color : colorOf(id)} />
                <input
                  type="color"
                  className="visually-hidden"
                  value={toHex(colorOf(id))}
                  onChange={(e) => useRunColors.getState().setColor(id, e.target.value)}
                  aria-label={`Colour of ${r.info.run_name || id}`}
                  data-testid="compare-run-color"
                />
              </label>
              <button
                type="button"
                className={`compare-legend-item${off ? ' off' : ''}`}
                onClick={() => useCompare.getState().toggleHidden(id)}
                onMouseEnter={() => (off ? undefined : highlight(id))}
                onMouseLeave={() => highlight(null)}
                onFocus={() => (off ? undefined : highlight(id))}
                onBlur={() => highlight(null)}
                aria-pressed={!off}
                title={`${r.info.run_name || id}\n${id}\n${off ? 'Hidden: click to show' : 'Click to hide from the charts'}`}
                data-testid="compare-legend-item"
                data-run-id={id}
                data-hidden={off ? '1' : undefined}
              >
                <span className="truncate">{r.info.run_name || id.slice(0, 8)}</span>
                {r.info.status === 'RUNNING' ? <span className="live-dot" aria-label="running" /> : null}
              </button>
            </li>
          );
        })}
      </ul>
    </div>
  );
}
