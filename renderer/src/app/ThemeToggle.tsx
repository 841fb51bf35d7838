import { MonitorIcon, MoonIcon, SunIcon } from './icons';
import { nextMode, useTheme, type ThemeMode } from './theme';

const LABEL: Record<ThemeMode, string> = { system: 'System', light: 'Light', dark: 'Dark' };

/** Cycles system → light/dark → the other → system (see theme.ts `cycle`). */
export function ThemeToggle() {
  const mode = useTheme((s) => s.mode);
  const cycle = useTheme((s) => s.cycle);
  useTheme((s) => s.resolved); // re-render when the OS theme flips (it changes the next step)
  const Icon = mode === 'light' ? SunIcon : mode === 'dark' ? MoonIcon : MonitorIcon;
  const title = `Theme: ${LABEL[mode]} (click for ${LABEL[nextMode(mode)]})`;
  return (
    <button type="button" className="sidebar-footer-button" onClick={cycle} title={title} aria-label={title} data-testid="theme-toggle" data-theme-mode={mode}>
      <Icon />
      <span className="sidebar-footer-label">{LABEL[mode]}</span>
    </button>
  );
}
