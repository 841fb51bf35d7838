/**
 * Compare view store: the view state (mirrored in the URL both ways), the compared runs, their metric keys
 * and the chart series (one entry per metric key, shared by all runs, so a live update of one key only
 * re-renders that chart).
 *
 * Lifecycle: the page calls `open()` on mount (subscribes to the router and to live events, starts a load)
 * and the returned function on unmount.
 */
import { create } from 'zustand';
import type { MetricSeries, Run, RunRow } from '../../../../shared/contract';
import { api, subscribe, type MldeskError } from '../../api/client';
import { setQuery, useRouter } from '../../app/router';
import { asMldeskError, describeError } from '../../lib/errors';
import { runStart } from './series';
import { rememberComparison } from './target';
import { DEFAULT_VIEW, parseView, viewKey, viewToQuery, type CompareView, type ZoomRange } from './url';

export type LoadStatus = 'idle' | 'loading' | 'ready' | 'error';

export interface MetricKeyInfo {
  key: string;
  /** How many of the compared runs logged it. */
  runs: number;
}

/** Series of one metric key for every compared run that logged it. */
export interface KeyData {
  /** runId → series (runs without the metric are absent). */
  series: Readonly<Record<string, MetricSeries>>;
  /** maxPoints the series were requested with (≈ chart pixel width). */
  maxPoints: number;
  /** The load the data belongs to (see CompareState.loadId). */
  loadId: number;
  status: 'loading' | 'ready' | 'error';
  error: string | null;
}

/** Full-resolution series inside a zoom window. */
export interface ZoomData {
  /** Which window: `${by}:${min}:${max}` of the request. */
  rangeKey: string;
  series: Readonly<Record<string, MetricSeries>>;
  status: 'loading' | 'ready' | 'error';
  error: string | null;
}

export interface CompareState {
  view: CompareView;
  /** Bumped on every (re)load of the runs: page open, run set change, retry. */
  loadId: number;
  runs: readonly RunRow[];
  runsStatus: LoadStatus;
  runsError: MldeskError | null;
  /** Run ids from the URL that do not exist (or are malformed). */
  missing: readonly string[];
  metricKeys: readonly MetricKeyInfo[];
  keysStatus: LoadStatus;
  data: Readonly<Record<string, KeyData>>;
  zoomData: Readonly<Record<string, ZoomData>>;
  /** key → loadId of the data the chart last finished drawing. */
  rendered: Readonly<Record<string, number>>;
  /** The load whose charts are all drawn (the 'mldesk:compare-rendered' mark was set for it). */
  readyFor: number;

  /** Merge into the view and write it to the URL (debounced for continuous inputs such as the smoothing slider). */
  setView(patch: Partial<CompareView>, opts?: { debounce?: boolean }): void;
  setZoom(key: string, range: ZoomRange | null): void;
  toggleLog(key: string): void;
  toggleHidden(runId: string): void;
  /** A chart asks for its series at about one point per pixel. */
  requestSeries(key: string, maxPoints: number): void;
  /** A zoomed chart asks for its full-resolution window. */
  requestZoom(key: string, maxPoints: number): void;
  /** A chart drew every series of `loadId`. */
  reportRendered(key: string, loadId: number): void;
  /** Reload runs, keys and series (retry button). */
  reload(): void;
  /** Start: follow the URL, live events; returns the stop function. */
  open(): () => void;
}

const RUN_ID = /^[a-zA-Z0-9][\w-]{0,255}$/;
/** Series requests in flight at once (one per metric key; HTTP/1.1 allows 6 per origin, SSE holds one). */
const MAX_IN_FLIGHT = 4;
/** Refetch only when the width changed by more than this factor. */
const WIDTH_SLACK = 1.3;
/** The contract allows 500 runs per series request. */
const SERIES_CHUNK = 500;
/** Run ids per searchRuns filter (keeps the filter well under its 10k-character limit). */
const SEARCH_CHUNK = 200;
/** Live refetch of one chart at most every … ms (≤ 2/s). */
const LIVE_MS = 500;

