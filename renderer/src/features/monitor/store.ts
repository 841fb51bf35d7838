import { useEffect, useMemo, useRef, useState } from 'react';
import { create } from 'zustand';
import type { Alert, MonitorConfig, MonitorWindow, Output, ReferenceInfo } from '../../../../shared/contract';
import { api, hostKind, subscribe } from '../../api/client';
import { toast, useToasts } from '../../app/toasts';
import { asMldeskError } from '../../lib/errors';
import { alertHref, featureList, mergeWindows, metricLabel } from './format';

type Err = { code: string; message: string };
const errOf = (e: unknown): Err => {
  const m = asMldeskError(e);
  return { code: m.code, message: m.message };
};

// ---------- alerts: one app-wide list, live through `monitor.alert` ----------

interface AlertsState {
  alerts: Alert[];
  loaded: boolean;
  error: Err | null;
  /** Alert ids being acknowledged / resolved right now. */
  busy: Record<string, true>;
  load(): Promise<void>;
  upsert(a: Alert): void;
  setState(id: string, state: 'acknowledged' | 'resolved'): Promise<void>;
}

let alertsSeq = 0;

export const useAlerts = create<AlertsState>((set, get) => ({
  alerts: [],
  loaded: false,
  error: null,
  busy: {},
  async load() {
    const mine = ++alertsSeq;
    try {
      const list = await api.monitor.alerts({ limit: 500 });
      if (mine !== alertsSeq) return;
      // Events that arrived while loading are newer than the list: keep them.
      const live = new Map(get().alerts.map((a) => [a.id, a]));
      const merged = list.map((a) => {
        const l = live.get(a.id);
        return l && l.updatedAt > a.updatedAt ? l : a;
      });
      for (const l of live.values()) if (!merged.some((a) => a.id === l.id)) merged.push(l);
      set({ alerts: merged, loaded: true, error: null });
    } catch (e) {
      if (mine === alertsSeq) set({ loaded: true, error: errOf(e) });
    }
  },
  upsert(a) {
    const cur = get().alerts;
    const i = cur.findIndex((x) => x.id === a.id);
    if (i >= 0 && cur[i]!.updatedAt > a.updatedAt) return;
    set({ alerts: i >= 0 ? cur.map((x, j) => (j === i ? a : x)) : [a, ...cur] });
  },
  async setState(id, state) {
    set({ busy: { ...get().busy, [id]: true } });
    try {
      await api.monitor.updateAlert({ id, state });
      const a = get().alerts.find((x) => x.id === id);
      if (a) get().upsert({ ...a, state, updatedAt: Math.max(Date.now(), a.updatedAt + 1) });
    } catch (e) {
      toast.error(e, `Could not ${state === 'resolved' ? 'resolve' : 'acknowledge'} the alert`);
    } finally {
      const { [id]: _done, ...rest } = get().busy;
      set({ busy: rest });
    }
  },
}));

/** Open (not acknowledged, not resolved) alerts, optionally of one deployment. */
export const useOpenAlertCount = (deployment?: string): number =>
  useAlerts((s) => s.alerts.reduce((n, a) => n + (a.state === 'open' && (deployment === undefined || a.deployment === deployment) ? 1 : 0), 0));

/**
 * App-wide: loads the alert list once and follows `monitor.alert`. In web mode a newly fired alert becomes a toast
 * linking to its chart point; the desktop app shows a system notification instead (electron/main/notifications.ts).
 */
export function useAlertFeed(): void {
  useEffect(() => {
    void useAlerts.getState().load();
    return subscribe('monitor.alert', ({ change, ...a }) => {
      const known = useAlerts.getState().alerts.find((x) => x.id === a.id);
      useAlerts.getState().upsert(a);
      if (change === 'fired' && !known && hostKind === 'web') {
        useToasts.getState().push({
          level: 'warn',
          title: `Alert on ${a.deployment}: ${metricLabel(a.metric)}`,
          message: a.message,
          action: { label: 'Show the chart point', href: alertHref(a) },
          timeout: 15_000,
          testId: 'alert-toast',
        });
      }
    });
  }, []);
}

// ---------- one deployment's monitoring: overview + live windows ----------

