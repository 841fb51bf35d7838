import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type CSSProperties, type InputHTMLAttributes, type KeyboardEvent, type MouseEvent, type PointerEvent, type ReactNode } from 'react';
import type { RunRow } from '../../../../shared/contract';
import { PALETTE, useRunColors } from '../../lib/runColors';
import { Spinner } from '../../ui/Spinner';
import { FloatingPopover } from './FloatingPopover';
import { formatMetric, numberFormat } from './format';
import { ChevronIcon, FunnelIcon } from './icons';
import type { ColumnGroup, RunColumn } from './runColumns';
import { scrollMemory } from './store';
import { columnTitle, hasQuickFilter, isStarred, type DisplayItem, type GroupStat, type RowGroup, type SortKey } from './tableLogic';

export const ROW_HEIGHT = 34;
const HEADER_HEIGHT = 56; // group row (22) + column row (34)
/** Checkbox, color, star, pin, hide. */
export const MARKS_WIDTH = 118;
/** Start fetching the next page this many rows before the end. */
const PREFETCH_ROWS = 150;
const MIN_WIDTH = 60;
const MAX_WIDTH = 800;

const GROUP_LABEL: Record<ColumnGroup, string> = { run: 'Run', params: 'Parameters', metrics: 'Metrics', tags: 'Tags' };

/** Row actions; the table hands rows one stable object (rows are memoized). */
export interface RowActions {
  open(runId: string): void;
  /** Checkbox; `range` (Shift) extends from the last clicked row. */
  select(runId: string, on: boolean, range: boolean): void;
  selectMany(runIds: readonly string[], on: boolean): void;
  pin(runId: string): void;
  hide(runId: string): void;
  star(runId: string, on: boolean): void;
  toggleGroup(groupId: string): void;
}

interface Props {
  /** Body rows (groups and runs), pinned runs excluded. */
  items: readonly DisplayItem[];
  /** Pinned runs: stick under the header. */
  pinnedRows: readonly RunRow[];
  columns: readonly RunColumn[];
  sorts: readonly SortKey[];
  /** Rows loaded / matching (for the client-side sort tooltip). */
  loadedCount: number;
  totalLabel: string;
  onSort: (colId: string, additive: boolean) => void;
  onResize: (colId: string, width: number | null) => void;
  hasMore: boolean;
  loadingMore: boolean;
  onLoadMore: () => void;
  /** Scroll offset to restore and where to save it. */
  scrollKey: string;
  /** The run last opened (highlighted). */
  currentId: string | null;
  selection: ReadonlySet<string>;
  /** Every shown run id in display order (select all, Shift ranges). */
  orderIds: readonly string[];
  pinned: ReadonlySet<string>;
  actions: RowActions;
  /** The applied filter (funnels show as active when it has their clause). */
  filter: string;
  /** "model" for a group-by on params.model (group row labels). */
  groupLabel: string | null;
  renderQuickFilter: (column: RunColumn, close: () => void) => ReactNode;
  /** The colour of a run (the same one Compare draws it with). */
  colorOf: (runId: string) => string;
}

const cellClass = (base: string, c: RunColumn): string =>
  `${base}${c.align === 'right' ? ' right' : ''}${c.stickyLeft !== undefined ? ' sticky' : ''}${c.stickyEdge ? ' sticky-edge' : ''}`;
const cellStyle = (c: RunColumn): CSSProperties => (c.stickyLeft !== undefined ? { width: c.width, left: c.stickyLeft } : { width: c.width });
const marksStyle: CSSProperties = { width: MARKS_WIDTH, left: 0 };
const stop = (e: MouseEvent) => e.stopPropagation();

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

function Checkbox({ checked, indeterminate = false, ...rest }: { checked: boolean; indeterminate?: boolean } & Omit<InputHTMLAttributes<HTMLInputElement>, 'checked' | 'type'>) {
  return (
    <input
      type="checkbox"
      checked={checked}
      ref={(el) => {
        if (el) el.indeterminate = indeterminate;
      }}
      {...rest}
    />
  );
}

