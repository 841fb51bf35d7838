import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import type { SavedView } from '../../../../shared/contract';
import { DownloadIcon, PlusIcon, RefreshIcon } from '../../app/icons';
import { useReadyWhen } from '../../app/ready';
import { navigate, setQuery, useQueryParam, useRouter } from '../../app/router';
import { toast } from '../../app/toasts';
import { PALETTE, useRunColors, useViewColors } from '../../lib/runColors';
import { setTableSelection } from '../compare/target';
import { isModalOpen } from '../../ui/modalStack';
import { Spinner } from '../../ui/Spinner';
import { ColumnChooser } from './ColumnChooser';
import { exportRunsCsv } from './csv';
import { FilterBox, type FilterBoxHandle } from './FilterBox';
import type { SuggestSource } from './filterSuggest';
import { numberFormat } from './format';
import { CompareIcon, StarIcon } from './icons';
import { QuickFilterPanel } from './QuickFilter';
import { buildColumns, type RunColumn } from './runColumns';
import { RunsEmpty } from './RunsEmpty';
import { MARKS_WIDTH, RunsTable, type RowActions } from './RunsTable';
import { experimentsKey, queryKey, useRuns, type RunsQuery, type ViewType } from './store';
import {
  arrangeRows,
  collectRowKeys,
  colorViewIds,
  columnStats,
  compareQuery,
  defaultColumns,
  distinctValues,
  flattenGroups,
  formatGroupParam,
  formatSortParam,
  groupRows,
  parseGroupParam,
  parseSortParam,
  parseViewState,
  placePrimary,
  planSort,
  primaryMetrics,
  rangeBetween,
  sortRows,
  toggleMany,
  toggleSort,
  type ColumnRef,
  type DisplayItem,
  type RowKeys,
  type TableViewState,
} from './tableLogic';
import { getPrefs, getSelection, usePrefs, useSelection, useTableState, type TablePrefs } from './tableStore';
import { ViewsMenu } from './ViewsMenu';

const VIEWS: Record<string, ViewType> = { active: 'ACTIVE_ONLY', deleted: 'DELETED_ONLY', all: 'ALL' };
/** The selection goes into the URL (`sel`) while it is at most this long. */
const SEL_URL_MAX = 200;

export function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  const tag = target.tagName;
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
  if (tag !== 'INPUT') return false;
  return !['checkbox', 'radio', 'button', 'submit', 'reset', 'range', 'color', 'file'].includes((target as HTMLInputElement).type);
}

const selParam = (ids: readonly string[]): string | null => (ids.length > 0 && ids.length <= SEL_URL_MAX ? ids.join(',') : null);

/** The keys seen in the rows, with a stable identity while they do not change (live updates re-read rows often). */
function useRowKeys(rows: Parameters<typeof collectRowKeys>[0]): RowKeys {
  const json = useMemo(() => JSON.stringify(collectRowKeys(rows)), [rows]);
  return useMemo(() => JSON.parse(json) as RowKeys, [json]);
}

function groupLabelOf(ref: ColumnRef | null): string | null {
  return ref ? ref.key : null;
}

/** A value with a stable identity while its JSON does not change (live updates re-read rows often). */
function useStable<T>(value: T): T {
  const json = JSON.stringify(value);
  return useMemo(() => value, [json]);
}

/** Keys seen in the experiments' runs this session (filtered tables still suggest them), plus the current ones. */
const seenKeys = new Map<string, { params: Set<string>; metrics: Set<string>; tags: Set<string> }>();
function rememberKeys(expKey: string, keys: RowKeys): RowKeys {
  let seen = seenKeys.get(expKey);
  if (!seen) seenKeys.set(expKey, (seen = { params: new Set(), metrics: new Set(), tags: new Set() }));
  const merge = (set: Set<string>, list: readonly string[]) => {
    for (const k of list) set.add(k);
    return [...set].sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
  };
  return { params: merge(seen.params, keys.params), metrics: merge(seen.metrics, keys.metrics), tags: merge(seen.tags, keys.tags) };
}

