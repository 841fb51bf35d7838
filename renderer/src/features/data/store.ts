import { useEffect } from 'react';
import { create } from 'zustand';
import type { DatasetVersion, DiffResult, DiffRow, FileRef, Output, Pointer, Profile, ValidationReportT } from '../../../../shared/contract';
import { api, subscribe, type MldeskError } from '../../api/client';
import { toast } from '../../app/toasts';
import { asMldeskError } from '../../lib/errors';
import { toDraft, type DatasetItem, type DiffKind, type Expectations, type ExpectationsDraft } from './logic';

/** One remote value: `data` stays while a reload is in flight. */
export interface Remote<T> {
  data: T | null;
  loading: boolean;
  error: MldeskError | null;
}
const idle = <T>(): Remote<T> => ({ data: null, loading: false, error: null });

export const datasetKey = (projectId: string, path: string): string => `${projectId}\u0000${path}`;
/** Cache key of a profile: a version's content never changes; the working file is reloaded on demand. */
export const profileKey = (ref: FileRef): string => ('file' in ref ? `file\u0000${ref.file}` : `${ref.projectId}\u0000${ref.path}\u0000${ref.version ?? ''}`);

export type AddResult = Output<'data.add'>;
export type DataStatus = Output<'data.status'>;

interface DataState {
  /** By project id. */
  datasets: Record<string, Remote<DatasetItem[]>>;
  /** By datasetKey. */
  versions: Record<string, Remote<DatasetVersion[]>>;
  /** By profileKey. */
  profiles: Record<string, Remote<Profile>>;
  /** `data status` by project id: current / modified / missing / not-cached / not-added per dataset. */
  status: Record<string, Remote<DataStatus>>;

  loadDatasets(projectId: string): Promise<void>;
  loadVersions(projectId: string, path: string): Promise<void>;
  /** Loads once per key unless `force` (the working file may have changed). */
  loadProfile(ref: FileRef, force?: boolean): Promise<void>;
  /** Throws MldeskError (the dialog shows it inline). */
  add(projectId: string, path: string): Promise<AddResult>;
  /** Quiet: a failed status shows no badges, not a toast. */
  loadStatus(projectId: string): Promise<void>;
  /** Throws MldeskError (the confirm dialog shows it inline); `force` overwrites local changes (after the user confirmed). */
  checkout(projectId: string, path: string, version: string, force?: boolean): Promise<Pointer>;
}

const seqs = new Map<string, number>();
const nextSeq = (k: string): number => {
  const n = (seqs.get(k) ?? 0) + 1;
  seqs.set(k, n);
  return n;
};
const isCurrent = (k: string, n: number): boolean => seqs.get(k) === n;

