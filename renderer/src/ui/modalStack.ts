import { create } from 'zustand';

/**
 * Open modal dialogs, topmost last. The shell makes the page inert while any is open, global
 * shortcuts pause, and one window-level listener routes Escape / Tab to the topmost dialog,
 * even when focus has fallen to <body> (e.g. the focused button became disabled).
 */
export interface ModalEntry {
  panel: () => HTMLElement | null;
  /** Escape / backdrop; the dialog decides whether it may close right now. */
  requestClose: () => void;
}

export const useModalStack = create<{ depth: number }>(() => ({ depth: 0 }));
const stack: ModalEntry[] = [];

const FOCUSABLE =
  'a[href], button:not([disabled]), input:not([disabled]):not([type="hidden"]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

export function focusables(root: HTMLElement): HTMLElement[] {
  return [...root.querySelectorAll<HTMLElement>(FOCUSABLE)].filter((el) => !el.closest('[inert]') && el.getClientRects().length > 0);
}

function onKeyDown(e: KeyboardEvent): void {
  const top = stack[stack.length - 1];
  const panel = top?.panel();
  if (!top || !panel) return;
  if (e.key === 'Escape') {
    e.preventDefault();
    e.stopPropagation();
    top.requestClose();
    return;
  }
  if (e.key !== 'Tab') return;
  const items = focusables(panel);
  const first = items[0];
  const last = items[items.length - 1];
  const active = document.activeElement;
  if (!first || !last) {
    e.preventDefault();
    panel.focus();
  } else if (!(active instanceof Node) || !panel.contains(active)) {
    e.preventDefault();
    (e.shiftKey ? last : first).focus();
  } else if (e.shiftKey && (active === first || active === panel)) {
    e.preventDefault();
    last.focus();
  } else if (!e.shiftKey && active === last) {
    e.preventDefault();
    first.focus();
  }
}

/** Registers an open dialog; returns the function that unregisters it. */
export function pushModal(entry: ModalEntry): () => void {
  if (stack.length === 0) window.addEventListener('keydown', onKeyDown, true);
  stack.push(entry);
  useModalStack.setState({ depth: stack.length });
  return () => {
    const i = stack.indexOf(entry);
    if (i < 0) return;
    stack.splice(i, 1);
    useModalStack.setState({ depth: stack.length });
    if (stack.length === 0) window.removeEventListener('keydown', onKeyDown, true);
  };
}

export const isModalOpen = (): boolean => stack.length > 0;