export type Overview = Output<'monitor.overview'>;

export interface MonitorView {
  config: MonitorConfig | null;
  /** The reference in use (null until resolved). */
  reference: ReferenceInfo | null;
  windows: MonitorWindow[];
  features: string[];
  records: number;
  loading: boolean;
  error: Err | null;
  /** When the last live window update arrived (ms), null before any. */
  liveAt: number | null;
  reload(): void;
}

/** How often buffered `monitor.window` updates are applied (charts re-render at most this often). */
const FLUSH_MS = 400;
const WINDOWS = 100;
/**
 * A safety net, not the live path: events published while the event stream reconnects are lost, so the last few
 * windows are read again this often (only while the page is visible).
 */
const RESYNC_MS = 30_000;
const RESYNC_WINDOWS = 3;

/**
 * A deployment's monitoring data: `monitor.overview` once, then `monitor.window` events merged in place (same index
 * replaces, new ones append), buffered so a burst of updates costs one render. No refetch on events.
 */
export function useMonitorView(deployment: string): MonitorView {
  const [overview, setOverview] = useState<Overview | null>(null);
  const [windows, setWindows] = useState<MonitorWindow[]>([]);
  const [error, setError] = useState<Err | null>(null);
  const [loading, setLoading] = useState(true);
  const [liveAt, setLiveAt] = useState<number | null>(null);
  const [nonce, setNonce] = useState(0);
  const pending = useRef<MonitorWindow[]>([]);

  useEffect(() => {
    let alive = true;
    let timer: ReturnType<typeof setTimeout> | null = null;
    pending.current = [];
    setLoading(true);
    const flush = () => {
      timer = null;
      if (!alive) return;
      const batch = pending.current;
      pending.current = [];
      setWindows((cur) => mergeWindows(cur, batch, WINDOWS * 2));
      setLiveAt(Date.now());
    };
    // Subscribe first: a window closing while the overview loads is merged after it.
    const off = subscribe('monitor.window', (p) => {
      if (!alive || p.deployment !== deployment) return;
      pending.current.push(p.window);
      if (!timer) timer = setTimeout(flush, FLUSH_MS);
    });
    api.monitor
      .overview({ deployment, windows: WINDOWS })
      .then((o) => {
        if (!alive) return;
        setOverview(o);
        setWindows((cur) => mergeWindows(o.windows, cur, WINDOWS * 2));
        setError(null);
        for (const a of o.alerts) useAlerts.getState().upsert(a);
      })
      .catch((e: unknown) => {
        if (alive) setError(errOf(e));
      })
      .finally(() => {
        if (alive) setLoading(false);
      });
    const resync = setInterval(() => {
      if (document.visibilityState !== 'visible') return;
      api.monitor
        .overview({ deployment, windows: RESYNC_WINDOWS })
        .then((o) => {
          if (!alive) return;
          setWindows((cur) => mergeWindows(cur, o.windows.filter((w) => !cur.some((c) => c.index === w.index && c.count === w.count && c.open === w.open)), WINDOWS * 2));
          setOverview((prev) => (prev ? { ...prev, reference: o.reference, config: o.config } : prev));
          for (const a of o.alerts) useAlerts.getState().upsert(a);
        })
        .catch(() => undefined);
    }, RESYNC_MS);
    return () => {
      alive = false;
      off();
      clearInterval(resync);
      if (timer) clearTimeout(timer);
    };
  }, [deployment, nonce]);

  // Stable identity while the list does not change (the charts memoise on it).
  const listed = featureList(overview?.features ?? [], windows);
  const key = listed.join('\u0000');
  const features = useMemo(() => listed, [key]);
  // Requests recorded so far: the overview's count plus what the live windows added since.
  const sum = (ws: readonly MonitorWindow[]) => ws.reduce((n, w) => n + w.requests, 0);
  const records = overview ? Math.max(overview.records, overview.records - sum(overview.windows) + sum(windows)) : sum(windows);
  return {
    config: overview?.config ?? null,
    reference: overview?.reference ?? null,
    windows,
    features,
    records,
    loading,
    error,
    liveAt,
    reload: () => setNonce((n) => n + 1),
  };
}
