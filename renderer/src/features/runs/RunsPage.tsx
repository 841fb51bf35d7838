import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { LaunchedRun } from '../../../../shared/contract';
import { DownloadIcon, PlusIcon, RefreshIcon } from '../../app/icons';
import { useReadyWhen } from '../../app/ready';
import { navigate, setQuery, useQueryParam, useRouter } from '../../app/router';
import { toast } from '../../app/toasts';
import { isModalOpen } from '../../ui/modalStack';
import { Spinner } from '../../ui/Spinner';
import { useProjects } from '../projects';
import { useTrackingUri } from './appInfo';
import { ColumnChooser } from './ColumnChooser';
import { collectKeys, defaultChoice, loadColumnChoice, nextSort, parseSortParam, saveColumnChoice, sortToOrderBy, type ColumnChoice, type SortEntity } from './columns';
import { exportRunsCsv } from './csv';
import { ExperimentsList } from './ExperimentsList';
import { FilterBox, type FilterBoxHandle } from './FilterBox';
import { numberFormat } from './format';
import { NewExperimentDialog } from './NewExperimentDialog';
import { NewRunDialog, type NewRunDefaults } from './NewRunDialog';
import { useRunDetail } from './detailStore';
import { RunDetail } from './RunDetail';
import { buildColumns } from './runColumns';
import { RunsEmpty } from './RunsEmpty';
import { RunsTable } from './RunsTable';
import { queryKey, useExperiments, useExperimentsSync, useRuns, useRunsLive, type RunsQuery, type ViewType } from './store';

type DialogState = { kind: 'experiment' } | { kind: 'run'; defaults: NewRunDefaults } | null;

const VIEWS: Record<string, ViewType> = { active: 'ACTIVE_ONLY', deleted: 'DELETED_ONLY', all: 'ALL' };

function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  const tag = target.tagName;
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
  if (tag !== 'INPUT') return false;
  return !['checkbox', 'radio', 'button', 'submit', 'reset', 'range', 'color', 'file'].includes((target as HTMLInputElement).type);
}

/** Runs of the selected experiment: filter, sort, columns, export, live updates. */
function RunsView({
  experimentId,
  experimentName,
  running,
  runCount,
  onNewRun,
  onDemo,
  trackingUri,
}: {
  experimentId: string;
  experimentName: string;
  running: number;
  /** Active runs in the experiment (exact, from the experiments list). */
  runCount: number | undefined;
  onNewRun: () => void;
  onDemo: () => void;
  trackingUri: string | null | undefined;
}) {
  const filter = useQueryParam('q') ?? '';
  const sortParam = useQueryParam('sort');
  const viewParam = useQueryParam('view') ?? 'active';
  const viewType = VIEWS[viewParam] ?? 'ACTIVE_ONLY';
  const sort = useMemo(() => parseSortParam(sortParam), [sortParam]);
  const orderBy = useMemo(() => (sort ? [sortToOrderBy(sort)] : []), [sort]);
  const query = useMemo<RunsQuery>(() => ({ experimentId, filter, orderBy, viewType }), [experimentId, filter, orderBy, viewType]);
  const key = queryKey(query);

  const rows = useRuns((s) => s.rows);
  const total = useRuns((s) => s.total);
  const loaded = useRuns((s) => s.loaded && s.query?.experimentId === experimentId);
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

  // Columns: the saved choice for this experiment, else a default from the keys seen.
  const keys = useMemo(() => collectKeys(rows), [rows]);
  const [saved, setSaved] = useState<{ exp: string; choice: ColumnChoice | null }>(() => ({ exp: experimentId, choice: loadColumnChoice(experimentId) }));
  const savedChoice = saved.exp === experimentId ? saved.choice : loadColumnChoice(experimentId);
  if (saved.exp !== experimentId) setSaved({ exp: experimentId, choice: savedChoice });
  const choice = useMemo(() => savedChoice ?? defaultChoice(keys), [savedChoice, keys]);
  const columns = useMemo(() => buildColumns(choice), [choice]);
  const onChoice = (c: ColumnChoice | null) => {
    saveColumnChoice(experimentId, c);
    setSaved({ exp: experimentId, choice: c });
  };

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

  const onSort = useCallback((entity: SortEntity, k: string) => {
    const next = nextSort(parseSortParam(useRouter.getState().query.sort), entity, k);
    setQuery({ sort: next ? sortToOrderBy(next) : null });
  }, []);
  const onOpen = useCallback((runId: string) => {
    useRuns.setState({ lastOpened: runId });
    setQuery({ run: runId, tab: null }, { replace: false });
  }, []);
  const onLoadMore = useCallback(() => void useRuns.getState().loadMore(), []);

  const exportCsv = async () => {
    setExporting(true);
    try {
      const all = await useRuns.getState().loadAll();
      exportRunsCsv(experimentName, columns, all);
      toast.success(`Exported ${numberFormat.format(all.length)} run${all.length === 1 ? '' : 's'} to CSV`);
    } catch (e) {
      toast.error(e, 'Could not export runs');
    } finally {
      setExporting(false);
    }
  };

  const stale = loading && shownKey !== key;
  // The server's total is exact only once every page is loaded; unfiltered, the experiment's count is exact.
  const exactTotal = !hasMore ? rows.length : !filter && viewType === 'ACTIVE_ONLY' && runCount !== undefined ? runCount : null;
  const countLabel = exactTotal !== null ? numberFormat.format(exactTotal) : `${numberFormat.format(rows.length)}+`;
  const isEmpty = loaded && !loading && rows.length === 0 && total === 0 && !filter && viewType === 'ACTIVE_ONLY' && !error;

  return (
    <div className="runs-main">
      <header className="runs-head">
        <div className="page-title-group">
          <h1 className="page-title truncate" title={experimentName}>
            {experimentName}
          </h1>
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
          <ColumnChooser keys={keys} choice={choice} isDefault={savedChoice === null} onChange={onChoice} />
          <button type="button" className="button" onClick={() => void exportCsv()} disabled={rows.length === 0 || exporting} data-testid="btn-export-runs-csv" title="Export the visible columns of all matching runs">
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
          <FilterBox ref={filterRef} value={filter} onApply={(f) => setQuery({ q: f || null })} />
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
            <RunsEmpty experimentName={experimentName} trackingUri={trackingUri} onNewRun={onNewRun} onDemo={onDemo} />
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
            ) : viewType === 'DELETED_ONLY' ? (
              'No deleted runs.'
            ) : (
              'No runs.'
            )}
          </div>
        ) : (
          <RunsTable
            key={experimentId}
            rows={rows}
            columns={columns}
            sort={sort}
            onSort={onSort}
            onOpen={onOpen}
            hasMore={hasMore}
            loadingMore={loadingMore}
            onLoadMore={onLoadMore}
            scrollKey={key}
            selectedId={lastOpened}
          />
        )}
      </div>
    </div>
  );
}

