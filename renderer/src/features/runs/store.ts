import { useEffect } from 'react';
import { create } from 'zustand';
import type { Output, RunRow } from '../../../../shared/contract';
import { api, subscribe, type MldeskError } from '../../api/client';
import { toast } from '../../app/toasts';
import { asMldeskError } from '../../lib/errors';
import { rowComparator } from './columns';
import { andFilters, STAR_TAG, STARRED_CLAUSE } from './tableLogic';
import { throttled } from './throttle';

export type ExperimentItem = Output<'tracking.listExperiments'>[number];
export type ViewType = 'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL';

/** Runs are fetched in pages of this size as the table scrolls. */
export const PAGE_SIZE = 1000;

// ---------------------------------------------------------------------------------------------------------------
// Experiments

interface ExperimentsState {
  experiments: readonly ExperimentItem[];
  loaded: boolean;
  loading: boolean;
  error: MldeskError | null;
  load(): Promise<void>;
  /** Throws MldeskError so the dialog can show it inline. */
  create(name: string): Promise<string>;
}

let expSeq = 0;

export const useExperiments = create<ExperimentsState>((set, get) => ({
  experiments: [],
  loaded: false,
  loading: false,
  error: null,
  async load() {
    const seq = ++expSeq;
    set({ loading: true });
    try {
      const experiments = await api.tracking.listExperiments({ viewType: 'ACTIVE_ONLY' });
      if (seq !== expSeq) return;
      set({ experiments, loaded: true, loading: false, error: null });
    } catch (e) {
      if (seq !== expSeq) return;
      const error = asMldeskError(e);
      set({ loaded: true, loading: false, error });
      toast.error(error, 'Could not load experiments');
    }
  },
  async create(name) {
    const exp = await api.tracking.createExperiment({ name }).catch((e: unknown) => {
      throw asMldeskError(e);
    });
    await get().load();
    return exp.experiment_id;
  },
}));

// ---------------------------------------------------------------------------------------------------------------
// Runs of one or more experiments (the table)

export interface RunsQuery {
  experimentIds: readonly string[];
  /** The user's filter (URL `q`); errors point into it. */
  filter: string;
  orderBy: readonly string[];
  viewType: ViewType;
  /** Only runs tagged mldesk.starred = 'true' (appended to the filter server-side). */
  starredOnly: boolean;
}

export const queryKey = (q: RunsQuery): string => JSON.stringify([q.experimentIds, q.filter, q.orderBy, q.viewType, q.starredOnly]);
export const experimentsKey = (ids: readonly string[]): string => ids.join(',');

/** The filter sent to the server: the user's, then the "starred only" clause (so error offsets stay valid). */
export const effectiveFilter = (q: RunsQuery): string => andFilters(q.filter, q.starredOnly ? STARRED_CLAUSE : '');

/** A filter the server rejected, with the offending span (0-based UTF-16 offsets). */
export interface FilterError {
  filter: string;
  message: string;
  position: number;
  length: number;
}

interface RunsState {
  /** The query the rows belong to (the last one that loaded successfully). */
  query: RunsQuery | null;
  /** The query most recently asked for (may still be loading, or have failed). */
  requested: string;
  rows: readonly RunRow[];
  total: number;
  nextPageToken: string | undefined;
  loaded: boolean;
  loading: boolean;
  loadingMore: boolean;
  error: MldeskError | null;
  filterError: FilterError | null;
  /** The run last opened from the table (highlighted when coming back). */
  lastOpened: string | null;

  load(q: RunsQuery, opts?: { force?: boolean }): Promise<void>;
  loadMore(): Promise<void>;
  /** Fetches every remaining page (for CSV export); resolves to all rows. */
  loadAll(): Promise<readonly RunRow[]>;
  /** Re-reads the given runs and merges them into the table (live updates). */
  refreshRuns(ids: readonly string[]): Promise<void>;
  clearFilterError(): void;
  /** Stars / unstars a run (tag mldesk.starred) optimistically; on failure restores the server's state and throws. */
  setStarred(runId: string, starred: boolean): Promise<void>;
  /** Forget which query is loaded so the next load() refetches (live updates stop while the page is away). */
  invalidate(): void;
}