const Row = memo(function Row({
  row,
  index,
  columns,
  now,
  start,
  checked,
  pinned,
  current,
  color,
  actions,
  onKey,
  onColor,
}: {
  row: RunRow;
  /** Body index (data-index, keyboard navigation); -1 for pinned rows. */
  index: number;
  columns: readonly RunColumn[];
  now: number;
  start: number;
  checked: boolean;
  pinned: boolean;
  current: boolean;
  color: string;
  actions: RowActions;
  onKey: (e: KeyboardEvent<HTMLDivElement>, index: number, runId: string) => void;
  onColor: (runId: string, anchor: HTMLElement) => void;
}) {
  const { info } = row;
  const id = info.run_id;
  const starred = isStarred(row);
  const name = info.run_name || id.slice(0, 8);
  return (
    <div
      role="row"
      aria-rowindex={index >= 0 ? index + 2 : undefined}
      tabIndex={0}
      className={`runs-row${index % 2 ? ' odd' : ''}${current ? ' selected' : ''}${checked ? ' checked' : ''}${pinned ? ' pinned' : ''}${info.lifecycle_stage === 'deleted' ? ' deleted' : ''}`}
      style={{ transform: `translateY(${start}px)` }}
      data-index={index >= 0 ? index : undefined}
      data-testid="run-row"
      data-run-id={id}
      data-run-name={info.run_name}
      data-status={info.status}
      data-experiment-id={info.experiment_id}
      data-selected={checked}
      data-pinned={pinned}
      data-starred={starred}
      onClick={() => actions.open(id)}
      onKeyDown={(e) => onKey(e, index, id)}
    >
      <div role="cell" className="runs-cell marks-cell sticky" style={marksStyle} onClick={stop}>
        <input
          type="checkbox"
          className="row-check"
          checked={checked}
          onChange={(e) => actions.select(id, e.target.checked, 'shiftKey' in e.nativeEvent && e.nativeEvent.shiftKey === true)}
          aria-label={`Select ${name}`}
          data-testid="run-select"
        />
        <button type="button" className="run-swatch" style={{ background: color }} onClick={(e) => onColor(id, e.currentTarget)} aria-label={`Color of ${name}`} title="Run color" data-testid="btn-run-color" data-color={color} />
        <button
          type="button"
          className={`mark-button star${starred ? ' on' : ''}`}
          onClick={() => actions.star(id, !starred)}
          aria-pressed={starred}
          aria-label={starred ? `Unstar ${name}` : `Star ${name}`}
          title={starred ? 'Starred (tag mldesk.starred) — click to unstar' : 'Star (sets the run tag mldesk.starred)'}
          data-testid="btn-star"
          data-starred={starred}
        />
        <button
          type="button"
          className={`mark-button pin${pinned ? ' on' : ''}`}
          onClick={() => actions.pin(id)}
          aria-pressed={pinned}
          aria-label={pinned ? `Unpin ${name}` : `Pin ${name}`}
          title={pinned ? 'Unpin' : 'Pin to the top'}
          data-testid="btn-pin"
        />
        <button type="button" className="mark-button hide" onClick={() => actions.hide(id)} aria-label={`Hide ${name}`} title="Hide this run" data-testid="btn-hide" />
      </div>
      {columns.map((c) => (
        <div key={c.id} role="cell" className={cellClass('runs-cell', c)} style={cellStyle(c)} title={c.title?.(row)}>
          {c.render(row, now)}
        </div>
      ))}
    </div>
  );
});

function StatCell({ column, stat }: { column: RunColumn; stat: GroupStat | undefined }) {
  if (!stat || stat.n === 0 || stat.mean === null) {
    return <div role="cell" className={cellClass('runs-cell agg-cell', column)} style={cellStyle(column)} />;
  }
  const range = stat.min !== null && stat.max !== null ? `${formatMetric(stat.min)}–${formatMetric(stat.max)}` : '';
  return (
    <div
      role="cell"
      className={cellClass('runs-cell agg-cell', column)}
      style={cellStyle(column)}
      title={`${columnTitle(column.ref)}\nmean ${formatMetric(stat.mean)} · min ${formatMetric(stat.min)} · max ${formatMetric(stat.max)}\n${stat.n} run${stat.n === 1 ? '' : 's'} with a value`}
      data-mean={stat.mean}
    >
      <span className="agg-mean tabular">{formatMetric(stat.mean)}</span>
      {stat.n > 1 ? <span className="agg-range tabular">{range}</span> : null}
    </div>
  );
}