export const isSystemKey = (k: string): boolean => k.startsWith('system/');
const keyCollator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

// ---------------------------------------------------------------------------------------------------------------
// Derived selectors (memoized on their inputs' identity)

let shownMemo: { keys: CompareView['keys']; system: boolean; metricKeys: readonly MetricKeyInfo[]; out: readonly string[] } | null = null;
/** Metric keys that get a chart, in display order. */
export function selectShownKeys(s: Pick<CompareState, 'view' | 'metricKeys'>): readonly string[] {
  const { keys, system } = s.view;
  if (shownMemo && shownMemo.keys === keys && shownMemo.system === system && shownMemo.metricKeys === s.metricKeys) return shownMemo.out;
  const out = keys ?? s.metricKeys
    .map((m) => m.key)
    .filter((k) => system || !isSystemKey(k))
    .sort((a, b) => (isSystemKey(a) === isSystemKey(b) ? keyCollator.compare(a, b) : isSystemKey(a) ? 1 : -1));
  shownMemo = { keys, system, metricKeys: s.metricKeys, out };
  return out;
}

let foundMemo: { runs: readonly RunRow[]; out: readonly string[] } | null = null;
/** Ids of the compared runs that exist (in URL order). */
export function selectFoundIds(s: Pick<CompareState, 'runs'>): readonly string[] {
  if (foundMemo?.runs === s.runs) return foundMemo.out;
  const out = s.runs.map((r) => r.info.run_id);
  foundMemo = { runs: s.runs, out };
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Helpers

const sqlString = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** A Run (getRun) as a table row, for runs the search could not find (other experiment, no exp in the URL). */
function runToRow(r: Run): RunRow {
  return {
    info: r.info,
    params: Object.fromEntries(r.data.params.map((p) => [p.key, p.value])),
    tags: Object.fromEntries(r.data.tags.map((t) => [t.key, t.value])),
    metrics: Object.fromEntries(r.data.metrics.map((m) => [m.key, { ...m, min: null, max: null, count: 1 }])),
  };
}

/** Tiny promise pool: at most MAX_IN_FLIGHT series requests at once, FIFO. */
const queue: (() => void)[] = [];
let inFlight = 0;
function pooled<T>(fn: () => Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const start = () => {
      inFlight++;
      fn()
        .then(resolve, reject)
        .finally(() => {
          inFlight--;
          queue.shift()?.();
        });
    };
    if (inFlight < MAX_IN_FLIGHT) start();
    else queue.push(start);
  });
}

type Range = { by: 'step' | 'timestamp'; min: number; max: number };

async function fetchSeries(runIds: readonly string[], key: string, maxPoints: number, range?: Range): Promise<Record<string, MetricSeries>> {
  const out: Record<string, MetricSeries> = {};
  const parts = await Promise.all(
    chunks(runIds, SERIES_CHUNK).map((ids) => pooled(() => api.compare.series({ runIds: ids, keys: [key], maxPoints: Math.round(Math.min(20_000, Math.max(10, maxPoints))), range }))),
  );
  for (const p of parts) for (const s of p.series) if (s.key === key) out[s.runId] = s;
  return out;
}

let readyMarkedFor = -1;
function clearReady(): void {
  if (typeof document !== 'undefined') delete document.body.dataset.compareReady;
}

// ---------------------------------------------------------------------------------------------------------------

let urlTimer: ReturnType<typeof setTimeout> | null = null;
let runsSeq = 0;
let keysSeq = 0;