export const useData = create<DataState>((set, get) => {
  /** Shared loader: sequence-guarded so a slow, older answer never overwrites a newer one. */
  async function load<K extends 'datasets' | 'versions' | 'profiles' | 'status'>(
    slot: K,
    key: string,
    fetch: () => Promise<NonNullable<DataState[K][string]['data']>>,
    context: string,
    quiet = false,
  ): Promise<void> {
    const seqKey = `${slot}\u0001${key}`;
    const n = nextSeq(seqKey);
    const prev = (get()[slot] as Record<string, Remote<unknown>>)[key] ?? idle();
    set({ [slot]: { ...get()[slot], [key]: { ...prev, loading: true } } } as Partial<DataState>);
    try {
      const data = await fetch();
      if (!isCurrent(seqKey, n)) return;
      set({ [slot]: { ...get()[slot], [key]: { data, loading: false, error: null } } } as Partial<DataState>);
    } catch (e) {
      if (!isCurrent(seqKey, n)) return;
      const error = asMldeskError(e);
      const cur = (get()[slot] as Record<string, Remote<unknown>>)[key] ?? idle();
      set({ [slot]: { ...get()[slot], [key]: { ...cur, loading: false, error } } } as Partial<DataState>);
      if (!quiet) toast.error(error, context);
    }
  }

  return {
    datasets: {},
    versions: {},
    profiles: {},
    status: {},

    loadDatasets: (projectId) => load('datasets', projectId, () => api.data.datasets({ projectId }), 'Could not load datasets'),
    loadStatus: (projectId) => load('status', projectId, () => api.data.status({ projectId }), 'Could not load the data status', true),
    loadVersions: (projectId, path) => load('versions', datasetKey(projectId, path), () => api.data.versions({ projectId, path }), `Could not load the versions of ${path}`),
    async loadProfile(ref, force = false) {
      const key = profileKey(ref);
      const cur = get().profiles[key];
      if (!force && cur && (cur.data || cur.loading)) return;
      // Profile errors are shown in place (e.g. a malformed working file), not as toasts.
      await load('profiles', key, () => api.data.profile({ ref }), 'Could not profile the data', true);
    },

    async add(projectId, path) {
      const r = await api.data.add({ projectId, path }).catch((e: unknown) => {
        throw asMldeskError(e);
      });
      // The caller opens the new dataset next: have it in the list first.
      await Promise.all([get().loadDatasets(projectId), get().loadVersions(projectId, r.pointer.path)]);
      return r;
    },

    async checkout(projectId, path, version, force = false) {
      const p = await api.data.checkout({ projectId, path, version, ...(force ? { force } : {}) }).catch((e: unknown) => {
        throw asMldeskError(e);
      });
      // The working file changed: drop its cached profile.
      const key = profileKey({ projectId, path });
      const { [key]: _dropped, ...rest } = get().profiles;
      set({ profiles: rest });
      void get().loadDatasets(projectId);
      return p;
    },
  };
});

/**
 * Loads the project's datasets (and the open dataset's versions) and reloads them when the engine announces a
 * change to the project (`data add` from the CLI, a commit from another window…); bursts are coalesced.
 */
export function useDatasetsSync(projectId: string | undefined, path: string | undefined): void {
  useEffect(() => {
    if (!projectId) return;
    void useData.getState().loadDatasets(projectId);
    let timer: ReturnType<typeof setTimeout> | null = null;
    const unsubscribe = subscribe('projects.changed', ({ id }) => {
      if (id !== null && id !== projectId) return;
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => {
        timer = null;
        const s = useData.getState();
        void s.loadDatasets(projectId);
        if (path) void s.loadVersions(projectId, path);
      }, 200);
    });
    return () => {
      unsubscribe();
      if (timer) clearTimeout(timer);
    };
  }, [projectId, path]);
  useEffect(() => {
    if (projectId && path) void useData.getState().loadVersions(projectId, path);
  }, [projectId, path]);
}

// ---------- diff ----------

export interface DiffParams {
  projectId: string;
  path: string;
  /** Commit, or undefined for the working file. */
  a: string | undefined;
  b: string | undefined;
  key: string[];
  kinds: DiffKind[];
  column: string | undefined;
  offset: number;
}

export const PAGE_SIZE = 100;
export const diffParamsKey = (p: DiffParams): string => JSON.stringify([p.projectId, p.path, p.a ?? null, p.b ?? null, p.key, p.kinds, p.column ?? null, p.offset]);

interface DiffState {
  /** Params of the current (or in-flight) request. */
  params: DiffParams | null;
  result: DiffResult | null;
  /** Params `result` answers (the previous page stays on screen while the next loads). */
  resultParams: DiffParams | null;
  loading: boolean;
  error: MldeskError | null;
  run(p: DiffParams): Promise<void>;
  clear(): void;
}

let diffSeq = 0;
const ref = (p: DiffParams, v: string | undefined): FileRef => (v ? { projectId: p.projectId, path: p.path, version: v } : { projectId: p.projectId, path: p.path });

