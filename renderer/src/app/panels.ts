/**
 * Collapsible side panels (the app sidebar, the runs page's experiments list). Each is collapsed when the user
 * said so, else automatically when the window is narrow (≤ 1100 px), so the runs table keeps its room at 1024 px.
 * The user's choice is remembered (localStorage).
 */
import { useEffect } from 'react';
import { create } from 'zustand';

export type PanelId = 'sidebar' | 'experiments';

const STORAGE_KEY = 'mldesk.panels.v1';
export const NARROW_QUERY = '(max-width: 1100px)';

interface PanelsState {
  /** true = collapsed, false = expanded, missing = automatic. */
  choice: Partial<Record<PanelId, boolean>>;
  narrow: boolean;
}

function readChoice(): Partial<Record<PanelId, boolean>> {
  try {
    const v = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? '{}') as Record<string, unknown>;
    const out: Partial<Record<PanelId, boolean>> = {};
    for (const id of ['sidebar', 'experiments'] as const) if (typeof v[id] === 'boolean') out[id] = v[id];
    return out;
  } catch {
    return {};
  }
}

const matchNarrow = () => typeof window !== 'undefined' && typeof window.matchMedia === 'function' && window.matchMedia(NARROW_QUERY).matches;

export const usePanels = create<PanelsState>(() => ({
  choice: typeof localStorage === 'undefined' ? {} : readChoice(),
  narrow: matchNarrow(),
}));

export const isCollapsed = (s: PanelsState, id: PanelId): boolean => s.choice[id] ?? s.narrow;
export const usePanelCollapsed = (id: PanelId): boolean => usePanels((s) => isCollapsed(s, id));

export function togglePanel(id: PanelId): void {
  const s = usePanels.getState();
  const next = !isCollapsed(s, id);
  // Back to automatic when the choice matches what the window width would do anyway.
  const choice = { ...s.choice };
  if (next === s.narrow) delete choice[id];
  else choice[id] = next;
  usePanels.setState({ choice });
  try {
    localStorage.setItem(STORAGE_KEY, JSON.stringify(choice));
  } catch {
    // storage disabled: this session only
  }
}

/** Follows the window width (call once, in the app shell). */
export function usePanelsWidthSync(): void {
  useEffect(() => {
    if (typeof window.matchMedia !== 'function') return;
    const mq = window.matchMedia(NARROW_QUERY);
    const on = () => usePanels.setState({ narrow: mq.matches });
    on();
    mq.addEventListener('change', on);
    return () => mq.removeEventListener('change', on);
  }, []);
}
