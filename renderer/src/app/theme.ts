import { create } from 'zustand';

export type ThemeMode = 'system' | 'light' | 'dark';
export type ResolvedTheme = 'light' | 'dark';

const STORAGE_KEY = 'mldesk.theme';
const media = typeof window !== 'undefined' && window.matchMedia ? window.matchMedia('(prefers-color-scheme: dark)') : null;

function readStored(): ThemeMode {
  try {
    const v = window.localStorage.getItem(STORAGE_KEY);
    return v === 'light' || v === 'dark' || v === 'system' ? v : 'system';
  } catch {
    return 'system'; // storage may be disabled
  }
}

const systemTheme = (): ResolvedTheme => (media?.matches ? 'dark' : 'light');
const resolve = (mode: ThemeMode): ResolvedTheme => (mode === 'system' ? systemTheme() : mode);

/** The mode the toggle goes to next (see `cycle`). */
export function nextMode(mode: ThemeMode, system: ResolvedTheme = systemTheme()): ThemeMode {
  const opposite: ResolvedTheme = system === 'dark' ? 'light' : 'dark';
  if (mode === 'system') return opposite;
  return mode === opposite ? system : 'system';
}

function apply(theme: ResolvedTheme): void {
  const root = document.documentElement;
  root.dataset.theme = theme;
  root.style.colorScheme = theme;
}

interface ThemeState {
  mode: ThemeMode;
  resolved: ResolvedTheme;
  setMode(mode: ThemeMode): void;
  /**
   * system → light → dark → system when the OS is dark; system → dark → light → system when
   * it is light, so leaving "system" always changes what is on screen.
   */
  cycle(): void;
}

export const useTheme = create<ThemeState>((set, get) => ({
  mode: 'system',
  resolved: 'light',
  setMode(mode) {
    try {
      if (mode === 'system') window.localStorage.removeItem(STORAGE_KEY);
      else window.localStorage.setItem(STORAGE_KEY, mode);
    } catch {
      /* not persisted, still applied */
    }
    const resolved = resolve(mode);
    apply(resolved);
    set({ mode, resolved });
  },
  cycle() {
    get().setMode(nextMode(get().mode));
  },
}));

/** Applies the stored theme before the first render and follows OS changes while in system mode. */
export function initTheme(): void {
  const mode = readStored();
  const resolved = resolve(mode);
  apply(resolved);
  useTheme.setState({ mode, resolved });
  media?.addEventListener('change', () => {
    if (useTheme.getState().mode !== 'system') return;
    const next = systemTheme();
    apply(next);
    useTheme.setState({ resolved: next });
  });
  // Another window changed the theme.
  window.addEventListener('storage', (e) => {
    if (e.key !== STORAGE_KEY) return;
    const next = readStored();
    apply(resolve(next));
    useTheme.setState({ mode: next, resolved: resolve(next) });
  });
}