export const useDiff = create<DiffState>((set) => ({
  params: null,
  result: null,
  resultParams: null,
  loading: false,
  error: null,
  async run(p) {
    const n = ++diffSeq;
    set({ params: p, loading: true, error: null });
    try {
      const result = await api.data.diff({ a: ref(p, p.a), b: ref(p, p.b), key: p.key, kinds: p.kinds, offset: p.offset, limit: PAGE_SIZE, ...(p.column ? { column: p.column } : {}) });
      if (n !== diffSeq) return;
      set({ result, resultParams: p, loading: false });
    } catch (e) {
      if (n !== diffSeq) return;
      const error = asMldeskError(e);
      set({ loading: false, error, result: null, resultParams: null });
      toast.error(error, 'Diff failed');
    }
  },
  clear() {
    diffSeq++;
    set({ params: null, result: null, resultParams: null, loading: false, error: null });
  },
}));

/** Rows per request of a full export (the contract's largest page). */
export const EXPORT_PAGE_SIZE = 1000;
/** Most diff rows one export fetches: 100 requests, a CSV of tens of MB at most. */
export const EXPORT_MAX_ROWS = 100_000;

/**
 * Every row of the diff `p` describes (its kinds and column filter; `p.offset` is ignored), up to `max`, in pages of
 * EXPORT_PAGE_SIZE. The engine keeps the computed diff cached, so each page is a cheap slice, not a new diff.
 * `total` is how many rows match (may exceed `rows.length` when capped). Throws MldeskError.
 */
export async function fetchDiffRows(
  p: DiffParams,
  onProgress: (fetched: number, expected: number) => void,
  max: number = EXPORT_MAX_ROWS,
): Promise<{ rows: DiffRow[]; key: string[]; total: number }> {
  const rows: DiffRow[] = [];
  let total = 0;
  let key = p.key;
  try {
    for (;;) {
      const limit = Math.min(EXPORT_PAGE_SIZE, max - rows.length);
      if (limit <= 0) break;
      const r = await api.data.diff({ a: ref(p, p.a), b: ref(p, p.b), key: p.key, kinds: p.kinds, offset: rows.length, limit, ...(p.column ? { column: p.column } : {}) });
      total = r.samples.total;
      key = r.key;
      rows.push(...r.samples.rows);
      onProgress(rows.length, Math.min(total, max));
      // An empty page ends it too: the file may have changed under a working-file diff.
      if (r.samples.rows.length === 0 || rows.length >= total) break;
    }
  } catch (e) {
    throw asMldeskError(e);
  }
  return { rows, key, total };
}

// ---------- expectations & validation ----------

export interface ValidationState {
  loading: boolean;
  error: MldeskError | null;
  committed: boolean;
  /** The version the expectations were inferred from (undefined = latest / working file). */
  loaded: Expectations | null;
  /** Version the expectations were inferred from (when not committed). */
  inferredFrom: string | null;
  draft: ExpectationsDraft | null;
  dirty: boolean;
  saving: boolean;
  savedCommit: string | null;
  validating: boolean;
  report: ValidationReportT | null;
  /** What the report is about: a commit, 'working', or 'file:<path>' (another dataset). */
  reportTarget: string | null;
  reportError: MldeskError | null;
}

const emptyValidation: ValidationState = {
  loading: false,
  error: null,
  committed: false,
  loaded: null,
  inferredFrom: null,
  draft: null,
  dirty: false,
  saving: false,
  savedCommit: null,
  validating: false,
  report: null,
  reportTarget: null,
  reportError: null,
};

