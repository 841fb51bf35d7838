import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type CSSProperties, type KeyboardEvent } from 'react';
import type { RunRow } from '../../../../shared/contract';
import { Spinner } from '../../ui/Spinner';
import { sameSortTarget, type SortEntity, type SortSpec } from './columns';
import type { ColumnGroup, RunColumn } from './runColumns';
import { scrollMemory } from './store';

export const ROW_HEIGHT = 34;
const HEADER_HEIGHT = 56; // group row (22) + column row (34)
/** Start fetching the next page this many rows before the end. */
const PREFETCH_ROWS = 150;

const GROUP_LABEL: Record<ColumnGroup, string> = { run: 'Run', params: 'Parameters', metrics: 'Metrics' };

interface Props {
  rows: readonly RunRow[];
  columns: readonly RunColumn[];
  sort: SortSpec | null;
  onSort: (entity: SortEntity, key: string) => void;
  onOpen: (runId: string) => void;
  hasMore: boolean;
  loadingMore: boolean;
  onLoadMore: () => void;
  /** Scroll offset to restore and where to save it. */
  scrollKey: string;
  selectedId: string | null;
}

const cellClass = (base: string, c: RunColumn): string =>
  `${base}${c.align === 'right' ? ' right' : ''}${c.stickyLeft !== undefined ? ' sticky' : ''}${c.stickyEdge ? ' sticky-edge' : ''}`;
const cellStyle = (c: RunColumn): CSSProperties => (c.stickyLeft !== undefined ? { width: c.width, left: c.stickyLeft } : { width: c.width });

/** One second UI clock, only while some visible run is running (durations tick; no data is fetched). */
function useNow(active: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    setNow(Date.now());
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [active]);
  return now;
}

const Row = memo(function Row({
  row,
  index,
  columns,
  now,
  start,
  selected,
  onOpen,
  onKey,
}: {
  row: RunRow;
  index: number;
  columns: readonly RunColumn[];
  now: number;
  start: number;
  selected: boolean;
  onOpen: (runId: string) => void;
  onKey: (e: KeyboardEvent<HTMLDivElement>, index: number, runId: string) => void;
}) {
  const { info } = row;
  return (
    <div
      role="row"
      aria-rowindex={index + 2}
      tabIndex={0}
      className={`runs-row${index % 2 ? ' odd' : ''}${selected ? ' selected' : ''}${info.lifecycle_stage === 'deleted' ? ' deleted' : ''}`}
      style={{ transform: `translateY(${start}px)` }}
      data-index={index}
      data-testid="run-row"
      data-run-id={info.run_id}
      data-run-name={info.run_name}
      data-status={info.status}
      onClick={() => onOpen(info.run_id)}
      onKeyDown={(e) => onKey(e, index, info.run_id)}
    >
      {columns.map((c) => (
        <div key={c.id} role="cell" className={cellClass('runs-cell', c)} style={cellStyle(c)} title={c.title?.(row)}>
          {c.render(row, now)}
        </div>
      ))}
    </div>
  );
});

/**
 * Virtualized runs grid (div-based, ARIA table roles): fixed row height, only the visible rows
 * (plus overscan) are in the DOM, so 10,000+ runs scroll smoothly. Pages load as the end comes near.
 */