const GroupRow = memo(function GroupRow({
  group,
  collapsed,
  index,
  columns,
  start,
  label,
  checkState,
  actions,
  onKey,
}: {
  group: RowGroup;
  collapsed: boolean;
  index: number;
  columns: readonly RunColumn[];
  start: number;
  label: string;
  checkState: 'all' | 'some' | 'none';
  actions: RowActions;
  onKey: (e: KeyboardEvent<HTMLDivElement>, index: number, runId: string) => void;
}) {
  const ids = group.rows.map((r) => r.info.run_id);
  return (
    <div
      role="row"
      aria-rowindex={index + 2}
      aria-expanded={!collapsed}
      tabIndex={0}
      className="runs-row group-row"
      style={{ transform: `translateY(${start}px)` }}
      data-index={index}
      data-testid="group-row"
      data-group={group.value ?? ''}
      data-group-missing={group.value === null || undefined}
      data-count={group.rows.length}
      data-collapsed={collapsed}
      onClick={() => actions.toggleGroup(group.id)}
      onKeyDown={(e) => onKey(e, index, '')}
      title={collapsed ? 'Expand the group' : 'Collapse the group'}
    >
      <div role="cell" className="runs-cell marks-cell sticky" style={marksStyle}>
        <Checkbox
          checked={checkState === 'all'}
          indeterminate={checkState === 'some'}
          className="row-check"
          onClick={stop}
          onChange={(e) => actions.selectMany(ids, e.target.checked)}
          aria-label={`Select the ${ids.length} runs of this group`}
          data-testid="group-select"
        />
        <ChevronIcon className={`group-chevron${collapsed ? '' : ' open'}`} width={14} height={14} />
      </div>
      {columns.map((c) =>
        c.group === 'metrics' ? (
          <StatCell key={c.id} column={c} stat={group.stats[c.id]} />
        ) : c.id === 'a:name' ? (
          <div key={c.id} role="cell" className={cellClass('runs-cell group-label', c)} style={cellStyle(c)} title={`${label} = ${group.value ?? '(not set)'}`}>
            <span className="truncate">
              {group.value === null ? <em className="muted">{label} not set</em> : group.value === '' ? <em className="muted">(empty)</em> : <strong className="mono">{group.value}</strong>}
            </span>
            <span className="count-pill" title={`${group.rows.length} run${group.rows.length === 1 ? '' : 's'}`}>
              {numberFormat.format(group.rows.length)}
            </span>
          </div>
        ) : (
          <div key={c.id} role="cell" className={cellClass('runs-cell', c)} style={cellStyle(c)} />
        ),
      )}
    </div>
  );
});

function sortTitle(c: RunColumn, loaded: number, total: string): string {
  const base = `Sort by ${columnTitle(c.ref)} (click). Shift+click adds it as a further sort key.`;
  if (c.sort.server) return base;
  const why = c.ref.kind === 'metric' ? 'the server sorts metrics by their latest value only' : 'the server cannot sort by this column';
  return `${base}\nSorted in the browser over the loaded runs (${numberFormat.format(loaded)} of ${total}): ${why}.`;
}

/**
 * Virtualized runs grid (div-based, ARIA table roles): fixed row height, only the visible rows
 * (plus overscan) are in the DOM, so 10,000+ runs scroll smoothly. Pages load as the end comes near.
 * Group rows (aggregates) share the row height; pinned runs stick under the header.
 */
