import { useEffect } from 'react';
import { create } from 'zustand';
import { navigate } from './router';
import { sections } from './sections';
import { isModalOpen } from '../ui/modalStack';

export const isMac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);

/** 'Mod+1' → '⌘1' on macOS, 'Ctrl+1' elsewhere. */
export function formatShortcut(shortcut: string): string {
  return shortcut
    .split('+')
    .map((k) => (k === 'Mod' ? (isMac ? '⌘' : 'Ctrl') : k === 'Shift' ? (isMac ? '⇧' : 'Shift') : k === 'Alt' ? (isMac ? '⌥' : 'Alt') : k))
    .join(isMac ? '' : '+');
}

/** Everything the help overlay lists; sections add theirs automatically. */
export function shortcutList(): { keys: string; action: string }[] {
  return [
    ...sections.filter((s) => s.shortcut).map((s) => ({ keys: formatShortcut(s.shortcut ?? ''), action: s.target?.help ?? `Go to ${s.label}` })),
    { keys: '?', action: 'Show keyboard shortcuts' },
    { keys: 'Esc', action: 'Close dialog (Monitoring: close the distribution overlay)' },
    { keys: '[  ]', action: 'Monitoring: previous / next window' },
    { keys: '←↑↓→', action: 'Monitoring heat-map: move between cells (Enter opens one)' },
    { keys: 'j  k', action: 'Data diff: next / previous change' },
  ];
}

export const useShortcutsHelp = create<{ open: boolean }>(() => ({ open: false }));
export const openShortcutsHelp = () => useShortcutsHelp.setState({ open: true });
export const closeShortcutsHelp = () => useShortcutsHelp.setState({ open: false });

function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  const tag = target.tagName;
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
  if (tag !== 'INPUT') return false;
  const type = (target as HTMLInputElement).type;
  return !['checkbox', 'radio', 'button', 'submit', 'reset', 'range', 'color', 'file'].includes(type);
}

/** App-wide keys: Ctrl/Cmd+1..9 switch sections, '?' toggles the help overlay. */
export function useGlobalShortcuts(): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.isComposing) return;
      const mod = e.ctrlKey || e.metaKey;
      if (mod && !e.altKey && !e.shiftKey && /^[1-9]$/.test(e.key)) {
        if (isModalOpen()) return;
        const section = sections[Number(e.key) - 1];
        if (!section) return;
        e.preventDefault();
        navigate(section.path, section.target?.query());
        return;
      }
      if (e.key === '?' && !e.ctrlKey && !e.metaKey && !e.altKey && !isTyping(e.target)) {
        if (isModalOpen() && !useShortcutsHelp.getState().open) return;
        e.preventDefault();
        useShortcutsHelp.setState((s) => ({ open: !s.open }));
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