let runsSeq = 0;

/** Table scroll offset per query key, restored when coming back from a run (not state: no re-renders). */
export const scrollMemory = new Map<string, number>();

function filterErrorFrom(e: MldeskError, filter: string): FilterError | null {
  if (e.code !== 'INVALID_INPUT') return null;
  const d = (e.details ?? {}) as { position?: unknown; length?: unknown };
  if (typeof d.position !== 'number') return null;
  return {
    filter,
    message: e.message.replace(/^Invalid filter at position \d+:\s*/, ''),
    position: d.position,
    length: typeof d.length === 'number' ? d.length : 0,
  };
}

const sqlString = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

export const useRuns = create<RunsState>((set, get) => ({
  query: null,
  requested: '',
  rows: [],
  total: 0,
  nextPageToken: undefined,
  loaded: false,
  loading: false,
  loadingMore: false,
  error: null,
  filterError: null,
  lastOpened: null,

  async load(q, opts = {}) {
    const key = queryKey(q);
    if (!opts.force && key === get().requested && (get().loading || get().loaded)) return;
    const seq = ++runsSeq;
    const prev = get().query;
    const sameExperiment = prev !== null && experimentsKey(prev.experimentIds) === experimentsKey(q.experimentIds);
    // A different experiment starts from a blank table; a new filter/sort keeps the old rows until the answer arrives.
    set({ requested: key, loading: true, error: null, ...(sameExperiment ? {} : { rows: [], total: 0, nextPageToken: undefined, loaded: false, query: null }) });
    try {
      const res = await api.tracking.searchRuns({
        experimentIds: [...q.experimentIds],
        filter: effectiveFilter(q),
        orderBy: [...q.orderBy],
        viewType: q.viewType,
        maxResults: PAGE_SIZE,
      });
      if (seq !== runsSeq) return;
      set({ query: q, rows: res.runs, total: res.total, nextPageToken: res.nextPageToken, loaded: true, loading: false, error: null, filterError: null });
    } catch (e) {
      if (seq !== runsSeq) return;
      const error = asMldeskError(e);
      const fe = filterErrorFrom(error, q.filter);
      if (fe) {
        // Keep the previous results on screen; the filter box shows the error inline.
        set({ loading: false, loaded: true, filterError: fe });
        return;
      }
      set({ loading: false, loaded: true, error });
      toast.error(error, 'Could not load runs');
    }
  },

  async loadMore() {
    const { query, nextPageToken, loadingMore, loading } = get();
    if (!query || !nextPageToken || loadingMore || loading) return;
    const seq = runsSeq;
    set({ loadingMore: true });
    try {
      const res = await api.tracking.searchRuns({
        experimentIds: [...query.experimentIds],
        filter: effectiveFilter(query),
        orderBy: [...query.orderBy],
        viewType: query.viewType,
        maxResults: PAGE_SIZE,
        pageToken: nextPageToken,
      });
      if (seq !== runsSeq) return;
      // Offsets shift when runs are created meanwhile: skip rows we already have.
      const have = new Set(get().rows.map((r) => r.info.run_id));
      const fresh = res.runs.filter((r) => !have.has(r.info.run_id));
      set({ rows: [...get().rows, ...fresh], total: res.total, nextPageToken: res.nextPageToken, loadingMore: false });
    } catch (e) {
      if (seq !== runsSeq) return;
      set({ loadingMore: false });
      toast.error(e, 'Could not load more runs');
    }
  },

  async loadAll() {
    for (let guard = 0; guard < 200 && get().nextPageToken; guard++) {
      const before = get().rows.length;
      const token = get().nextPageToken;
      if (get().loadingMore) await new Promise((r) => setTimeout(r, 50));
      else await get().loadMore();
      if (get().rows.length === before && get().nextPageToken === token && !get().loadingMore) break; // failed
    }
    return get().rows;
  },

  async refreshRuns(ids) {
    const { query } = get();
    if (!query || ids.length === 0) return;
    const seq = runsSeq;
    const filter = andFilters(effectiveFilter(query), `attributes.run_id IN (${ids.map(sqlString).join(', ')})`);
    let found: RunRow[];
    try {
      const res = await api.tracking.searchRuns({
        experimentIds: [...query.experimentIds],
        filter,
        orderBy: [...query.orderBy],
        viewType: query.viewType,
        maxResults: Math.max(1, ids.length),
      });
      found = res.runs;
    } catch {
      return; // a live refresh failing is not worth a toast; the next event retries
    }
    if (seq !== runsSeq || get().query !== query) return;
    const byId = new Map(found.map((r) => [r.info.run_id, r]));
    const cmp = rowComparator(query.orderBy);
    const { nextPageToken } = get();
    let rows = [...get().rows];
    for (const id of ids) {
      const i = rows.findIndex((r) => r.info.run_id === id);
      const row = byId.get(id);
      if (i >= 0) rows.splice(i, 1);
      if (!row) continue;
      // Place it where the server would; past the loaded range it belongs to a page not fetched yet.
      let at = rows.findIndex((r) => cmp(row, r) < 0);
      if (at < 0) {
        if (nextPageToken && i < 0) continue;
        at = rows.length;
      }
      rows.splice(at, 0, row);
    }
    if (rows.length === get().rows.length && rows.every((r, k) => r === get().rows[k])) rows = get().rows as RunRow[];
    // With every page loaded the count is exact; otherwise keep the server's figure.
    set({ rows, ...(nextPageToken ? {} : { total: rows.length }) });
  },

  clearFilterError() {
    if (get().filterError) set({ filterError: null });
  },

  async setStarred(runId, starred) {
    const patch = (on: boolean) => {
      const { rows, query } = get();
      const i = rows.findIndex((r) => r.info.run_id === runId);
      if (i < 0) return;
      const row = rows[i] as RunRow;
      const tags = { ...row.tags };
      if (on) tags[STAR_TAG] = 'true';
      else delete tags[STAR_TAG];
      const next = [...rows];
      // Unstarred while showing starred runs only: it no longer matches.
      if (!on && query?.starredOnly) next.splice(i, 1);
      else next[i] = { ...row, tags };
      set({ rows: next });
    };
    patch(starred);
    try {
      if (starred) await api.tracking.setTag({ runId, key: STAR_TAG, value: 'true' });
      else await api.tracking.deleteTag({ runId, key: STAR_TAG });
    } catch (e) {
      // Back to what the server has.
      if (get().rows.some((r) => r.info.run_id === runId)) patch(!starred);
      else void get().refreshRuns([runId]);
      throw asMldeskError(e);
    }
  },

  invalidate() {
    set({ requested: '' });
  },
}));

