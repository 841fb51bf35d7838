import { create } from 'zustand';

/** Tableau-like palette that reads on light and dark backgrounds. */
export const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#5b8ff9', '#d4a017', '#2ca58d', '#c75dab', '#8c6d31', '#3d5a80', '#ee6c4d'];

/** Stable default color of a run id (hash → palette), so a run keeps its color across pages and reloads. */
export function defaultRunColor(runId: string): string {
  let h = 2166136261;
  for (let i = 0; i < runId.length; i++) h = Math.imul(h ^ runId.charCodeAt(i), 16777619);
  return PALETTE[(h >>> 0) % PALETTE.length]!;
}

const STORAGE_KEY = 'mldesk.runColors';

interface RunColorsState {
  overrides: Record<string, string>;
  setColor(runId: string, color: string | null): void;
  /** Replace all overrides (e.g. when a saved view is applied). */
  load(overrides: Record<string, string>): void;
}

function read(): Record<string, string> {
  try {
    const raw = localStorage.getItem(STORAGE_KEY);
    return raw ? (JSON.parse(raw) as Record<string, string>) : {};
  } catch {
    return {};
  }
}

export const useRunColors = create<RunColorsState>((set, get) => ({
  overrides: typeof localStorage === 'undefined' ? {} : read(),
  setColor(runId, color) {
    const next = { ...get().overrides };
    if (color) next[runId] = color;
    else delete next[runId];
    set({ overrides: next });
    try {
      localStorage.setItem(STORAGE_KEY, JSON.stringify(next));
    } catch {
      // storage full or disabled: colors stay for this session
    }
  },
  load(overrides) {
    set({ overrides: { ...overrides } });
  },
}));

/** The color to draw a run with (user override, else the stable default). */
export function runColor(runId: string, overrides: Record<string, string>): string {
  return overrides[runId] ?? defaultRunColor(runId);
}