export function RunsTable(props: Props) {
  const { items, pinnedRows, sorts, onSort, onResize, hasMore, loadingMore, onLoadMore, scrollKey, currentId, selection, orderIds, pinned, actions, filter, groupLabel, colorOf } = props;
  const scrollRef = useRef<HTMLDivElement>(null);
  const [drag, setDrag] = useState<{ id: string; width: number } | null>(null);
  const columns = useMemo(() => {
    if (!drag) return props.columns;
    return props.columns.map((c) => (c.id === drag.id ? { ...c, width: drag.width } : c));
  }, [props.columns, drag]);
  const totalWidth = useMemo(() => MARKS_WIDTH + columns.reduce((w, c) => w + c.width, 0), [columns]);
  const count = items.length + (hasMore ? 1 : 0);
  const margin = HEADER_HEIGHT + pinnedRows.length * ROW_HEIGHT;

  const overrides = useRunColors((s) => s.overrides);
  const [colorFor, setColorFor] = useState<{ runId: string; anchor: HTMLElement } | null>(null);
  const [filterFor, setFilterFor] = useState<{ colId: string; anchor: HTMLElement } | null>(null);
  const onColor = useCallback((runId: string, anchor: HTMLElement) => setColorFor((c) => (c?.runId === runId ? null : { runId, anchor })), []);

  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 10,
    scrollMargin: margin,
    initialOffset: () => scrollMemory.get(scrollKey) ?? 0,
    getItemKey: (i) => {
      const it = items[i];
      return it ? (it.kind === 'run' ? it.row.info.run_id : `group:${it.group.id}`) : `more-${i}`;
    },
    useFlushSync: false,
  });

  const vItems = virtualizer.getVirtualItems();
  const lastIndex = vItems.length > 0 ? (vItems[vItems.length - 1]?.index ?? 0) : 0;
  useEffect(() => {
    if (hasMore && !loadingMore && lastIndex >= items.length - PREFETCH_ROWS) onLoadMore();
  }, [hasMore, loadingMore, lastIndex, items.length, onLoadMore]);

  // Any running run among the visible ones → tick durations once a second.
  const anyRunning = vItems.some((it) => {
    const x = items[it.index];
    return x?.kind === 'run' && x.row.info.status === 'RUNNING';
  }) || pinnedRows.some((r) => r.info.status === 'RUNNING');
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
    if (e.target !== e.currentTarget) return; // a button or checkbox inside the row
    const item = index >= 0 ? items[index] : undefined;
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      if (item?.kind === 'group') actions.toggleGroup(item.group.id);
      else if (runId) actions.open(runId);
      return;
    }
    if (item?.kind === 'group' && (e.key === 'ArrowLeft' || e.key === 'ArrowRight')) {
      e.preventDefault();
      if (item.collapsed === (e.key === 'ArrowRight')) actions.toggleGroup(item.group.id);
      return;
    }
    if (index < 0) return; // pinned rows: no list navigation
    const delta = e.key === 'ArrowDown' ? 1 : e.key === 'ArrowUp' ? -1 : e.key === 'PageDown' ? 15 : e.key === 'PageUp' ? -15 : 0;
    const target = e.key === 'Home' ? 0 : e.key === 'End' ? items.length - 1 : delta ? Math.min(items.length - 1, Math.max(0, index + delta)) : -1;
    if (target < 0) return;
    e.preventDefault();
    virtualizer.scrollToIndex(target, { align: 'auto' });
    const find = () => scrollRef.current?.querySelector<HTMLElement>(`.runs-body [data-index="${target}"]`);
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

  // Header groups: consecutive columns of the same group share one label (the marks column belongs to "Run").
  const groups: { group: ColumnGroup; width: number }[] = [{ group: 'run', width: MARKS_WIDTH }];
  for (const c of columns) {
    const last = groups[groups.length - 1];
    if (last && last.group === c.group) last.width += c.width;
    else groups.push({ group: c.group, width: c.width });
  }

  const selectedShown = useMemo(() => orderIds.reduce((n, id) => n + (selection.has(id) ? 1 : 0), 0), [orderIds, selection]);
  const allState = selectedShown === 0 ? 'none' : selectedShown === orderIds.length ? 'all' : 'some';

  const startResize = (e: PointerEvent<HTMLSpanElement>, c: RunColumn) => {
    e.preventDefault();
    e.stopPropagation();
    const el = e.currentTarget;
    el.setPointerCapture(e.pointerId);
    const x0 = e.clientX;
    const w0 = c.width;
    let width = w0;
    const move = (ev: globalThis.PointerEvent) => {
      width = Math.round(Math.min(MAX_WIDTH, Math.max(MIN_WIDTH, w0 + ev.clientX - x0)));
      setDrag({ id: c.id, width });
    };
    const up = () => {
      el.removeEventListener('pointermove', move);
      el.removeEventListener('pointerup', up);
      el.removeEventListener('pointercancel', up);
      setDrag(null);
      if (width !== w0) onResize(c.id, width);
    };
    el.addEventListener('pointermove', move);
    el.addEventListener('pointerup', up);
    el.addEventListener('pointercancel', up);
  };

  const sortIndex = new Map(sorts.map((s, i) => [s.col, i]));
  // Funnels showing as active (parses the filter once per filter/columns change, not per scroll frame).
  const filteredCols = useMemo(() => new Set(columns.filter((c) => c.filter && hasQuickFilter(filter, c.filter)).map((c) => c.id)), [columns, filter]);
  const filterColumn = filterFor ? columns.find((c) => c.id === filterFor.colId) : undefined;

  // Group checkbox states, computed once per selection (not per scroll frame).
  // A fresh cache whenever the selection changes.
  const groupChecks = useMemo(() => new WeakMap<RowGroup, 'all' | 'some' | 'none'>(), [selection]);
  const groupCheck = (g: RowGroup): 'all' | 'some' | 'none' => {
    const cached = groupChecks.get(g);
    if (cached) return cached;
    let n = 0;
    for (const r of g.rows) if (selection.has(r.info.run_id)) n++;
    const state = n === 0 ? 'none' : n === g.rows.length ? 'all' : 'some';
    groupChecks.set(g, state);
    return state;
  };

  const renderRun = (row: RunRow, index: number, start: number, key: string) => (
    <Row
      key={key}
      row={row}
      index={index}
      columns={columns}
      now={row.info.status === 'RUNNING' ? now : 0}
      start={start}
      checked={selection.has(row.info.run_id)}
      pinned={pinned.has(row.info.run_id)}
      current={row.info.run_id === currentId}
      color={colorOf(row.info.run_id)}
      actions={actions}
      onKey={onKey}
      onColor={onColor}
    />
  );

  return (
    <div
      ref={scrollRef}
      className="runs-scroll"
      role="table"
      aria-label="Runs"
      aria-rowcount={items.length + pinnedRows.length + 1}
      data-testid="runs-table"
      data-rows={orderIds.length}
      data-items={items.length}
      data-pinned-count={pinnedRows.length}
    >
      <div className="runs-thead" role="rowgroup" style={{ width: totalWidth }}>
        <div className="runs-thead-groups" aria-hidden="true">
          {groups.map((g, i) => (
            <div key={i} className={`runs-thead-group group-${g.group}`} style={{ width: g.width }}>
              <span className="runs-thead-label">{GROUP_LABEL[g.group]}</span>
            </div>
          ))}
        </div>
        <div role="row" className="runs-thead-row">
          <div role="columnheader" className="runs-th marks-th sticky" style={marksStyle}>
            <Checkbox
              checked={allState === 'all'}
              indeterminate={allState === 'some'}
              className="row-check"
              disabled={orderIds.length === 0}
              onChange={(e) => actions.selectMany(orderIds, e.target.checked)}
              aria-label={allState === 'all' ? 'Deselect all shown runs' : 'Select all shown runs'}
              title={`Select all ${numberFormat.format(orderIds.length)} shown runs`}
              data-testid="runs-select-all"
            />
          </div>
          {columns.map((c) => {
            const si = sortIndex.get(c.sort.col);
            const s = si !== undefined ? sorts[si] : undefined;
            const dir = s ? (s.desc ? 'descending' : 'ascending') : undefined;
            const filtered = filteredCols.has(c.id);
            return (
              <div key={c.id} role="columnheader" aria-sort={dir} className={cellClass(`runs-th group-${c.group}`, c)} style={cellStyle(c)} data-col={c.id}>
                <button
                  type="button"
                  className={`th-sort${c.sort.server ? '' : ' client-sort'}`}
                  onMouseDown={(e) => {
                    if (e.shiftKey) e.preventDefault(); // no text selection on Shift+click
                  }}
                  onClick={(e) => onSort(c.id, e.shiftKey)}
                  title={sortTitle(c, props.loadedCount, props.totalLabel)}
                  data-testid="runs-sort"
                  data-sort-key={c.id}
                  data-sort-dir={s ? (s.desc ? 'desc' : 'asc') : undefined}
                >
                  <span className="truncate">{c.label}</span>
                  {c.agg ? <span className="th-agg">{c.agg}</span> : null}
                  <span className="sort-arrow" aria-hidden="true">
                    {s ? (s.desc ? '↓' : '↑') : ''}
                  </span>
                  {s && sorts.length > 1 ? (
                    <span className="sort-badge" data-testid="sort-badge" aria-label={`sort key ${(si ?? 0) + 1}`}>
                      {(si ?? 0) + 1}
                    </span>
                  ) : null}
                </button>
                {c.filter ? (
                  <button
                    type="button"
                    className={`th-filter${filtered ? ' active' : ''}${filterFor?.colId === c.id ? ' open' : ''}`}
                    onClick={(e) => {
                      const anchor = e.currentTarget;
                      setFilterFor((f) => (f?.colId === c.id ? null : { colId: c.id, anchor }));
                    }}
                    aria-label={`Filter ${columnTitle(c.ref)}`}
                    aria-expanded={filterFor?.colId === c.id}
                    title={filtered ? `Filtered — edit the filter on ${columnTitle(c.ref)}` : `Filter on ${columnTitle(c.ref)}`}
                    data-testid="col-filter"
                    data-col={c.id}
                    data-active={filtered}
                  >
                    <FunnelIcon width={12} height={12} />
                  </button>
                ) : null}
                <span
                  className="col-resizer"
                  onPointerDown={(e) => startResize(e, c)}
                  onDoubleClick={() => onResize(c.id, null)}
                  onClick={stop}
                  title="Drag to resize, double-click to reset"
                  aria-hidden="true"
                  data-testid="col-resize"
                />
              </div>
            );
          })}
        </div>
        {pinnedRows.length > 0 ? (
          <div className="runs-pinned" role="rowgroup" aria-label="Pinned runs" style={{ height: pinnedRows.length * ROW_HEIGHT }} data-testid="pinned-rows">
            {pinnedRows.map((r, i) => renderRun(r, -1, i * ROW_HEIGHT, r.info.run_id))}
          </div>
        ) : null}
      </div>
      <div role="rowgroup" className="runs-body" style={{ height: virtualizer.getTotalSize(), width: totalWidth }}>
        {vItems.map((it) => {
          const item = items[it.index];
          const start = it.start - margin;
          if (!item) {
            return (
              <div key={it.key} className="runs-row runs-row-more" style={{ transform: `translateY(${start}px)`, width: totalWidth }} aria-hidden="true">
                <Spinner /> Loading more runs…
              </div>
            );
          }
          if (item.kind === 'group') {
            return (
              <GroupRow
                key={it.key}
                group={item.group}
                collapsed={item.collapsed}
                index={it.index}
                columns={columns}
                start={start}
                label={groupLabel ?? ''}
                checkState={groupCheck(item.group)}
                actions={actions}
                onKey={onKey}
              />
            );
          }
          return renderRun(item.row, it.index, start, String(it.key));
        })}
      </div>
      {colorFor ? (
        <FloatingPopover anchor={colorFor.anchor} onClose={() => setColorFor(null)} label="Run color" className="color-popover" testId="run-color-popover">
          <div className="color-grid">
            {PALETTE.map((c) => (
              <button
                key={c}
                type="button"
                className={`color-option${colorOf(colorFor.runId) === c ? ' current' : ''}`}
                style={{ background: c }}
                onClick={() => {
                  useRunColors.getState().setColor(colorFor.runId, c);
                  setColorFor(null);
                }}
                aria-label={`Color ${c}`}
                title={c}
                data-testid="run-color-option"
                data-color={c}
              />
            ))}
          </div>
          <button
            type="button"
            className="link-button small"
            onClick={() => {
              useRunColors.getState().setColor(colorFor.runId, null);
              setColorFor(null);
            }}
            disabled={overrides[colorFor.runId] === undefined}
            data-testid="run-color-reset"
          >
            Default color
          </button>
        </FloatingPopover>
      ) : null}
      {filterFor && filterColumn ? (
        <FloatingPopover anchor={filterFor.anchor} onClose={() => setFilterFor(null)} label={`Filter ${columnTitle(filterColumn.ref)}`} className="qf-popover" testId="quick-filter-popover">
          {props.renderQuickFilter(filterColumn, () => setFilterFor(null))}
        </FloatingPopover>
      ) : null}
    </div>
  );
}
