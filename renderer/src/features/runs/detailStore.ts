import { useEffect } from 'react';
import { create } from 'zustand';
import type { Run } from '../../../../shared/contract';
import { api, subscribe, type MldeskError } from '../../api/client';
import { asMldeskError } from '../../lib/errors';
import { throttled } from './throttle';

interface RunDetailState {
  runId: string | null;
  run: Run | null;
  loading: boolean;
  error: MldeskError | null;
  /** Bumped for every tracking.metricsLogged of this run, per key (charts refetch on change). */
  metricVersions: Readonly<Record<string, number>>;
  load(runId: string): Promise<void>;
}

let seq = 0;

export const useRunDetail = create<RunDetailState>((set, get) => ({
  runId: null,
  run: null,
  loading: false,
  error: null,
  metricVersions: {},
  async load(runId) {
    const s = ++seq;
    const same = get().runId === runId;
    set({ runId, loading: true, ...(same ? {} : { run: null, error: null, metricVersions: {} }) });
    try {
      const run = await api.tracking.getRun({ runId });
      if (s !== seq) return;
      set({ run, loading: false, error: null });
    } catch (e) {
      if (s !== seq) return;
      set({ loading: false, error: asMldeskError(e) });
    }
  },
}));

/**
 * Loads the run and keeps it live: status/lifecycle changes and newly logged metrics re-read it
 * (at most twice a second); logged metric keys bump `metricVersions` so their charts refetch.
 */
export function useRunDetailSync(runId: string): void {
  useEffect(() => {
    void useRunDetail.getState().load(runId);
    const reload = throttled(() => void useRunDetail.getState().load(runId), 500);
    const pendingKeys = new Set<string>();
    const bump = throttled(() => {
      const keys = [...pendingKeys];
      pendingKeys.clear();
      useRunDetail.setState((s) => {
        const next = { ...s.metricVersions };
        for (const k of keys) next[k] = (next[k] ?? 0) + 1;
        return { metricVersions: next };
      });
    }, 500);
    const offs = [
      subscribe('tracking.runChanged', (p) => {
        if (p.run_id === runId) reload.call();
      }),
      subscribe('tracking.metricsLogged', (p) => {
        if (p.run_id !== runId) return;
        p.keys.forEach((k) => pendingKeys.add(k));
        bump.call();
        reload.call(); // latest values, new keys
      }),
    ];
    return () => {
      offs.forEach((off) => off());
      reload.cancel();
      bump.cancel();
    };
  }, [runId]);
}