interface ValidationStore {
  /** By datasetKey: edits survive switching tabs. */
  byDataset: Record<string, ValidationState>;
  /**
   * Committed expectations, else ones inferred from `inferFrom` (a version; the working file when undefined).
   * The engine infers whenever a version is passed, so pass it only when nothing is committed.
   */
  load(projectId: string, path: string, opts?: { force?: boolean; inferFrom?: string }): Promise<void>;
  edit(projectId: string, path: string, draft: ExpectationsDraft): void;
  reset(projectId: string, path: string): void;
  save(projectId: string, path: string, expectations: Expectations): Promise<string | null>;
  /**
   * Validates a version of the dataset (working file when undefined), or `otherPath` (another file of the project).
   * `rowCount`: `band` when the expectations are the file's own, `batch` when they are another dataset's
   * (default: batch for `otherPath`, else band).
   */
  validate(projectId: string, path: string, version: string | undefined, expectations: Expectations, otherPath?: string, rowCount?: 'band' | 'batch'): Promise<void>;
}

export const useValidation = create<ValidationStore>((set, get) => {
  const patch = (key: string, p: Partial<ValidationState>) => set({ byDataset: { ...get().byDataset, [key]: { ...(get().byDataset[key] ?? emptyValidation), ...p } } });
  const seq = new Map<string, number>();
  return {
    byDataset: {},
    async load(projectId, path, opts = {}) {
      const key = datasetKey(projectId, path);
      const cur = get().byDataset[key];
      if (!opts.force && cur?.loading) return;
      // Loaded already: keep it (and any edits) unless it came from another source than asked for now.
      const sameSource = cur?.committed ? opts.inferFrom === undefined : (cur?.inferredFrom ?? undefined) === opts.inferFrom;
      if (!opts.force && cur?.loaded && (cur.dirty || sameSource)) return;
      const n = (seq.get(key) ?? 0) + 1;
      seq.set(key, n);
      patch(key, { loading: true, error: null });
      try {
        const r = await api.data.expectations(opts.inferFrom ? { projectId, path, version: opts.inferFrom } : { projectId, path });
        if (seq.get(key) !== n) return;
        patch(key, { loading: false, committed: r.committed, inferredFrom: r.committed ? null : (opts.inferFrom ?? null), loaded: r.expectations, draft: toDraft(r.expectations), dirty: false });
      } catch (e) {
        if (seq.get(key) !== n) return;
        const error = asMldeskError(e);
        patch(key, { loading: false, error });
        toast.error(error, 'Could not load expectations');
      }
    },
    edit(projectId, path, draft) {
      patch(datasetKey(projectId, path), { draft, dirty: true });
    },
    reset(projectId, path) {
      const cur = get().byDataset[datasetKey(projectId, path)];
      if (cur?.loaded) patch(datasetKey(projectId, path), { draft: toDraft(cur.loaded), dirty: false });
    },
    async save(projectId, path, expectations) {
      const key = datasetKey(projectId, path);
      patch(key, { saving: true });
      try {
        const { commit } = await api.data.saveExpectations({ projectId, path, expectations });
        patch(key, { saving: false, committed: true, inferredFrom: null, loaded: expectations, draft: toDraft(expectations), dirty: false, savedCommit: commit });
        void useData.getState().loadDatasets(projectId);
        return commit;
      } catch (e) {
        patch(key, { saving: false });
        toast.error(e, 'Could not save expectations');
        return null;
      }
    },
    async validate(projectId, path, version, expectations, otherPath, rowCount) {
      const key = datasetKey(projectId, path);
      const reportTarget = otherPath ? `file:${otherPath}` : (version ?? 'working');
      patch(key, { validating: true, reportError: null });
      try {
        const target = otherPath ? { projectId, path: otherPath } : version ? { projectId, path, version } : { projectId, path };
        const report = await api.data.validate({ target, expectations, rowCount: rowCount ?? (otherPath ? 'batch' : 'band') });
        patch(key, { validating: false, report, reportTarget });
      } catch (e) {
        const error = asMldeskError(e);
        patch(key, { validating: false, report: null, reportTarget, reportError: error });
        toast.error(error, 'Validation failed to run');
      }
    },
  };
});

export const useValidationFor = (projectId: string, path: string): ValidationState => useValidation((s) => s.byDataset[datasetKey(projectId, path)] ?? emptyValidation);