/**
 * The comparison workspace over the runs of one or more experiments: filter (+ header quick filters),
 * multi-sort, columns, grouping with aggregates, selection → Compare, pins, hidden runs, stars, colors,
 * saved views, CSV export and live updates.
 */
export function RunsView({
  experimentIds,
  title,
  experimentNames,
  running,
  runCount,
  onNewRun,
  onDemo,
  trackingUri,
}: {
  experimentIds: readonly string[];
  title: string;
  /** Experiment id → name (Experiment column, CSV). */
  experimentNames: ReadonlyMap<string, string>;
  running: number;
  /** Active runs in the experiments (exact, from the experiments list). */
  runCount: number | undefined;
  onNewRun: () => void;
  onDemo: () => void;
  trackingUri: string | null | undefined;
}) {
  const expKey = experimentsKey(experimentIds);
  const multi = experimentIds.length > 1;
  const filter = useQueryParam('q') ?? '';
  const sortParamRaw = useQueryParam('sort');
  const groupParam = useQueryParam('group');
  const starredOnly = useQueryParam('starred') === '1';
  const viewParam = useQueryParam('view') ?? 'active';
  const viewType = VIEWS[viewParam] ?? 'ACTIVE_ONLY';
  const sorts = useMemo(() => parseSortParam(sortParamRaw), [sortParamRaw]);
  const plan = useMemo(() => planSort(sorts), [sorts]);
  const orderByKey = plan.orderBy.join('\u0000');
  const orderBy = useMemo(() => (orderByKey ? orderByKey.split('\u0000') : []), [orderByKey]);
  const query = useMemo<RunsQuery>(() => ({ experimentIds, filter, orderBy, viewType, starredOnly }), [experimentIds, filter, orderBy, viewType, starredOnly]);
  const key = queryKey(query);

  const rows = useRuns((s) => s.rows);
  const total = useRuns((s) => s.total);
  const loaded = useRuns((s) => s.loaded && s.query !== null && experimentsKey(s.query.experimentIds) === expKey);
  const loading = useRuns((s) => s.loading);
  const loadingMore = useRuns((s) => s.loadingMore);
  const hasMore = useRuns((s) => s.nextPageToken !== undefined);
  const error = useRuns((s) => s.error);
  const shownKey = useRuns((s) => (s.query ? queryKey(s.query) : ''));
  const lastOpened = useRuns((s) => s.lastOpened);
  const filterRef = useRef<FilterBoxHandle>(null);
  const [exporting, setExporting] = useState(false);
  useReadyWhen(loaded || error !== null);

  useEffect(() => {
    void useRuns.getState().load(query);
  }, [query]);

  // ---- columns: saved for this experiment set (or, for several, the first one's), else a default from the runs:
  // status, the primary metrics and the params that differ between the visible runs first.
  const prefs = usePrefs(expKey);
  const firstPrefs = usePrefs(experimentIds[0] ?? '');
  const keys = useRowKeys(rows);
  const pinnedSet = useMemo(() => new Set(prefs.pinned), [prefs.pinned]);
  const hiddenSet = useMemo(() => new Set(prefs.hidden), [prefs.hidden]);
  const fallback = useMemo(() => {
    if (!multi || !firstPrefs.columns) return null;
    return firstPrefs.columns.includes('a:experiment') ? firstPrefs.columns : ['a:experiment', ...firstPrefs.columns];
  }, [multi, firstPrefs.columns]);
  const chosenPrimary = prefs.primary.length > 0 || !multi ? prefs.primary : firstPrefs.primary;
  const needStats = prefs.columns === null && fallback === null;
  const statsNow = useMemo(() => {
    if (!needStats && chosenPrimary.length > 0) return null;
    const visible = hiddenSet.size > 0 ? rows.filter((r) => !hiddenSet.has(r.info.run_id)) : rows;
    return columnStats(visible, keys);
  }, [needStats, chosenPrimary.length, rows, hiddenSet, keys]);
  const stats = useStable(statsNow);
  const autoPrimary = useMemo(() => (stats ? primaryMetrics(stats, null) : []), [stats]);
  const defaults = useMemo(() => (stats ? defaultColumns(stats, multi, chosenPrimary) : []), [stats, multi, chosenPrimary]);
  const columnIds = prefs.columns ?? fallback ?? defaults;
  const columns = useMemo(() => buildColumns(columnIds, { experimentNames }, prefs.widths, MARKS_WIDTH), [columnIds, experimentNames, prefs.widths]);
  const setPrefs = useCallback((patch: Partial<TablePrefs>) => useTableState.getState().setPrefs(expKey, patch), [expKey]);
  const onPrimary = useCallback(
    (primary: string[]) => {
      const cur = getPrefs(expKey);
      setPrefs({ primary, ...(cur.columns ? { columns: placePrimary(cur.columns, primary) } : {}) });
    },
    [expKey, setPrefs],
  );

  // ---- filter autocomplete: keys seen in these experiments, values of the loaded runs
  const suggestKeys = useMemo(() => rememberKeys(expKey, keys), [expKey, keys]);
  const source = useMemo<SuggestSource>(() => {
    const cache = new Map<string, string[]>();
    return {
      ...suggestKeys,
      values(entity, key) {
        const k = `${entity}:${key}`;
        let v = cache.get(k);
        if (!v) cache.set(k, (v = distinctValues(rows, { entity, key }, 200).map((d) => d.value)));
        return v;
      },
    };
  }, [suggestKeys, rows]);

  // ---- rows: client-side sort when needed, hidden out, pinned apart, grouped
  const sortedRows = useMemo(() => (plan.client ? sortRows(rows, sorts, { experimentNames, now: Date.now() }) : rows), [rows, plan.client, sorts, experimentNames]);
  const arranged = useMemo(() => arrangeRows(sortedRows, pinnedSet, hiddenSet), [sortedRows, pinnedSet, hiddenSet]);
  const groupBy = useMemo(() => parseGroupParam(groupParam), [groupParam]);
  const statKey = columns
    .filter((c) => c.group === 'metrics')
    .map((c) => c.id)
    .join('\u0000');
  const groups = useMemo(() => (groupBy ? groupRows(arranged.rest, groupBy, statKey ? statKey.split('\u0000') : [], { experimentNames }) : null), [groupBy, arranged.rest, statKey, experimentNames]);
  const collapsedSet = useMemo(() => new Set(prefs.collapsed), [prefs.collapsed]);
  const items = useMemo<DisplayItem[]>(() => (groups ? flattenGroups(groups, collapsedSet) : arranged.rest.map((row) => ({ kind: 'run', row }))), [groups, collapsedSet, arranged.rest]);
  const orderIds = useMemo(() => [...arranged.pinnedRows, ...(groups ? groups.flatMap((g) => g.rows) : arranged.rest)].map((r) => r.info.run_id), [arranged, groups]);

  // ---- selection (store; mirrored to `sel` in the URL when short; a link's `sel` seeds it)
  const selection = useSelection(expKey);
  const selectionSet = useMemo(() => new Set(selection), [selection]);
  const updateSelection = useCallback(
    (ids: readonly string[]) => {
      useTableState.getState().setSelection(expKey, ids);
      setQuery({ sel: selParam(ids) });
    },
    [expKey],
  );
  useLayoutEffect(() => {
    const raw = useRouter.getState().query.sel;
    const fromUrl = raw ? raw.split(',').filter(Boolean) : null;
    const have = getSelection(expKey);
    if (fromUrl && fromUrl.join(',') !== have.join(',')) useTableState.getState().setSelection(expKey, fromUrl);
    else if (!fromUrl && have.length > 0) setQuery({ sel: selParam(have) });
  }, [expKey]);

  // `/` focuses the filter.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== '/' || e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || isTyping(e.target) || isModalOpen()) return;
      e.preventDefault();
      filterRef.current?.focus();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const onSort = useCallback((colId: string, additive: boolean) => {
    const next = toggleSort(parseSortParam(useRouter.getState().query.sort), colId, additive);
    setQuery({ sort: next.length > 0 ? formatSortParam(next) : null });
  }, []);
  const onResize = useCallback(
    (colId: string, width: number | null) => {
      const widths = { ...getPrefs(expKey).widths };
      if (width === null) delete widths[colId];
      else widths[colId] = width;
      setPrefs({ widths });
    },
    [expKey, setPrefs],
  );
  const onLoadMore = useCallback(() => void useRuns.getState().loadMore(), []);

  // Row actions: one stable object (rows are memoized) that always sees the latest state.
  const latest = useRef({ orderIds, expKey });
  useLayoutEffect(() => {
    latest.current = { orderIds, expKey };
  });
  const anchor = useRef<string | null>(null);
  const actions = useMemo<RowActions>(() => {
    const sel = () => getSelection(latest.current.expKey);
    const prefsNow = () => getPrefs(latest.current.expKey);
    const set = (patch: Partial<TablePrefs>) => useTableState.getState().setPrefs(latest.current.expKey, patch);
    return {
      open(runId) {
        useRuns.setState({ lastOpened: runId });
        setQuery({ run: runId, tab: null }, { replace: false });
      },
      select(runId, on, range) {
        const ids = range ? rangeBetween(latest.current.orderIds, anchor.current, runId) : [runId];
        anchor.current = runId;
        updateSelection(toggleMany(sel(), ids, on));
      },
      selectMany(ids, on) {
        updateSelection(toggleMany(sel(), ids, on));
      },
      pin(runId) {
        const p = prefsNow().pinned;
        set({ pinned: p.includes(runId) ? p.filter((x) => x !== runId) : [...p, runId] });
      },
      hide(runId) {
        const p = prefsNow();
        set({ hidden: p.hidden.includes(runId) ? p.hidden : [...p.hidden, runId], pinned: p.pinned.filter((x) => x !== runId) });
        if (sel().includes(runId)) updateSelection(sel().filter((x) => x !== runId));
      },
      star(runId, on) {
        useRuns
          .getState()
          .setStarred(runId, on)
          .catch((e: unknown) => toast.error(e, on ? 'Could not star the run' : 'Could not unstar the run'));
      },
      toggleGroup(groupId) {
        const c = prefsNow().collapsed;
        set({ collapsed: c.includes(groupId) ? c.filter((x) => x !== groupId) : [...c, groupId] });
      },
    };
  }, [updateSelection]);

  // ---- saved views
  const capture = (): TableViewState => {
    const overrides = useRunColors.getState().overrides;
    const colors: Record<string, string> = {};
    for (const r of rows) {
      const c = overrides[r.info.run_id];
      if (c) colors[r.info.run_id] = c;
    }
    return {
      version: 1,
      columns: [...columnIds],
      widths: { ...prefs.widths },
      sort: sortParamRaw ?? '',
      filter,
      group: groupParam ?? '',
      collapsed: [...prefs.collapsed],
      selection: [...selection],
      pinned: [...prefs.pinned],
      hidden: [...prefs.hidden],
      colors,
      primary: [...prefs.primary],
      starredOnly,
      viewType: viewParam === 'deleted' || viewParam === 'all' ? viewParam : 'active',
    };
  };
  const applyView = (v: SavedView) => {
    const s = parseViewState(v.state);
    setPrefs({ columns: s.columns, widths: s.widths, pinned: s.pinned, hidden: s.hidden, collapsed: s.collapsed, primary: s.primary });
    const setColor = useRunColors.getState().setColor;
    for (const [runId, color] of Object.entries(s.colors)) setColor(runId, color);
    useTableState.getState().setSelection(expKey, s.selection);
    setQuery({
      q: s.filter || null,
      sort: s.sort || null,
      group: s.group || null,
      starred: s.starredOnly ? '1' : null,
      view: s.viewType === 'active' ? null : s.viewType,
      sel: selParam(s.selection),
    });
    toast.info(`Applied view “${v.name}”`);
  };

  const exportCsv = async () => {
    setExporting(true);
    try {
      const all = await useRuns.getState().loadAll();
      // Same order and exclusions as the table; groups flattened (collapsed ones included).
      const sorted = plan.client ? sortRows(all, sorts, { experimentNames, now: Date.now() }) : all;
      const { pinnedRows, rest } = arrangeRows(sorted, pinnedSet, hiddenSet);
      const body = groupBy ? groupRows(rest, groupBy, [], { experimentNames }).flatMap((g) => g.rows) : rest;
      const out = [...pinnedRows, ...body];
      exportRunsCsv(title, columns, out);
      toast.success(`Exported ${numberFormat.format(out.length)} run${out.length === 1 ? '' : 's'} to CSV`);
    } catch (e) {
      toast.error(e, 'Could not export runs');
    } finally {
      setExporting(false);
    }
  };

  const renderQuickFilter = (column: RunColumn, close: () => void) => (
    <QuickFilterPanel
      column={column}
      rows={sortedRows}
      query={query}
      onApply={(f) => {
        setQuery({ q: f || null });
        close();
      }}
    />
  );

  const stale = loading && shownKey !== key;
  const narrowed = filter.trim() !== '' || starredOnly || viewType !== 'ACTIVE_ONLY';
  // The server's total is exact only once every page is loaded; unfiltered, the experiments' count is exact.
  const exactTotal = !hasMore ? rows.length : !narrowed && runCount !== undefined ? runCount : null;
  const countLabel = exactTotal !== null ? numberFormat.format(exactTotal) : `${numberFormat.format(rows.length)}+`;
  const isEmpty = !multi && loaded && !loading && rows.length === 0 && total === 0 && !narrowed && !error;
  const hiddenCount = prefs.hidden.length;
  const groupOptions = groupChoices(keys, multi, groupBy);
  const compareIds = useMemo(() => {
    const order = new Map(orderIds.map((id, i) => [id, i]));
    return [...selection].sort((a, b) => (order.get(a) ?? 1e9) - (order.get(b) ?? 1e9));
  }, [selection, orderIds]);
  // The sidebar's Compare link and Ctrl/Cmd+3 open this selection.
  useEffect(() => setTableSelection(experimentIds, compareIds), [experimentIds, compareIds]);
  // One colour per run: distinct among the shown runs (≤ 20) or the selected/pinned ones, the same in Compare.
  const colorIds = useMemo(() => colorViewIds(orderIds, compareIds, prefs.pinned, PALETTE.length), [orderIds, compareIds, prefs.pinned]);
  const colorOf = useViewColors(colorIds);

  return (
    <div className="runs-main">
      <header className="runs-head">
        <div className="page-title-group">
          <h1 className="page-title truncate" title={title}>
            {title}
          </h1>
          {multi ? (
            <span className="count-pill" title={[...experimentIds].map((id) => experimentNames.get(id) ?? id).join('\n')} data-testid="runs-experiments-count">
              {experimentIds.length} experiments
            </span>
          ) : null}
          {loaded ? (
            <span className="count-pill" data-testid="runs-total" data-total={exactTotal ?? undefined} data-loaded={rows.length} title={`${countLabel} matching runs, ${numberFormat.format(rows.length)} loaded`}>
              {countLabel} run{exactTotal === 1 ? '' : 's'}
            </span>
          ) : null}
          {running > 0 ? (
            <span className="running-pill" title={`${running} run${running === 1 ? '' : 's'} in progress`}>
              <span className="live-dot" aria-hidden="true" />
              {running} running
            </span>
          ) : null}
          {loading || loadingMore ? <Spinner label="Loading runs" /> : null}
        </div>
        <div className="toolbar">
          <label className="visually-hidden" htmlFor="runs-view">
            Which runs
          </label>
          <select id="runs-view" className="input input-sm view-select" value={viewParam in VIEWS ? viewParam : 'active'} onChange={(e) => setQuery({ view: e.target.value === 'active' ? null : e.target.value })} data-testid="runs-view">
            <option value="active">Active</option>
            <option value="deleted">Deleted</option>
            <option value="all">All</option>
          </select>
          <ViewsMenu experimentId={multi ? null : (experimentIds[0] ?? null)} capture={capture} onApply={applyView} />
          <ColumnChooser
            keys={keys}
            columns={columnIds}
            isDefault={prefs.columns === null}
            onChange={(c) => setPrefs({ columns: c })}
            primary={chosenPrimary}
            autoPrimary={autoPrimary}
            onPrimary={onPrimary}
          />
          <button type="button" className="button" onClick={() => void exportCsv()} disabled={rows.length === 0 || exporting} data-testid="btn-export-runs-csv" title="Export the visible columns of all matching runs (hidden runs left out)">
            {exporting ? <Spinner /> : <DownloadIcon />}
            Export CSV
          </button>
          <button type="button" className="button button-primary" onClick={onNewRun} data-testid="btn-new-run">
            <PlusIcon />
            New run
          </button>
        </div>
      </header>
      {isEmpty ? null : (
        <div className="runs-filter-row">
          <FilterBox ref={filterRef} value={filter} onApply={(f) => setQuery({ q: f || null })} source={source} />
          <div className="runs-filter-tools">
            <button
              type="button"
              className={`button button-sm starred-toggle${starredOnly ? ' active' : ''}`}
              aria-pressed={starredOnly}
              onClick={() => setQuery({ starred: starredOnly ? null : '1' })}
              title="Show starred runs only (tag mldesk.starred)"
              data-testid="btn-starred-only"
            >
              <StarIcon filled={starredOnly} width={14} height={14} />
              Starred only
            </button>
            <label className="group-by">
              <span className="muted small">Group by</span>
              <select
                className="input input-sm"
                value={formatGroupParam(groupBy) ?? ''}
                onChange={(e) => setQuery({ group: e.target.value || null })}
                data-testid="runs-group-by"
                aria-label="Group runs by a param or tag"
              >
                <option value="">None</option>
                {groupOptions.map((g) => (
                  <optgroup key={g.label} label={g.label}>
                    {g.options.map((o) => (
                      <option key={o.value} value={o.value}>
                        {o.label}
                      </option>
                    ))}
                  </optgroup>
                ))}
              </select>
            </label>
            {hiddenCount > 0 ? (
              <button type="button" className="chip" onClick={() => setPrefs({ hidden: [] })} title="Show the hidden runs again" data-testid="hidden-chip" data-count={hiddenCount}>
                {numberFormat.format(hiddenCount)} hidden — show
              </button>
            ) : null}
            {plan.client && hasMore ? (
              <span className="chip chip-warn" title="The server sorts metrics by their latest value only; min/max, duration and experiment keys are sorted in the browser over the loaded runs." data-testid="client-sort-note">
                Sorted over {numberFormat.format(rows.length)} loaded
              </span>
            ) : null}
            <button
              type="button"
              className="button button-sm"
              disabled={selection.length === 0}
              onClick={() => navigate('/compare', compareQuery(experimentIds, compareIds))}
              title={selection.length === 0 ? 'Select runs with the checkboxes to compare them' : `Compare the ${selection.length} selected runs`}
              data-testid="btn-compare"
              data-count={selection.length}
            >
              <CompareIcon width={14} height={14} />
              Compare ({numberFormat.format(selection.length)})
            </button>
            {selection.length > 0 ? (
              <button type="button" className="link-button small" onClick={() => updateSelection([])} data-testid="btn-clear-selection">
                Clear
              </button>
            ) : null}
          </div>
        </div>
      )}
      <div className={`runs-body-wrap${stale ? ' stale' : ''}`}>
        {!loaded && !error ? (
          <div className="page-loading">
            <Spinner label="Loading runs" size={16} />
          </div>
        ) : error && rows.length === 0 ? (
          <div className="error-panel" role="alert" data-testid="runs-error">
            <h2>Could not load runs</h2>
            <p>
              <code className="error-code">{error.code}</code> {error.message}
            </p>
            <button type="button" className="button" onClick={() => void useRuns.getState().load(query, { force: true })} disabled={loading}>
              <RefreshIcon />
              Retry
            </button>
          </div>
        ) : isEmpty ? (
          <div className="runs-empty-wrap">
            <RunsEmpty experimentName={title} trackingUri={trackingUri} onNewRun={onNewRun} onDemo={onDemo} />
          </div>
        ) : rows.length === 0 ? (
          <div className="table-empty muted" data-testid="runs-no-match">
            {filter ? (
              <>
                No run matches <code>{filter}</code>.{' '}
                <button type="button" className="link-button" onClick={() => setQuery({ q: null })}>
                  Clear filter
                </button>
              </>
            ) : starredOnly ? (
              <>
                No starred runs.{' '}
                <button type="button" className="link-button" onClick={() => setQuery({ starred: null })}>
                  Show all
                </button>
              </>
            ) : viewType === 'DELETED_ONLY' ? (
              'No deleted runs.'
            ) : (
              'No runs.'
            )}
          </div>
        ) : (
          <RunsTable
            key={expKey}
            items={items}
            pinnedRows={arranged.pinnedRows}
            columns={columns}
            sorts={sorts}
            loadedCount={rows.length}
            totalLabel={countLabel}
            onSort={onSort}
            onResize={onResize}
            hasMore={hasMore}
            loadingMore={loadingMore}
            onLoadMore={onLoadMore}
            scrollKey={key}
            currentId={lastOpened}
            selection={selectionSet}
            orderIds={orderIds}
            pinned={pinnedSet}
            actions={actions}
            filter={filter}
            groupLabel={groupLabelOf(groupBy)}
            renderQuickFilter={renderQuickFilter}
            colorOf={colorOf}
          />
        )}
      </div>
    </div>
  );
}

function groupChoices(keys: RowKeys, multi: boolean, current: ColumnRef | null): { label: string; options: { value: string; label: string }[] }[] {
  const attrs: ColumnRef[] = [{ kind: 'attr', key: 'status' }, { kind: 'attr', key: 'user' }, ...(multi ? [{ kind: 'attr', key: 'experiment' } as const] : [])];
  const opt = (ref: ColumnRef, label: string) => ({ value: formatGroupParam(ref) ?? '', label });
  const out = [
    { label: 'Parameters', options: keys.params.map((k) => opt({ kind: 'param', key: k }, k)) },
    { label: 'Tags', options: keys.tags.map((k) => opt({ kind: 'tag', key: k }, k)) },
    { label: 'Attributes', options: attrs.map((a) => opt(a, a.kind === 'attr' ? a.key : '')) },
  ];
  // A group-by from a link or view whose key no loaded run has: still listed (selected).
  const cur = formatGroupParam(current);
  if (cur && !out.some((g) => g.options.some((o) => o.value === cur))) out.unshift({ label: 'Current', options: [{ value: cur, label: cur }] });
  return out.filter((g) => g.options.length > 0);
}
