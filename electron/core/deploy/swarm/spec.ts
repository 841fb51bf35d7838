import type Dockerode from 'dockerode';
import type { ClusterSpec, HealthSpec } from '../cluster';
import { LABEL } from '../local';

/**
 * The swarm services of a deployment, as plain Engine API specs (API 1.41). Pure: no engine calls here.
 *
 * Networking: the routing mesh and overlay networks need iptables, which engines started with --iptables=false (and
 * many locked-down hosts) lack, so both services use the engine's host network and bind 127.0.0.1 (or HOST). Each
 * serving replica listens on portBase + its task slot (MLDESK_PORT_BASE + {{.Task.Slot}}: the runtime computes its
 * port from them), and the proxy service owns the stable port and balances over the replica ports, probing each.
 * Two tasks of one slot on the same port cannot overlap, hence Order 'stop-first' in every update: the proxy sends
 * requests to the other replicas meanwhile.
 */

export const SWARM_LABEL = {
  ...LABEL,
  /** The first replica listens on portBase + 1. */
  portBase: 'mldesk.port_base',
  /** How many replica ports the proxy balances over (portBase+1 … portBase+slots). */
  slots: 'mldesk.slots',
  port: 'mldesk.port',
  runId: 'mldesk.run_id',
} as const;

/** The proxy probes this many replica ports at least, so scaling up to it needs no proxy restart. */
export const MIN_SLOTS = 8;

export const serviceName = (deployment: string) => `mldesk-${deployment}`;
export const proxyName = (deployment: string) => `mldesk-${deployment}-proxy`;

const NS = 1e9;
export const ns = (sec: number) => Math.round(sec * NS);

/**
 * The health check, a node one-liner (the runtime image has no shell, so never CMD-SHELL): GET the ready path on the
 * replica's own port; exit 0 on 2xx. What it prints lands in the container's health log (the reason of a rollback).
 */
export const HEALTH_JS = [
  "const e=process.env,b=Number(e.MLDESK_PORT_BASE),s=Number(e.MLDESK_SLOT);",
  "const port=Number(process.argv[2])||(b>0&&s>0?b+s:Number(e.PORT||8080)),p=process.argv[1]||'/v2/health/ready';",
  "const r=require('http').get({host:'127.0.0.1',port,path:p,timeout:Number(process.argv[3])||2000},(a)=>{",
  "console.log('GET '+p+' on port '+port+' → '+a.statusCode);a.resume();process.exit(a.statusCode>=200&&a.statusCode<300?0:1)});",
  "r.on('timeout',()=>r.destroy(new Error('no answer')));",
  "r.on('error',(x)=>{console.log('GET '+p+' on port '+port+' → '+(x.code||x.message));process.exit(1)});",
].join('');

const NODE = '/usr/local/bin/node';

export function healthCheck(path: string, h: HealthSpec, port?: number): Dockerode.HealthConfig {
  return {
    Test: ['CMD', NODE, '-e', HEALTH_JS, path, port ? String(port) : '', String(Math.max(500, h.timeoutSec * 1000 - 200))],
    Interval: ns(h.intervalSec),
    Timeout: ns(h.timeoutSec),
    Retries: h.retries,
    StartPeriod: ns(h.startPeriodSec),
  };
}

/** Swarm's failure monitor must outlast the time a bad task needs to be declared unhealthy. */
export function monitorSec(h: HealthSpec): number {
  return h.startPeriodSec + h.intervalSec * (h.retries + 1) + h.timeoutSec + 2;
}

/** Delay between replicas: a canary holds the first updated replica this long beside the others (plus a margin for the verdict). */
export function canaryDelaySec(windowSec: number): number {
  // The verdict needs the window plus two scrapes (3 s timeout each) after the canary is seen running.
  return windowSec + Math.max(7, Math.ceil(windowSec / 2));
}

export function updateConfig(spec: ClusterSpec): Dockerode.UpdateConfig {
  return {
    Parallelism: 1,
    Delay: spec.canary ? ns(canaryDelaySec(spec.canary.windowSec)) : ns(1),
    FailureAction: 'rollback',
    Monitor: ns(monitorSec(spec.health)),
    MaxFailureRatio: 0,
    Order: 'stop-first',
  };
}

export function rollbackConfig(spec: ClusterSpec): Dockerode.UpdateConfig {
  return { Parallelism: 1, Delay: ns(0.5), FailureAction: 'pause', Monitor: ns(monitorSec(spec.health)), MaxFailureRatio: 0, Order: 'stop-first' };
}

export function slotsFor(replicas: number): number {
  return Math.max(MIN_SLOTS, replicas);
}

export function replicaPorts(portBase: number, slots: number): number[] {
  return Array.from({ length: slots }, (_, i) => portBase + 1 + i);
}

const envList = (env: Record<string, string>) => Object.entries(env).map(([k, v]) => `${k}=${v}`);

