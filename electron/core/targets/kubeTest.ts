import http from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { bounded } from '../containers/engine';
import { kubeProblem } from './errors';
import type { Findings } from './dockerTest';

/**
 * Kubernetes connection test over the API's HTTP surface, authenticated by the kubeconfig (client-node's
 * `applyToHTTPSOptions`: CA, client certificate, token, exec plugins). Plain requests rather than the generated
 * clients so every call is bounded and its status code is at hand.
 */

const SUFFIX: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** A Kubernetes quantity ("2", "500m", "8Gi", "8053064Ki", "1e3", "1.5G") → a number; null when it is not one. */
export function parseQuantity(q: string | number | null | undefined): number | null {
  if (typeof q === 'number') return Number.isFinite(q) ? q : null;
  if (typeof q !== 'string') return null;
  const m = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?)$/.exec(q.trim());
  if (!m) return null;
  const n = Number(m[1]) * (m[2] ? Number(`1${m[2]}`) : SUFFIX[m[3] ?? '']!);
  return Number.isFinite(n) ? n : null;
}

export class KubeHttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

/** One API request with the kubeconfig's credentials, bounded by `timeoutMs`; non-2xx → KubeHttpError. */
export async function kubeRequest<T>(kc: KubeConfig, method: string, apiPath: string, body: unknown, timeoutMs: number): Promise<T> {
  const server = kc.getCurrentCluster()?.server ?? '';
  const url = new URL(server.replace(/\/+$/, '') + apiPath);
  const opts: https.RequestOptions = { method, headers: { accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) } };
  await kc.applyToHTTPSOptions(opts);
  return bounded(timeoutMs, (signal) =>
    new Promise<T>((resolve, reject) => {
      const mod = url.protocol === 'http:' ? http : https;
      const req = mod.request(url, { ...opts, signal }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown = null;
          try {
            json = JSON.parse(text);
          } catch {
            // not JSON
          }
          const status = res.statusCode ?? 0;
          if (status < 200 || status > 299) {
            const msg = (json as { message?: unknown } | null)?.message;
            reject(new KubeHttpError(status, typeof msg === 'string' ? msg : `HTTP ${status}`));
          } else resolve(json as T);
        });
      });
      req.on('error', reject);
      if (body !== undefined) req.write(JSON.stringify(body));
      req.end();
    }),
  );
}

interface KubeNode {
  metadata?: { name?: string; labels?: Record<string, string> };
  spec?: { unschedulable?: boolean };
  status?: { capacity?: Record<string, string>; conditions?: Array<{ type?: string; status?: string }> };
}

function nodeRole(labels: Record<string, string> | undefined): string {
  const roles = Object.keys(labels ?? {})
    .filter((k) => k.startsWith('node-role.kubernetes.io/'))
    .map((k) => k.slice('node-role.kubernetes.io/'.length))
    .filter(Boolean);
  return roles.length ? roles.sort().join(',') : 'worker';
}

export interface KubeTestOptions {
  namespace: string;
  onThisMachine: boolean;
  registry: boolean;
  timeoutMs: number;
}

/** /version, nodes with their capacity, the namespace, and whether this user may create Deployments there. */
export async function testKube(kc: KubeConfig, o: KubeTestOptions): Promise<Findings> {
  const server = kc.getCurrentCluster()?.server ?? '?';
  const ns = o.namespace;
  try {
    const v = await kubeRequest<{ gitVersion?: string; major?: string; minor?: string; platform?: string }>(kc, 'GET', '/version', undefined, o.timeoutMs);
    const engine = { kind: 'kubernetes' as const, version: v?.gitVersion ?? 'unknown', apiVersion: v?.major && v.minor ? `${v.major}.${v.minor}` : null, platform: v?.platform ?? null };
    const missing: string[] = [];
    let blocking = false;
    let nodes: Findings['nodes'] = [];
    try {
      const list = await kubeRequest<{ items?: KubeNode[] }>(kc, 'GET', '/api/v1/nodes', undefined, o.timeoutMs);
      nodes = (list?.items ?? []).map((n) => {
        const ready = n.status?.conditions?.find((c) => c.type === 'Ready');
        return {
          name: n.metadata?.name ?? 'unknown',
          role: nodeRole(n.metadata?.labels),
          state: ready ? (ready.status === 'True' ? 'ready' : 'not ready') : null,
          cpus: parseQuantity(n.status?.capacity?.cpu),
          memoryBytes: parseQuantity(n.status?.capacity?.memory),
          availability: n.spec?.unschedulable ? 'cordoned' : 'schedulable',
        };
      });
      if (nodes.length && !nodes.some((n) => n.state === 'ready' && n.availability === 'schedulable')) {
        missing.push('No node is Ready and schedulable: pods cannot start (kubectl get nodes; kubectl uncordon NODE).');
        blocking = true;
      }
    } catch (e) {
      if (!(e instanceof KubeHttpError && e.statusCode === 403)) throw e;
      missing.push('This user may not list nodes (a cluster-wide read): their resources are not shown; deploying to the namespace does not need it.');
    }
    try {
      await kubeRequest(kc, 'GET', `/api/v1/namespaces/${encodeURIComponent(ns)}`, undefined, o.timeoutMs);
    } catch (e) {
      if (!(e instanceof KubeHttpError) || (e.statusCode !== 404 && e.statusCode !== 403)) throw e;
      if (e.statusCode === 404) {
        missing.push(`The namespace '${ns}' does not exist: kubectl create namespace ${ns}`);
        blocking = true;
      }
    }
    const review = await kubeRequest<{ status?: { allowed?: boolean; reason?: string } }>(
      kc,
      'POST',
      '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
      { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: { namespace: ns, verb: 'create', group: 'apps', resource: 'deployments' } } },
      o.timeoutMs,
    );
    if (review?.status?.allowed !== true) {
      missing.push(
        `This user may not create Deployments in '${ns}'${review?.status?.reason ? ` (${review.status.reason})` : ''}: ask for a Role allowing apps/deployments, services and pods there (kubectl create rolebinding … --clusterrole=edit -n ${ns}).`,
      );
      blocking = true;
    }
    if (!o.registry && !o.onThisMachine) {
      missing.push('No registry: the cluster’s nodes pull images from a registry; add one (--registry URL, with credentials if it needs them).');
    }
    return { engine, nodes, missing, blocking, error: null };
  } catch (e) {
    return { engine: null, nodes: [], missing: [], blocking: true, error: kubeProblem(e, server, o.timeoutMs) };
  }
}