export default function RunsPage() {
  useExperimentsSync();
  const trackingUri = useTrackingUri();
  const experiments = useExperiments((s) => s.experiments);
  const loaded = useExperiments((s) => s.loaded);
  const expError = useExperiments((s) => s.error);
  const expParam = useQueryParam('exp');
  const runParam = useQueryParam('run');
  const [dialog, setDialog] = useState<DialogState>(null);
  useReadyWhen(loaded && (experiments.length === 0 || expError !== null));
  // Live table updates stay on while a run is open, so coming back needs no reload…
  useRunsLive(expParam ?? null);
  // …but after leaving the section the cached rows may be stale: refetch on the next visit.
  useEffect(() => () => useRuns.getState().invalidate(), []);

  // A run link without its experiment: fill it in once the run is known (selects it in the list).
  const runExperiment = useRunDetail((s) => (runParam && s.runId === runParam ? s.run?.info.experiment_id : undefined));
  useEffect(() => {
    if (!expParam && runExperiment !== undefined) setQuery({ exp: runExperiment });
  }, [expParam, runExperiment]);

  // No experiment in the URL: pick the most recently active one.
  const first = experiments[0]?.experiment_id;
  useEffect(() => {
    if (!expParam && !runParam && first !== undefined) setQuery({ exp: first });
  }, [expParam, runParam, first]);

  const current = experiments.find((e) => e.experiment_id === expParam);
  const experimentName = current?.name ?? (expParam !== undefined ? `Experiment ${expParam}` : '');

  const closeRun = useCallback(() => setQuery({ run: null, tab: null }, { replace: false }), []);

  // Esc closes the run detail (dialogs handle their own Escape first).
  useEffect(() => {
    if (!runParam) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape' || e.defaultPrevented || isModalOpen()) return;
      if (isTyping(e.target)) {
        (e.target as HTMLElement).blur();
        return;
      }
      e.preventDefault();
      closeRun();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [runParam, closeRun]);

  const selectExperiment = (id: string) => navigate('/runs', { exp: id });
  const openNewRun = (defaults: NewRunDefaults = {}) => setDialog({ kind: 'run', defaults: { experimentName: current?.name, ...defaults } });
  const onLaunched = (run: LaunchedRun) => {
    setDialog(null);
    toast.success(`Started run ${run.runId.slice(0, 8)} (pid ${run.pid})`);
    void useExperiments.getState().load();
    navigate('/runs', { exp: run.experimentId, run: run.runId });
  };
  const onDemo = async () => {
    const p = await useProjects.getState().createDemo();
    if (p) openNewRun({ projectId: p.id, command: 'node train.mjs', experimentName: current && current.name !== 'Default' ? current.name : 'credit-risk' });
  };

  return (
    <div className="runs-page">
      <ExperimentsList selectedId={expParam} onSelect={selectExperiment} onNew={() => setDialog({ kind: 'experiment' })} trackingUri={trackingUri} />
      {runParam ? (
        <RunDetail key={runParam} runId={runParam} onClose={closeRun} />
      ) : expParam !== undefined ? (
        <RunsView
          experimentId={expParam}
          experimentName={experimentName}
          running={current?.running_count ?? 0}
          runCount={current?.run_count}
          onNewRun={() => openNewRun()}
          onDemo={() => void onDemo()}
          trackingUri={trackingUri}
        />
      ) : (
        <div className="runs-main">
          <div className="page-loading">{loaded ? <span className="muted">Select an experiment</span> : <Spinner label="Loading experiments" size={16} />}</div>
        </div>
      )}
      {dialog?.kind === 'experiment' ? (
        <NewExperimentDialog
          onClose={() => setDialog(null)}
          onDone={(id, name) => {
            setDialog(null);
            toast.success(`Created experiment “${name}”`);
            selectExperiment(id);
          }}
        />
      ) : null}
      {dialog?.kind === 'run' ? <NewRunDialog defaults={dialog.defaults} onClose={() => setDialog(null)} onDone={onLaunched} /> : null}
    </div>
  );
}