/** The serving service: replicas of the model image, one per slot port. */
export function servingSpec(spec: ClusterSpec, portBase: number, slots: number): Dockerode.ServiceSpec {
  const labels = {
    [SWARM_LABEL.store]: spec.store,
    [SWARM_LABEL.deployment]: spec.deployment,
    [SWARM_LABEL.role]: 'server',
    [SWARM_LABEL.model]: spec.model,
    [SWARM_LABEL.version]: spec.version,
  };
  const env = {
    ...spec.env,
    HOST: '127.0.0.1',
    MLDESK_PORT_BASE: String(portBase),
    MLDESK_SLOT: '{{.Task.Slot}}',
    ...(spec.builtin ? { MLDESK_MODEL_NAME: spec.model } : {}),
  };
  return {
    Name: serviceName(spec.deployment),
    Labels: {
      ...labels,
      [SWARM_LABEL.portBase]: String(portBase),
      [SWARM_LABEL.slots]: String(slots),
      [SWARM_LABEL.port]: String(spec.port),
      ...(spec.runId ? { [SWARM_LABEL.runId]: spec.runId } : {}),
    },
    TaskTemplate: {
      ContainerSpec: {
        Image: spec.image,
        Env: envList(env),
        // On the task's container too: each task says which version it runs.
        Labels: labels,
        StopSignal: 'SIGTERM',
        StopGracePeriod: ns(30),
        // A user's Dockerfile image may have no node: its own HEALTHCHECK (if any) applies.
        ...(spec.builtin ? { HealthCheck: healthCheck(spec.readyPath, spec.health) } : {}),
      },
      Resources: {
        Limits: {
          ...(spec.cpus ? { NanoCPUs: Math.round(spec.cpus * NS) } : {}),
          ...(spec.memoryMb ? { MemoryBytes: spec.memoryMb * 1024 * 1024 } : {}),
        },
      },
      RestartPolicy: { Condition: 'on-failure', Delay: ns(2), MaxAttempts: 0 },
      Networks: [{ Target: 'host' }],
      LogDriver: { Name: 'json-file', Options: { 'max-size': '10m', 'max-file': '2' } },
    },
    Mode: { Replicated: { Replicas: spec.replicas } },
    UpdateConfig: updateConfig(spec),
    RollbackConfig: rollbackConfig(spec),
  };
}

/** The proxy service: the runtime image running proxy.js on the stable port, balancing over the replica ports. */
export function proxySpec(spec: ClusterSpec, portBase: number, slots: number): Dockerode.ServiceSpec {
  const labels = { [SWARM_LABEL.store]: spec.store, [SWARM_LABEL.deployment]: spec.deployment, [SWARM_LABEL.role]: 'proxy' };
  const env = {
    MLDESK_PROXY_PORT: String(spec.port),
    MLDESK_PROXY_HOST: '127.0.0.1',
    MLDESK_PROXY_NAME: spec.deployment,
    MLDESK_PROXY_READY_PATH: spec.readyPath,
    MLDESK_PROXY_UPSTREAMS: replicaPorts(portBase, slots)
      .map((p) => `127.0.0.1:${p}`)
      .join(','),
    MLDESK_PROXY_CHECK_MS: '250',
    MLDESK_PROXY_WAIT_MS: '10000',
  };
  return {
    Name: proxyName(spec.deployment),
    Labels: { ...labels, [SWARM_LABEL.port]: String(spec.port), [SWARM_LABEL.portBase]: String(portBase), [SWARM_LABEL.slots]: String(slots) },
    TaskTemplate: {
      ContainerSpec: {
        Image: spec.proxyImage,
        Command: [NODE, '/app/proxy.js'],
        Args: [],
        Env: envList(env),
        Labels: labels,
        StopSignal: 'SIGTERM',
        StopGracePeriod: ns(15),
        HealthCheck: healthCheck('/mldesk/proxy/health', { intervalSec: 2, timeoutSec: 2, retries: 3, startPeriodSec: 5 }, spec.port),
      },
      Resources: { Limits: { MemoryBytes: 256 * 1024 * 1024 } },
      RestartPolicy: { Condition: 'any', Delay: ns(1), MaxAttempts: 0 },
      Networks: [{ Target: 'host' }],
      LogDriver: { Name: 'json-file', Options: { 'max-size': '5m', 'max-file': '2' } },
    },
    Mode: { Replicated: { Replicas: 1 } },
    UpdateConfig: { Parallelism: 1, Delay: 0, FailureAction: 'pause', Monitor: ns(5), MaxFailureRatio: 0, Order: 'stop-first' },
    RollbackConfig: { Parallelism: 1, Delay: 0, FailureAction: 'pause', Monitor: ns(5), MaxFailureRatio: 0, Order: 'stop-first' },
  };
}

/** What makes a proxy spec differ in effect (a change restarts the proxy: the stable port is briefly closed). */
export function proxyFingerprint(s: Dockerode.ServiceSpec | undefined): string {
  const c = (s?.TaskTemplate as Dockerode.ContainerTaskSpec | undefined)?.ContainerSpec;
  return JSON.stringify([c?.Image ?? '', [...(c?.Env ?? [])].sort()]);
}
