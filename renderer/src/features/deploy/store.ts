import { useEffect } from 'react';
import { create } from 'zustand';
import type { Deployment, EngineStatus } from '../../../../shared/contract';
import { api, MldeskError, subscribe } from '../../api/client';
import { asMldeskError } from '../../lib/errors';

/** An engine call that may hang (a stopped Docker daemon can leave a socket that never answers) → a clear error instead. */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new MldeskError('UNAVAILABLE', `${what} did not answer within ${Math.round(ms / 1000)} s`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e instanceof Error ? e : asMldeskError(e));
      },
    );
  });
}

const ENGINE_TIMEOUT_MS = 15_000;
const LIST_TIMEOUT_MS = 30_000;

export interface DeployState {
  engine: EngineStatus | null;
  /** containers.engine itself failed (not "Docker is down", which is engine.available = false). */
  engineError: { code: string; message: string } | null;
  deployments: Deployment[];
  error: { code: string; message: string } | null;
  loaded: boolean;
  loading: boolean;
  load(): Promise<void>;
}

let seq = 0;

export const useDeployments = create<DeployState>((set) => ({
  engine: null,
  engineError: null,
  deployments: [],
  error: null,
  loaded: false,
  loading: false,
  async load() {
    const mine = ++seq;
    set({ loading: true });
    const [engine, list] = await Promise.allSettled([
      withTimeout(api.containers.engine({}), ENGINE_TIMEOUT_MS, 'The Docker engine check'),
      withTimeout(api.deploy.list({}), LIST_TIMEOUT_MS, 'The deployments list'),
    ]);
    if (mine !== seq) return;
    const err = (r: PromiseRejectedResult) => {
      const e = asMldeskError(r.reason);
      return { code: e.code, message: e.message };
    };
    set((s) => ({
      engine: engine.status === 'fulfilled' ? engine.value : s.engine,
      engineError: engine.status === 'rejected' ? err(engine) : null,
      deployments: list.status === 'fulfilled' ? [...list.value].sort((a, b) => a.name.localeCompare(b.name)) : s.deployments,
      error: list.status === 'rejected' ? err(list) : null,
      loaded: true,
      loading: false,
    }));
  },
}));

/** Loads on mount and again whenever the engine says a deployment changed (coalesced). */
export function useDeploymentsSync(): void {
  useEffect(() => {
    void useDeployments.getState().load();
    let timer: ReturnType<typeof setTimeout> | null = null;
    const off = subscribe('deploy.changed', () => {
      if (timer) return;
      timer = setTimeout(() => {
        timer = null;
        void useDeployments.getState().load();
      }, 150);
    });
    return () => {
      off();
      if (timer) clearTimeout(timer);
    };
  }, []);
}
