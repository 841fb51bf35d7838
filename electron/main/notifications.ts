import { BrowserWindow, Notification } from 'electron';
import type { TopicPayload } from '../../shared/contract';
import { IPC_NAVIGATE_CHANNEL, isAppHash } from '../../shared/contract/bridge';
import type { EventBus } from '../core/events';

type AlertEvent = TopicPayload<'monitor.alert'>;

/**
 * The in-app location of an alert: its deployment's Monitoring tab with the window that fired it selected and that
 * feature's overlay open (the same `#/deployments?…` the web UI's alert links build; keys sorted like buildHash).
 */
export function alertHash(a: Pick<AlertEvent, 'id' | 'deployment' | 'window' | 'metric' | 'column'>): string {
  const feature = a.column ?? (a.metric.startsWith('feature_drift:') ? a.metric.slice('feature_drift:'.length) : null);
  const q: Record<string, string> = { alert: a.id, name: a.deployment, tab: 'monitoring', window: String(a.window) };
  if (feature) q.feature = feature;
  const params = new URLSearchParams();
  for (const k of Object.keys(q).sort()) params.set(k, q[k]!);
  return `#/deployments?${params.toString()}`;
}

function clip(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

/**
 * A desktop notification for every alert that fires; a click brings the window to the front and opens the alert's
 * chart point through the preload's navigation channel (a fixed channel carrying an in-app hash, never a free-form one).
 * Returns the unsubscribe.
 */
export function startAlertNotifications(events: EventBus, window: () => BrowserWindow | null): () => void {
  // Notifications are kept referenced until closed: one collected early loses its click handler.
  const shown = new Set<Notification>();
  const off = events.subscribe('monitor.alert', (a) => {
    if (a.change !== 'fired' || !Notification.isSupported()) return;
    const n = new Notification({ title: clip(`Alert on ${a.deployment}`, 120), body: clip(a.message, 400), silent: false });
    shown.add(n);
    const forget = () => shown.delete(n);
    n.on('close', forget);
    n.on('failed', forget);
    n.on('click', () => {
      forget();
      const w = window() ?? BrowserWindow.getAllWindows()[0] ?? null;
      if (!w || w.isDestroyed()) return;
      if (w.isMinimized()) w.restore();
      w.show();
      w.focus();
      const hash = alertHash(a);
      if (isAppHash(hash)) w.webContents.send(IPC_NAVIGATE_CHANNEL, hash);
    });
    n.show();
  });
  return () => {
    off();
    for (const n of shown) n.close();
    shown.clear();
  };
}
