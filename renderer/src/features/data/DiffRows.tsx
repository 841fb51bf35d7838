import { useEffect, useRef } from 'react';
import type { DiffRow } from '../../../../shared/contract';
import { cellText } from './format';
import { rowKeyText } from './logic';

const KIND_MARK: Record<DiffRow['kind'], string> = { added: '+', removed: '−', changed: '~' };

/** One page of diff rows: added rows green, removed red, changed cells as old → new. */
export function DiffRows({
  rows,
  columns,
  keyColumns,
  offset,
  active,
  onActivate,
}: {
  rows: readonly DiffRow[];
  columns: readonly string[];
  keyColumns: readonly string[];
  offset: number;
  active: number | null;
  onActivate: (i: number) => void;
}) {
  const body = useRef<HTMLTableSectionElement>(null);
  useEffect(() => {
    if (active === null) return;
    const el = body.current?.querySelector<HTMLElement>(`tr[data-index="${active}"]`);
    el?.scrollIntoView({ block: 'nearest' });
  }, [active, rows]);

  return (
    <table className="ds-diff-table" aria-label="Differing rows" data-testid="diff-rows" data-offset={offset} data-count={rows.length}>
      <thead>
        <tr>
          <th scope="col" className="ds-diff-num">
            #
          </th>
          <th scope="col" className="ds-diff-kind">
            <span className="visually-hidden">Kind</span>
          </th>
          {columns.map((c) => (
            <th key={c} scope="col" className={keyColumns.includes(c) ? 'ds-diff-keycol' : undefined} title={keyColumns.includes(c) ? `${c} (key)` : c}>
              {c}
              {keyColumns.includes(c) ? <span className="ds-key-mark"> key</span> : null}
            </th>
          ))}
        </tr>
      </thead>
      <tbody ref={body}>
        {rows.map((r, i) => {
          const changed = new Map(r.changes.map((ch) => [ch.column, ch]));
          return (
            <tr
              key={`${offset + i}`}
              className={`ds-diff-row ds-kind-${r.kind}${active === i ? ' active' : ''}`}
              data-index={i}
              data-testid="diff-row"
              data-kind={r.kind}
              data-key={rowKeyText(r)}
              data-active={active === i || undefined}
              aria-selected={active === i}
              onClick={() => onActivate(i)}
            >
              <td className="ds-diff-num tabular muted">{offset + i + 1}</td>
              <td className="ds-diff-kind" title={r.kind}>
                {KIND_MARK[r.kind]}
              </td>
              {columns.map((c) => {
                const ch = changed.get(c);
                if (ch) {
                  return (
                    <td key={c} className="ds-cell-changed" data-testid="diff-cell-changed" data-column={c} title={`${c}: ${cellText(ch.old)} → ${cellText(ch.new)}`}>
                      <del className="ds-old">{cellText(ch.old)}</del>
                      <span className="ds-arrow" aria-label="changed to">
                        →
                      </span>
                      <ins className="ds-new">{cellText(ch.new)}</ins>
                    </td>
                  );
                }
                const v = r.cells[c];
                return (
                  <td key={c} className={`${keyColumns.includes(c) ? 'ds-diff-keycol' : ''}${v === null || v === undefined ? ' ds-null' : ''}`} title={v ?? 'NULL'}>
                    {cellText(v)}
                  </td>
                );
              })}
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
