import { useEffect, useMemo } from 'react';
import { create } from 'zustand';
import { assignRunColors, RUN_PALETTE, runColorOf, trimAssigned } from '../../../shared/lib/runColors';

/** The run colour palette (20 colours; see shared/lib/runColors). */
export const PALETTE = RUN_PALETTE;

const STORAGE_KEY = 'mldesk.runColors.v2';
/** Before remembered assignments: overrides only. */
const LEGACY_KEY = 'mldesk.runColors';
/** Remembered assignments kept (newest first survive). */
const MAX_ASSIGNED = 5000;

interface RunColorsState {
  /** Colours the user picked. */
  overrides: Record<string, string>;
  /** Colours given to runs in earlier views (distinct inside each view), so a run keeps its colour everywhere. */
  assigned: Record<string, string>;
  setColor(runId: string, color: string | null): void;
  /** Remember colours a view assigned. */
  remember(assigned: Readonly<Record<string, string>>): void;
  /** Replace all overrides (e.g. when a saved view is applied). */
  load(overrides: Record<string, string>): void;
}

const isColor = (x: unknown): x is string => typeof x === 'string' && /^#[0-9a-f]{3,8}$/i.test(x);
function colorRecord(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (v && typeof v === 'object' && !Array.isArray(v)) for (const [k, c] of Object.entries(v)) if (isColor(c)) out[k] = c;
  return out;
}

function read(): { overrides: Record<string, string>; assigned: Record<string, string> } {
  try {
    const raw = localStorage.getItem(STORAGE_KEY);
    if (raw) {
      const v = JSON.parse(raw) as { overrides?: unknown; assigned?: unknown };
      return { overrides: colorRecord(v.overrides), assigned: colorRecord(v.assigned) };
    }
    const legacy = localStorage.getItem(LEGACY_KEY);
    return { overrides: legacy ? colorRecord(JSON.parse(legacy)) : {}, assigned: {} };
  } catch {
    return { overrides: {}, assigned: {} };
  }
}

function write(s: { overrides: Record<string, string>; assigned: Record<string, string> }): void {
  try {
    localStorage.setItem(STORAGE_KEY, JSON.stringify({ overrides: s.overrides, assigned: s.assigned }));
  } catch {
    // storage full or disabled: colours stay for this session
  }
}

const initial = typeof localStorage === 'undefined' ? { overrides: {}, assigned: {} } : read();

export const useRunColors = create<RunColorsState>((set, get) => ({
  overrides: initial.overrides,
  assigned: initial.assigned,
  setColor(runId, color) {
    const overrides = { ...get().overrides };
    if (color) overrides[runId] = color;
    else delete overrides[runId];
    set({ overrides });
    write({ overrides, assigned: get().assigned });
  },
  remember(patch) {
    const keys = Object.keys(patch);
    if (keys.length === 0) return;
    const next = { ...get().assigned };
    // Re-inserted so the newest assignments are the last ones (trimAssigned keeps those).
    for (const k of keys) {
      delete next[k];
      next[k] = patch[k] as string;
    }
    const assigned = trimAssigned(next, MAX_ASSIGNED);
    set({ assigned });
    write({ overrides: get().overrides, assigned });
  },
  load(overrides) {
    set({ overrides: { ...overrides } });
    write({ overrides: get().overrides, assigned: get().assigned });
  },
}));

/** The colour to draw a run with outside a view (user override, else remembered, else derived from the id). */
export function runColor(runId: string, overrides: Readonly<Record<string, string>>, assigned: Readonly<Record<string, string>> = useRunColors.getState().assigned): string {
  return runColorOf(runId, { overrides, assigned });
}

/**
 * Distinct colours for the runs of one view (≤ 20 runs: the compared runs, a short table, the selection), in view
 * order; new assignments are remembered so every page shows the same colour for a run. Returns `colorOf(runId)`
 * for any run (runs outside the view get their own colour).
 */
export function useViewColors(runIds: readonly string[]): (runId: string) => string {
  const overrides = useRunColors((s) => s.overrides);
  const assigned = useRunColors((s) => s.assigned);
  const idsKey = runIds.join(',');
  const view = useMemo(() => assignRunColors(idsKey ? idsKey.split(',') : [], { overrides, assigned }), [idsKey, overrides, assigned]);
  useEffect(() => {
    if (Object.keys(view.assigned).length > 0) useRunColors.getState().remember(view.assigned);
  }, [view]);
  return useMemo(() => (id: string) => view.colors.get(id) ?? runColorOf(id, { overrides, assigned }), [view, overrides, assigned]);
}
