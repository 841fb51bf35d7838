/**
 * Where "Compare" (sidebar link, Ctrl/Cmd+3) goes: the runs currently selected in the runs table, else the last
 * comparison (persisted in localStorage), else the empty Compare page. Small on purpose: the app shell imports it,
 * the heavy compare page does not load with it.
 */
import { create } from 'zustand';

const LAST_KEY = 'mldesk.compare.last';

export type CompareQuery = Record<string, string>;

/** Query of the last comparison that had runs, or null. */
export function lastComparison(): CompareQuery | null {
  try {
    const raw = localStorage.getItem(LAST_KEY);
    const q = raw ? (JSON.parse(raw) as Record<string, unknown>) : null;
    if (!q || typeof q !== 'object' || typeof q.runs !== 'string' || !q.runs) return null;
    return Object.fromEntries(Object.entries(q).filter((e): e is [string, string] => typeof e[1] === 'string' && e[1] !== ''));
  } catch {
    return null;
  }
}

interface CompareTargetState {
  /** The runs table's current selection (experiments shown, selected run ids in table order). */
  selection: { exp: readonly string[]; runs: readonly string[] } | null;
  /** The last comparison with runs (mirrors localStorage so links re-render when it changes). */
  last: CompareQuery | null;
}

export const useCompareTarget = create<CompareTargetState>(() => ({
  selection: null,
  last: typeof localStorage === 'undefined' ? null : lastComparison(),
}));

/** The runs table reports its selection (empty = none). */
export function setTableSelection(exp: readonly string[], runs: readonly string[]): void {
  const cur = useCompareTarget.getState().selection;
  if (runs.length === 0) {
    if (cur !== null) useCompareTarget.setState({ selection: null });
    return;
  }
  if (cur && cur.exp.join(',') === exp.join(',') && cur.runs.join(',') === runs.join(',')) return;
  useCompareTarget.setState({ selection: { exp: [...exp], runs: [...runs] } });
}

/** The compare page remembers its view query (only comparisons with runs). */
export function rememberComparison(query: Readonly<Record<string, string | null>>): void {
  if (!query.runs) return;
  const q = Object.fromEntries(Object.entries(query).filter((e): e is [string, string] => typeof e[1] === 'string' && e[1] !== ''));
  try {
    localStorage.setItem(LAST_KEY, JSON.stringify(q));
  } catch {
    // storage disabled: only this session remembers it
  }
  const cur = useCompareTarget.getState().last;
  if (!cur || JSON.stringify(cur) !== JSON.stringify(q)) useCompareTarget.setState({ last: q });
}

/**
 * The query Compare opens with: the table's selection (same experiments and runs as its Compare button; with the
 * settings of the last comparison when it had exactly these runs), else the last comparison, else none.
 */
export function compareTargetQuery(s: CompareTargetState = useCompareTarget.getState()): CompareQuery | undefined {
  if (s.selection && s.selection.runs.length > 0) {
    const runs = s.selection.runs.join(',');
    // The same runs as the last comparison: reopen it with its settings (metrics, smoothing, zoom…).
    if (s.last && s.last.runs === runs) return s.last;
    const q: CompareQuery = { runs };
    if (s.selection.exp.length > 0) q.exp = s.selection.exp.join(',');
    return q;
  }
  return s.last ?? undefined;
}
