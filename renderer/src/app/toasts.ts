import { create } from 'zustand';
import { asMldeskError } from '../lib/errors';

export type ToastLevel = 'info' | 'success' | 'warn' | 'error';

export interface Toast {
  id: number;
  level: ToastLevel;
  message: string;
  /** Error code for engine errors (NOT_FOUND, UNAVAILABLE, …). */
  code?: string;
  /** Short context: "Could not remove project". */
  title?: string;
  /** A link shown under the message (e.g. an alert's chart point); following it dismisses the toast. */
  action?: { label: string; href: string };
  /** Overrides the default `toast` test id (e.g. `alert-toast`). */
  testId?: string;
}

export type ToastInput = Omit<Toast, 'id'> & { /** ms; 0 keeps it until dismissed. */ timeout?: number };

const MAX_TOASTS = 5;
const DEFAULT_TIMEOUT: Record<ToastLevel, number> = { info: 5000, success: 4000, warn: 8000, error: 10_000 };

interface ToastState {
  toasts: readonly Toast[];
  push(t: ToastInput): number;
  dismiss(id: number): void;
  clear(): void;
}

let nextId = 1;
const timers = new Map<number, ReturnType<typeof setTimeout>>();

export const useToasts = create<ToastState>((set, get) => ({
  toasts: [],
  push({ timeout, ...toast }) {
    const id = nextId++;
    // Collapse exact repeats (e.g. the same failure from a retry loop) into one toast.
    const dup = get().toasts.find((t) => t.level === toast.level && t.message === toast.message && t.code === toast.code && t.title === toast.title);
    if (dup) get().dismiss(dup.id);
    const toasts = [...get().toasts, { id, ...toast }];
    const overflow = toasts.slice(0, Math.max(0, toasts.length - MAX_TOASTS));
    overflow.forEach((t) => clearTimer(t.id));
    set({ toasts: toasts.slice(-MAX_TOASTS) });
    const ms = timeout ?? DEFAULT_TIMEOUT[toast.level];
    if (ms > 0) timers.set(id, setTimeout(() => get().dismiss(id), ms));
    return id;
  },
  dismiss(id) {
    clearTimer(id);
    set({ toasts: get().toasts.filter((t) => t.id !== id) });
  },
  clear() {
    get().toasts.forEach((t) => clearTimer(t.id));
    set({ toasts: [] });
  },
}));

function clearTimer(id: number): void {
  const t = timers.get(id);
  if (t !== undefined) clearTimeout(t);
  timers.delete(id);
}

/** Shorthands usable outside React (stores, event handlers). */
export const toast = {
  info: (message: string, title?: string) => useToasts.getState().push({ level: 'info', message, title }),
  success: (message: string, title?: string) => useToasts.getState().push({ level: 'success', message, title }),
  warn: (message: string, title?: string) => useToasts.getState().push({ level: 'warn', message, title }),
  /** Shows an api error with its code and message. */
  error: (e: unknown, title?: string) => {
    const err = asMldeskError(e);
    return useToasts.getState().push({ level: 'error', code: err.code, message: err.message, title });
  },
};

/** Pauses auto-dismiss while the user hovers or focuses a toast. */
export function holdToast(id: number): void {
  clearTimer(id);
}
export function releaseToast(id: number, ms = 4000): void {
  clearTimer(id);
  if (useToasts.getState().toasts.some((t) => t.id === id)) timers.set(id, setTimeout(() => useToasts.getState().dismiss(id), ms));
}
