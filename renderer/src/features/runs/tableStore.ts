import { create } from 'zustand';
import { parseColumnId } from './tableLogic';

/**
 * Per-table UI state that is not in the URL, keyed by the experiment set (`"3"`, `"1,3"`):
 * columns, widths, pins, hidden runs, collapsed groups (persisted in localStorage) and the checkbox
 * selection (in memory; mirrored to the `sel` URL parameter by the page when short).
 */
export interface TablePrefs {
  /** Column ids after the fixed run-name column; null = automatic default. */
  columns: string[] | null;
  widths: Record<string, number>;
  pinned: string[];
  hidden: string[];
  collapsed: string[];
  /** Primary metrics chosen for these experiments (the default columns show them first); empty = automatic. */
  primary: string[];
}

export const EMPTY_PREFS: TablePrefs = { columns: null, widths: {}, pinned: [], hidden: [], collapsed: [], primary: [] };
const EMPTY_SELECTION: readonly string[] = [];

const PREFIX = 'mldesk.runs.table.v2.';
/** The column chooser's storage before the comparison workspace: `{ params: [], metrics: [] }`. */
const LEGACY_PREFIX = 'mldesk.runs.columns.v1.';

const strings = (a: unknown): string[] => (Array.isArray(a) ? a.filter((x): x is string => typeof x === 'string') : []);

function readStorage(key: string): TablePrefs {
  try {
    const raw = window.localStorage.getItem(PREFIX + key);
    if (raw) {
      const v = JSON.parse(raw) as Record<string, unknown>;
      const widths: Record<string, number> = {};
      if (v.widths && typeof v.widths === 'object') {
        for (const [k, w] of Object.entries(v.widths)) if (typeof w === 'number' && Number.isFinite(w)) widths[k] = w;
      }
      return {
        columns: Array.isArray(v.columns) ? strings(v.columns).filter((id) => parseColumnId(id) !== null) : null,
        widths,
        pinned: strings(v.pinned),
        hidden: strings(v.hidden),
        collapsed: strings(v.collapsed),
        primary: strings(v.primary),
      };
    }
    const legacy = window.localStorage.getItem(LEGACY_PREFIX + key);
    if (legacy) {
      const v = JSON.parse(legacy) as { params?: unknown; metrics?: unknown };
      return {
        ...EMPTY_PREFS,
        columns: ['a:status', 'a:start', 'a:duration', 'a:user', ...strings(v.metrics).map((k) => `m:${k}`), ...strings(v.params).map((k) => `p:${k}`)],
      };
    }
  } catch {
    /* storage disabled or corrupt: defaults */
  }
  return EMPTY_PREFS;
}

function writeStorage(key: string, p: TablePrefs): void {
  try {
    window.localStorage.setItem(PREFIX + key, JSON.stringify(p));
  } catch {
    /* storage full or disabled: kept for this session */
  }
}

/** Read once per key, then served from the store (stable object identity for selectors). */
const cache = new Map<string, TablePrefs>();
function cached(key: string): TablePrefs {
  let p = cache.get(key);
  if (!p) {
    p = typeof window === 'undefined' ? EMPTY_PREFS : readStorage(key);
    cache.set(key, p);
  }
  return p;
}

interface TableState {
  prefs: Record<string, TablePrefs>;
  selection: Record<string, readonly string[]>;
  setPrefs(key: string, patch: Partial<TablePrefs>): void;
  setSelection(key: string, ids: readonly string[]): void;
}

export const useTableState = create<TableState>((set, get) => ({
  prefs: {},
  selection: {},
  setPrefs(key, patch) {
    const next = { ...(get().prefs[key] ?? cached(key)), ...patch };
    cache.set(key, next);
    writeStorage(key, next);
    set({ prefs: { ...get().prefs, [key]: next } });
  },
  setSelection(key, ids) {
    set({ selection: { ...get().selection, [key]: ids } });
  },
}));

export const usePrefs = (key: string): TablePrefs => useTableState((s) => s.prefs[key] ?? cached(key));
export const getPrefs = (key: string): TablePrefs => useTableState.getState().prefs[key] ?? cached(key);
export const useSelection = (key: string): readonly string[] => useTableState((s) => s.selection[key] ?? EMPTY_SELECTION);
export const getSelection = (key: string): readonly string[] => useTableState.getState().selection[key] ?? EMPTY_SELECTION;