export function RunsTable({ rows, columns, sort, onSort, onOpen, hasMore, loadingMore, onLoadMore, scrollKey, selectedId }: Props) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const totalWidth = useMemo(() => columns.reduce((w, c) => w + c.width, 0), [columns]);
  const count = rows.length + (hasMore ? 1 : 0);

  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 10,
    scrollMargin: HEADER_HEIGHT,
    initialOffset: () => scrollMemory.get(scrollKey) ?? 0,
    getItemKey: (i) => rows[i]?.info.run_id ?? `more-${i}`,
    useFlushSync: false,
  });

  const items = virtualizer.getVirtualItems();
  const lastIndex = items.length > 0 ? (items[items.length - 1]?.index ?? 0) : 0;
  useEffect(() => {
    if (hasMore && !loadingMore && lastIndex >= rows.length - PREFETCH_ROWS) onLoadMore();
  }, [hasMore, loadingMore, lastIndex, rows.length, onLoadMore]);

  // Any running run among the visible ones → tick durations once a second.
  const anyRunning = items.some((it) => rows[it.index]?.info.status === 'RUNNING');
  const now = useNow(anyRunning);

  // Restore the scroll position (coming back from a run); save it as the user scrolls.
  useLayoutEffect(() => {
    const el = scrollRef.current;
    // A new query (sort, filter) starts at the top unless we have been here before.
    if (el) el.scrollTop = scrollMemory.get(scrollKey) ?? 0;
  }, [scrollKey]);
  useEffect(() => {
    const el = scrollRef.current;
    if (!el) return;
    let raf = 0;
    const onScroll = () => {
      cancelAnimationFrame(raf);
      raf = requestAnimationFrame(() => scrollMemory.set(scrollKey, el.scrollTop));
    };
    el.addEventListener('scroll', onScroll, { passive: true });
    return () => {
      el.removeEventListener('scroll', onScroll);
      cancelAnimationFrame(raf);
    };
  }, [scrollKey]);

  const onKeyImpl = (e: KeyboardEvent<HTMLDivElement>, index: number, runId: string) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      onOpen(runId);
      return;
    }
    const delta = e.key === 'ArrowDown' ? 1 : e.key === 'ArrowUp' ? -1 : e.key === 'PageDown' ? 15 : e.key === 'PageUp' ? -15 : 0;
    const target = e.key === 'Home' ? 0 : e.key === 'End' ? rows.length - 1 : delta ? Math.min(rows.length - 1, Math.max(0, index + delta)) : -1;
    if (target < 0) return;
    e.preventDefault();
    virtualizer.scrollToIndex(target, { align: 'auto' });
    const find = () => scrollRef.current?.querySelector<HTMLElement>(`[data-index="${target}"]`);
    const el = find();
    // The row is usually rendered already (overscan); otherwise focus it once the scroll has rendered it.
    if (el) el.focus({ preventScroll: true });
    else requestAnimationFrame(() => requestAnimationFrame(() => find()?.focus({ preventScroll: true })));
  };

  // Rows are memoized: hand them a stable callback that always runs the latest handler.
  const keyRef = useRef(onKeyImpl);
  useLayoutEffect(() => {
    keyRef.current = onKeyImpl;
  });
  const onKey = useCallback((e: KeyboardEvent<HTMLDivElement>, index: number, runId: string) => keyRef.current(e, index, runId), []);

  // Header groups: consecutive columns of the same group share one label.
  const groups: { group: ColumnGroup; width: number }[] = [];
  for (const c of columns) {
    const last = groups[groups.length - 1];
    if (last && last.group === c.group) last.width += c.width;
    else groups.push({ group: c.group, width: c.width });
  }

  return (
    <div ref={scrollRef} className="runs-scroll" role="table" aria-label="Runs" aria-rowcount={rows.length + 1} data-testid="runs-table" data-rows={rows.length}>
      <div className="runs-thead" role="rowgroup" style={{ width: totalWidth }}>
        <div className="runs-thead-groups" aria-hidden="true">
          {groups.map((g, i) => (
            <div key={i} className={`runs-thead-group group-${g.group}`} style={{ width: g.width }}>
              <span className="runs-thead-label">{GROUP_LABEL[g.group]}</span>
            </div>
          ))}
        </div>
        <div role="row" className="runs-thead-row">
          {columns.map((c) => {
            const active = c.sort ? sameSortTarget(sort, c.sort.entity, c.sort.key) : false;
            const dir = active && sort ? (sort.desc ? 'descending' : 'ascending') : undefined;
            return (
              <div key={c.id} role="columnheader" aria-sort={dir} className={cellClass(`runs-th group-${c.group}`, c)} style={cellStyle(c)}>
                {c.sort ? (
                  <button
                    type="button"
                    className="th-sort"
                    onClick={() => c.sort && onSort(c.sort.entity, c.sort.key)}
                    title={`Sort by ${c.sort.entity}.${c.sort.key}`}
                    data-testid="runs-sort"
                    data-sort-key={`${c.sort.entity}.${c.sort.key}`}
                  >
                    <span className="truncate">{c.label}</span>
                    <span className="sort-arrow" aria-hidden="true">
                      {active && sort ? (sort.desc ? '↓' : '↑') : ''}
                    </span>
                  </button>
                ) : (
                  <span className="truncate">{c.label}</span>
                )}
              </div>
            );
          })}
        </div>
      </div>
      <div role="rowgroup" className="runs-body" style={{ height: virtualizer.getTotalSize(), width: totalWidth }}>
        {items.map((it) => {
          const row = rows[it.index];
          const start = it.start - HEADER_HEIGHT;
          if (!row) {
            return (
              <div key={it.key} className="runs-row runs-row-more" style={{ transform: `translateY(${start}px)`, width: totalWidth }} aria-hidden="true">
                <Spinner /> Loading more runs…
              </div>
            );
          }
          return (
            <Row
              key={it.key}
              row={row}
              index={it.index}
              columns={columns}
              now={row.info.status === 'RUNNING' ? now : 0}
              start={start}
              selected={row.info.run_id === selectedId}
              onOpen={onOpen}
              onKey={onKey}
            />
          );
        })}
      </div>
    </div>
  );
}