export const useCompare = create<CompareState>((set, get) => {
  /** View → URL (only while on the compare section). */
  const writeUrl = (debounce: boolean) => {
    if (urlTimer) clearTimeout(urlTimer);
    urlTimer = null;
    const apply = () => {
      urlTimer = null;
      if (useRouter.getState().segments[0] !== 'compare') return;
      setQuery(viewToQuery(get().view));
    };
    if (debounce) urlTimer = setTimeout(apply, 200);
    else apply();
  };

  const checkReady = () => {
    const s = get();
    if (readyMarkedFor === s.loadId) return;
    let done = false;
    if (s.runsStatus === 'error') done = true;
    else if (s.runsStatus === 'ready' && (s.view.keys !== null || s.keysStatus === 'ready' || s.keysStatus === 'error')) {
      const keys = selectShownKeys(s);
      done = s.runs.length === 0 || keys.every((k) => s.rendered[k] === s.loadId);
    }
    if (!done) return;
    readyMarkedFor = s.loadId;
    const keys = selectShownKeys(s);
    performance.mark('mldesk:compare-rendered', { detail: { loadId: s.loadId, runs: s.runs.length, charts: keys.length } });
    document.body.dataset.compareReady = '1';
    set({ readyFor: s.loadId });
  };

  const loadKeys = async (ids: readonly string[], quiet = false) => {
    const seq = ++keysSeq;
    if (!quiet) set({ keysStatus: 'loading' });
    if (ids.length === 0) {
      set({ metricKeys: [], keysStatus: 'ready' });
      checkReady();
      return;
    }
    try {
      const keys = await api.compare.metricKeys({ runIds: [...ids] });
      if (seq !== keysSeq) return;
      const prev = get().metricKeys;
      const same = prev.length === keys.length && prev.every((p, i) => p.key === keys[i]?.key && p.runs === keys[i]?.runs);
      set({ metricKeys: same ? prev : keys, keysStatus: 'ready' });
    } catch (e) {
      if (seq !== keysSeq) return;
      if (!quiet) set({ keysStatus: 'error' });
      if (!quiet) console.warn('compare.metricKeys failed:', describeError(e));
    }
    checkReady();
  };

  /** Finds the runs of the URL: a search in the given experiments, then getRun for the rest. */
  const fetchRuns = async (view: CompareView): Promise<{ rows: RunRow[]; missing: string[] }> => {
    const wanted = view.runIds.filter((id) => RUN_ID.test(id));
    const byId = new Map<string, RunRow>();
    const search = async (exps: readonly string[], ids: readonly string[]) => {
      for (const part of chunks(ids, SEARCH_CHUNK)) {
        for (const expChunk of chunks(exps, 100)) {
          const res = await api.tracking.searchRuns({
            experimentIds: expChunk,
            filter: `attributes.run_id IN (${part.map(sqlString).join(', ')})`,
            viewType: 'ALL',
            maxResults: Math.max(1, part.length),
          });
          for (const r of res.runs) byId.set(r.info.run_id, r);
        }
      }
    };
    if (view.exp.length > 0 && wanted.length > 0) await search(view.exp, wanted);
    const rest = wanted.filter((id) => !byId.has(id));
    if (rest.length > 0) {
      // Not in the given experiments: look each up (bounded concurrency), then search their experiments for full rows.
      const found = new Map<string, Run>();
      for (const part of chunks(rest, 16)) {
        const got = await Promise.all(part.map((id) => api.tracking.getRun({ runId: id }).catch(() => null)));
        for (const r of got) if (r) found.set(r.info.run_id, r);
      }
      const exps = [...new Set([...found.values()].map((r) => r.info.experiment_id))];
      if (exps.length > 0) await search(exps, [...found.keys()]).catch(() => undefined);
      for (const [id, r] of found) if (!byId.has(id)) byId.set(id, runToRow(r));
    }
    const rows = wanted.map((id) => byId.get(id)).filter((r): r is RunRow => r !== undefined);
    const missing = view.runIds.filter((id) => !byId.has(id));
    return { rows, missing };
  };

  const loadRuns = async () => {
    const seq = ++runsSeq;
    const loadId = get().loadId + 1;
    clearReady();
    const view = get().view;
    set({ loadId, runsStatus: view.runIds.length ? 'loading' : 'ready', runsError: null, rendered: {} });
    if (view.runIds.length === 0) {
      set({ runs: [], missing: [], metricKeys: [], keysStatus: 'ready', data: {}, zoomData: {} });
      return;
    }
    // Metric keys in parallel with the run lookup (unknown ids are simply not counted).
    void loadKeys(view.runIds.filter((id) => RUN_ID.test(id)));
    try {
      const { rows, missing } = await fetchRuns(view);
      if (seq !== runsSeq) return;
      // Series of runs no longer compared are dropped by the next fetch; keep the old ones on screen meanwhile.
      set({ runs: rows, missing, runsStatus: 'ready', runsError: null });
      checkReady();
    } catch (e) {
      if (seq !== runsSeq) return;
      set({ runsStatus: 'error', runsError: asMldeskError(e) });
      checkReady();
    }
  };

  /** Quiet refresh of the rows (live: status, latest metrics for the summary panels). */
  let rowsTimer: ReturnType<typeof setTimeout> | null = null;
  const refreshRowsSoon = () => {
    if (rowsTimer) return;
    rowsTimer = setTimeout(() => {
      rowsTimer = null;
      const seq = runsSeq;
      const view = get().view;
      fetchRuns(view).then(
        ({ rows, missing }) => {
          if (seq !== runsSeq || get().runsStatus !== 'ready') return;
          set({ runs: rows, missing });
        },
        () => undefined,
      );
    }, 1000);
  };
  let keysTimer: ReturnType<typeof setTimeout> | null = null;
  const refreshKeysSoon = () => {
    if (keysTimer) return;
    keysTimer = setTimeout(() => {
      keysTimer = null;
      void loadKeys(selectFoundIds(get()), true);
    }, 1000);
  };

  const zoomRange = (key: string, z: ZoomRange): Range => {
    const { view, runs, data } = get();
    if (view.x === 'step') return { by: 'step', min: Math.floor(z.min), max: Math.ceil(z.max) };
    if (view.x === 'wall') return { by: 'timestamp', min: Math.floor(z.min), max: Math.ceil(z.max) };
    // Relative: each run has its own origin; ask for the union of their windows (the chart clips).
    const base = data[key]?.series ?? {};
    let lo = Infinity;
    let hi = -Infinity;
    for (const r of runs) {
      const st = runStart(r, base[r.info.run_id]);
      lo = Math.min(lo, st);
      hi = Math.max(hi, st);
    }
    if (!Number.isFinite(lo)) lo = hi = 0;
    return { by: 'timestamp', min: Math.floor(lo + z.min), max: Math.ceil(hi + z.max) };
  };
  const rangeKey = (r: Range) => `${r.by}:${r.min}:${r.max}`;

  // Live: per metric key, the runs with new points since the last refetch.
  const live = new Map<string, { pending: Set<string>; timer: ReturnType<typeof setTimeout> | null; last: number }>();
  const flushLive = (key: string) => {
    const entry = live.get(key);
    if (!entry) return;
    entry.timer = null;
    entry.last = Date.now();
    const ids = [...entry.pending];
    entry.pending.clear();
    const s = get();
    const d = s.data[key];
    if (!d || d.status !== 'ready' || ids.length === 0) return;
    const loadId = s.loadId;
    fetchSeries(ids, key, d.maxPoints).then(
      (got) => {
        const cur = get().data[key];
        if (!cur || get().loadId !== loadId) return;
        const series = { ...cur.series };
        for (const id of ids) if (got[id]) series[id] = got[id];
        set({ data: { ...get().data, [key]: { ...cur, series } } });
      },
      () => undefined, // the next event retries
    );
    const z = s.view.zoom[key];
    const zd = s.zoomData[key];
    if (z && zd && zd.status === 'ready') {
      const range = zoomRange(key, z);
      if (rangeKey(range) !== zd.rangeKey) return;
      fetchSeries(ids, key, d.maxPoints, range).then(
        (got) => {
          const cur = get().zoomData[key];
          if (!cur || cur.rangeKey !== zd.rangeKey) return;
          const series = { ...cur.series };
          for (const id of ids) if (got[id]) series[id] = got[id];
          set({ zoomData: { ...get().zoomData, [key]: { ...cur, series } } });
        },
        () => undefined,
      );
    }
  };
  const onMetricsLogged = (p: { run_id: string; keys: readonly string[] }) => {
    const s = get();
    if (!s.view.runIds.includes(p.run_id) || s.runsStatus !== 'ready') return;
    if (!selectFoundIds(s).includes(p.run_id)) {
      refreshRowsSoon(); // a run that did not exist yet when the page loaded
      return;
    }
    refreshRowsSoon();
    const known = new Set(s.metricKeys.map((m) => m.key));
    const shown = new Set(selectShownKeys(s));
    let unknown = false;
    for (const key of p.keys) {
      if (!known.has(key)) unknown = true;
      if (!shown.has(key)) continue;
      let entry = live.get(key);
      if (!entry) live.set(key, (entry = { pending: new Set(), timer: null, last: 0 }));
      entry.pending.add(p.run_id);
      if (entry.timer) continue;
      const wait = entry.last + LIVE_MS - Date.now();
      if (wait <= 0) flushLive(key);
      else entry.timer = setTimeout(() => flushLive(key), wait);
    }
    if (unknown) refreshKeysSoon();
  };

  /** The last comparison with runs, offered again by the empty page (sidebar → Compare). */
  const remember = (v: CompareView) => {
    if (v.runIds.length > 0) rememberComparison(viewToQuery(v));
  };

  const applyQuery = (query: Readonly<Record<string, string>>) => {
    const next = parseView(query);
    const prev = get().view;
    if (viewKey(next) === viewKey(prev)) return;
    if (urlTimer) {
      clearTimeout(urlTimer);
      urlTimer = null;
    }
    set({ view: next });
    remember(next);
    if (next.runIds.join(',') !== prev.runIds.join(',') || next.exp.join(',') !== prev.exp.join(',')) void loadRuns();
    else checkReady();
  };

  return {
    view: DEFAULT_VIEW,
    loadId: 0,
    runs: [],
    runsStatus: 'idle',
    runsError: null,
    missing: [],
    metricKeys: [],
    keysStatus: 'idle',
    data: {},
    zoomData: {},
    rendered: {},
    readyFor: -1,

    setView(patch, opts = {}) {
      const prev = get().view;
      const next: CompareView = { ...prev, ...patch };
      // Zoom windows are in x units: a new x mode starts unzoomed.
      if (patch.x !== undefined && patch.x !== prev.x && patch.zoom === undefined) next.zoom = {};
      if (viewKey(next) === viewKey(prev)) return;
      set({ view: next });
      remember(next);
      writeUrl(opts.debounce ?? false);
      if (next.runIds.join(',') !== prev.runIds.join(',') || next.exp.join(',') !== prev.exp.join(',')) void loadRuns();
      else checkReady();
    },

    setZoom(key, range) {
      const zoom = { ...get().view.zoom };
      if (range) zoom[key] = range;
      else delete zoom[key];
      get().setView({ zoom });
    },

    toggleLog(key) {
      const log = get().view.log;
      get().setView({ log: log.includes(key) ? log.filter((k) => k !== key) : [...log, key] });
    },

    toggleHidden(runId) {
      const hidden = get().view.hidden;
      get().setView({ hidden: hidden.includes(runId) ? hidden.filter((k) => k !== runId) : [...hidden, runId] });
    },

    requestSeries(key, maxPoints) {
      const s = get();
      // While the runs are still being looked up, ask optimistically for every id of the URL (an unknown id
      // fails the request: it is asked again with the runs that exist once they are known).
      const optimistic = s.runsStatus === 'loading';
      if (s.runsStatus !== 'ready' && !optimistic) return;
      const d = s.data[key];
      if (d && d.loadId === s.loadId) {
        if (d.status === 'error' && d.maxPoints === maxPoints) return; // retry goes through reload()
        if (d.status !== 'error' && maxPoints <= d.maxPoints * WIDTH_SLACK && maxPoints >= d.maxPoints / WIDTH_SLACK) return;
      }
      const ids = optimistic ? s.view.runIds.filter((id) => RUN_ID.test(id)) : selectFoundIds(s);
      const loadId = s.loadId;
      set({ data: { ...s.data, [key]: { series: d?.series ?? {}, maxPoints, loadId, status: 'loading', error: null } } });
      if (ids.length === 0) {
        set({ data: { ...get().data, [key]: { series: {}, maxPoints, loadId, status: 'ready', error: null } } });
        return;
      }
      const current = () => {
        const cur = get().data[key];
        return get().loadId === loadId && cur !== undefined && cur.maxPoints === maxPoints && cur.loadId === loadId ? cur : null;
      };
      fetchSeries(ids, key, maxPoints).then(
        (series) => {
          if (!current()) return;
          set({ data: { ...get().data, [key]: { series, maxPoints, loadId, status: 'ready', error: null } } });
        },
        (e: unknown) => {
          const cur = current();
          if (!cur) return;
          if (optimistic) {
            // Forget it: the chart asks again once the runs are known.
            const data = { ...get().data };
            if (cur.series && Object.keys(cur.series).length) data[key] = { ...cur, loadId: -1, status: 'ready' };
            else delete data[key];
            set({ data });
            if (get().runsStatus === 'ready') get().requestSeries(key, maxPoints);
            return;
          }
          set({ data: { ...get().data, [key]: { ...cur, status: 'error', error: describeError(e) } } });
        },
      );
    },

    requestZoom(key, maxPoints) {
      const s = get();
      const z = s.view.zoom[key];
      if (!z || s.runsStatus !== 'ready') return;
      const range = zoomRange(key, z);
      const rk = rangeKey(range);
      const zd = s.zoomData[key];
      if (zd && zd.rangeKey === rk) return;
      const ids = selectFoundIds(s);
      set({ zoomData: { ...s.zoomData, [key]: { rangeKey: rk, series: {}, status: 'loading', error: null } } });
      if (ids.length === 0) return;
      fetchSeries(ids, key, maxPoints, range).then(
        (series) => {
          if (get().zoomData[key]?.rangeKey !== rk) return;
          set({ zoomData: { ...get().zoomData, [key]: { rangeKey: rk, series, status: 'ready', error: null } } });
        },
        (e: unknown) => {
          if (get().zoomData[key]?.rangeKey !== rk) return;
          set({ zoomData: { ...get().zoomData, [key]: { rangeKey: rk, series: {}, status: 'error', error: describeError(e) } } });
        },
      );
    },

    reportRendered(key, loadId) {
      if (get().rendered[key] === loadId) return;
      set({ rendered: { ...get().rendered, [key]: loadId } });
      checkReady();
    },

    reload() {
      set({ data: {}, zoomData: {} });
      void loadRuns();
    },

    open() {
      const route = useRouter.getState();
      const initial = parseView(route.query);
      // Another comparison than last time: do not flash the previous one while loading.
      const same = initial.runIds.join(',') === get().view.runIds.join(',');
      set({ view: initial, zoomData: {}, ...(same ? {} : { runs: [], missing: [], metricKeys: [], data: {}, rendered: {} }) });
      remember(initial);
      void loadRuns();
      const offRouter = useRouter.subscribe((r) => {
        if (r.segments[0] === 'compare') applyQuery(r.query);
      });
      const offLive = subscribe('tracking.metricsLogged', onMetricsLogged);
      const offRuns = subscribe('tracking.runChanged', (p) => {
        if (get().view.runIds.includes(p.run_id)) refreshRowsSoon();
      });
      return () => {
        offRouter();
        offLive();
        offRuns();
        for (const e of live.values()) if (e.timer) clearTimeout(e.timer);
        live.clear();
        if (rowsTimer) clearTimeout(rowsTimer);
        if (keysTimer) clearTimeout(keysTimer);
        rowsTimer = keysTimer = null;
        if (urlTimer) clearTimeout(urlTimer);
        urlTimer = null;
        runsSeq++;
        keysSeq++;
        clearReady();
        set({ runsStatus: 'idle', keysStatus: 'idle' });
      };
    },
  };
});
