import type Dockerode from 'dockerode';
import type { ContainerStats, Observed, ProxySpec, ReadyResult, ServerSpec } from './local';

/**
 * What a deployment target does for the rollout engine (deploy/index.ts). The local Docker engine implements it
 * today (local.ts); a remote Docker engine, a swarm or a Kubernetes cluster are the same calls over another API.
 * A target never remembers state itself: it finds its containers again by labels.
 */
export interface DeployTarget {
  readonly kind: string;
  /** The target's containers of this data dir, by deployment. Throws UNAVAILABLE when the engine cannot be reached. */
  observe(deployment?: string): Promise<Map<string, Observed[]>>;
  inspect(id: string): Promise<Dockerode.ContainerInspectInfo | null>;
  serverOptions(spec: ServerSpec): Dockerode.ContainerCreateOptions;
  startServer(spec: ServerSpec): Promise<string>;
  startProxy(spec: ProxySpec): Promise<string>;
  waitReady(id: string, port: number, path: string, timeoutMs: number, accept?: (body: Buffer) => boolean, restartsBefore?: number): Promise<ReadyResult>;
  logTail(id: string, lines: number): Promise<string[]>;
  stop(id: string, graceSec?: number): Promise<void>;
  start(id: string): Promise<void>;
  remove(id: string): Promise<void>;
  stats(id: string): Promise<ContainerStats>;
}