/**
 * Keeps the experiments list current: loads on mount, reloads (≤ 2/s) when experiments change
 * or runs are created / change status (counts and running indicators).
 */
export function useExperimentsSync(): void {
  useEffect(() => {
    void useExperiments.getState().load();
    const reload = throttled(() => void useExperiments.getState().load(), 500);
    const offs = [subscribe('tracking.experimentsChanged', reload.call), subscribe('tracking.runChanged', reload.call)];
    return () => {
      offs.forEach((off) => off());
      reload.cancel();
    };
  }, []);
}

/**
 * Live table: runs created / changed / logging metrics in the experiments (`"1,3"`) are re-read and merged in,
 * batched to at most two refreshes per second.
 */
export function useRunsLive(experimentIds: string | null): void {
  useEffect(() => {
    if (!experimentIds) return;
    const ids = new Set(experimentIds.split(','));
    const pending = new Set<string>();
    const flush = throttled(() => {
      const ids = [...pending];
      pending.clear();
      for (let i = 0; i < ids.length; i += 200) void useRuns.getState().refreshRuns(ids.slice(i, i + 200));
    }, 500);
    const onEvent = (p: { run_id: string; experiment_id: string }) => {
      if (!ids.has(p.experiment_id)) return;
      pending.add(p.run_id);
      flush.call();
    };
    const offs = [subscribe('tracking.runChanged', onEvent), subscribe('tracking.metricsLogged', onEvent)];
    return () => {
      offs.forEach((off) => off());
      flush.cancel();
    };
  }, [experimentIds]);
}
