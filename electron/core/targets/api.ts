import type Dockerode from 'dockerode';
import type { KubeConfig } from '@kubernetes/client-node';
import type { TargetKind } from '../../../shared/contract/targets';

/** What other features (deploy, remote runs, monitoring) use of a target: a live connection, never its secrets' text. */
export interface RegistryAuth {
  /** host[:port][/path] */
  url: string;
  username: string | null;
  password: string | null;
}

export interface TargetConnection {
  name: string;
  kind: TargetKind;
  /** The host this machine reaches ports published on the target at (127.0.0.1 for a local socket or loopback TCP). */
  endpointHost: string;
  /** The engine runs on this machine (unix socket, or TCP/SSH to a loopback address): 127.0.0.1 URLs reach mldesk from it. */
  onThisMachine: boolean;
  registry: RegistryAuth | null;
  /** The Docker engine (docker and swarm targets); throws FAILED_PRECONDITION for Kubernetes. */
  docker(): Dockerode;
  /** The kubeconfig with its context selected (Kubernetes targets); throws FAILED_PRECONDITION otherwise. */
  kubeConfig(): KubeConfig;
  /** The Kubernetes namespace (null for Docker targets). */
  namespace: string | null;
}

export interface TargetsApi {
  /** NOT_FOUND for an unknown name; `local` is the local engine (the containers feature's). */
  connect(name: string): Promise<TargetConnection>;
}
