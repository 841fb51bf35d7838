import http from 'node:http';
import https from 'node:https';
import type { CoreV1Api, KubeConfig, KubernetesObject, KubernetesObjectApi } from '@kubernetes/client-node';
import { k8s } from './lazy';
import { MldeskError, type ErrorCode } from '../../../../shared/contract';
import type { Manifest } from './manifests';

/**
 * The Kubernetes API as the backend uses it: server-side apply and reads through @kubernetes/client-node, and plain
 * authenticated requests (the kubeconfig's CA, client certificate or token applied by client-node) for what the
 * generated clients do not carry well: the pod and service proxies (bodies and statuses as they are) and the scale
 * subresource. Errors become MldeskErrors with the API server's own words — never a header or a token.
 */

export const FIELD_MANAGER = 'mldesk';

export interface RawResponse {
  status: number;
  body: Buffer;
  contentType: string;
}

type Obj = Record<string, unknown>;

// The cluster refusing mldesk's credentials is a precondition of the target, not the caller's own 401/403 (which the
// UI reads as "your session with mldesk ended"): details.status keeps the API server's code.
const STATUS_CODE: Record<number, ErrorCode> = {
  400: 'INVALID_INPUT',
  401: 'FAILED_PRECONDITION',
  403: 'FAILED_PRECONDITION',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  415: 'FAILED_PRECONDITION',
  422: 'INVALID_INPUT',
  503: 'UNAVAILABLE',
};

/** A Status object's message (or the text) from an error body. */
function statusMessage(body: unknown): { message: string; reason: string | null; causes: unknown } {
  let b: unknown = Buffer.isBuffer(body) ? body.toString('utf8') : body;
  if (typeof b === 'string') {
    const text = b;
    try {
      b = JSON.parse(text) as unknown;
    } catch {
      return { message: text.slice(0, 500), reason: null, causes: undefined };
    }
  }
  if (typeof b === 'object' && b !== null) {
    const o = b as Obj;
    const details = o.details as Obj | undefined;
    return { message: typeof o.message === 'string' ? o.message : JSON.stringify(o).slice(0, 500), reason: typeof o.reason === 'string' ? o.reason : null, causes: details?.causes };
  }
  return { message: String(b), reason: null, causes: undefined };
}

export function kubeError(e: unknown, what: string, server: string): MldeskError {
  if (e instanceof MldeskError) return e;
  const err = e as { code?: unknown; body?: unknown; message?: string; cause?: { code?: string } };
  if (typeof err.code === 'number') {
    const { message, reason, causes } = statusMessage(err.body);
    const code = STATUS_CODE[err.code] ?? (err.code >= 500 ? 'UNAVAILABLE' : 'INTERNAL');
    const hint = err.code === 401 ? ' (the kubeconfig’s credentials were refused)' : err.code === 403 ? ' (the kubeconfig’s user may not do this in this namespace)' : '';
    return new MldeskError(code, `Kubernetes refused to ${what}: ${message}${hint}`, { status: err.code, reason, ...(causes ? { causes } : {}) });
  }
  const netCode = typeof err.code === 'string' ? err.code : err.cause?.code;
  const why = netCode ?? (err.message ?? String(e)).split('\n')[0];
  return new MldeskError('UNAVAILABLE', `Cannot reach the Kubernetes API server at ${server} to ${what}: ${why}`);
}

const isNotFound = (e: unknown) => (e as { code?: unknown }).code === 404;

export class KubeClient {
  readonly objects: KubernetesObjectApi;
  readonly core: CoreV1Api;
  readonly server: string;

  constructor(readonly kc: KubeConfig) {
    this.objects = k8s().KubernetesObjectApi.makeApiClient(kc);
    this.core = kc.makeApiClient(k8s().CoreV1Api);
    this.server = kc.getCurrentCluster()?.server ?? '(no server in the kubeconfig)';
  }

  /** Server-side apply as field manager `mldesk`, taking over fields another manager set (force), as `kubectl apply --server-side --force-conflicts`. */
  async apply(m: Manifest): Promise<Obj> {
    try {
      const res = await this.objects.patch(structuredClone(m) as KubernetesObject, undefined, undefined, FIELD_MANAGER, true, k8s().PatchStrategy.ServerSideApply);
      return res as unknown as Obj;
    } catch (e) {
      throw kubeError(e, `apply ${String(m.kind)} "${String((m.metadata as Obj | undefined)?.name)}"`, this.server);
    }
  }

  /** The object, or null when it does not exist. */
  async read(apiVersion: string, kind: string, namespace: string, name: string): Promise<Obj | null> {
    try {
      return (await this.objects.read({ apiVersion, kind, metadata: { name, namespace } })) as unknown as Obj;
    } catch (e) {
      if (isNotFound(e)) return null;
      throw kubeError(e, `read ${kind} "${name}"`, this.server);
    }
  }

  async list(apiVersion: string, kind: string, namespace: string, labelSelector?: string, fieldSelector?: string): Promise<Obj[]> {
    try {
      const res = await this.objects.list(apiVersion, kind, namespace, undefined, undefined, undefined, fieldSelector, labelSelector);
      return (res.items ?? []) as unknown as Obj[];
    } catch (e) {
      throw kubeError(e, `list ${kind}s`, this.server);
    }
  }

  /** Deletes; false when it was not there. Dependents (ReplicaSets, pods) go in the background, as kubectl does. */
  async remove(apiVersion: string, kind: string, namespace: string, name: string): Promise<boolean> {
    try {
      await this.objects.delete({ apiVersion, kind, metadata: { name, namespace } }, undefined, undefined, undefined, undefined, 'Background');
      return true;
    } catch (e) {
      if (isNotFound(e)) return false;
      throw kubeError(e, `delete ${kind} "${name}"`, this.server);
    }
  }

  async podLog(namespace: string, pod: string, opts: { tailLines?: number; previous?: boolean; timestamps?: boolean; container?: string } = {}): Promise<string> {
    try {
      return await this.core.readNamespacedPodLog({ name: pod, namespace, ...opts });
    } catch (e) {
      if (isNotFound(e)) return '';
      throw kubeError(e, `read the log of pod "${pod}"`, this.server);
    }
  }

  /** One request with the kubeconfig's credentials; the status is returned as it is (proxies answer with the pod's). */
  async raw(method: string, path: string, opts: { body?: Buffer | string; contentType?: string; timeoutMs?: number } = {}): Promise<RawResponse> {
    // The kubeconfig's server may carry a path prefix (a proxy in front of the API server): append, never resolve.
    const url = new URL(this.server.replace(/\/+$/, '') + path);
    const reqOpts: https.RequestOptions = { headers: {} };
    await this.kc.applyToHTTPSOptions(reqOpts);
    const headers: Record<string, string> = { accept: 'application/json, */*' };
    for (const [k, v] of Object.entries(reqOpts.headers ?? {})) if (v !== undefined) headers[k] = String(v);
    if (opts.body !== undefined) {
      headers['content-type'] = opts.contentType ?? 'application/json';
      headers['content-length'] = String(Buffer.byteLength(opts.body));
    }
    const mod = url.protocol === 'http:' ? http : https;
    const timeoutMs = opts.timeoutMs ?? 30_000;
    return await new Promise<RawResponse>((resolve, reject) => {
      const req = mod.request(url, { method, headers, agent: reqOpts.agent, auth: reqOpts.auth, timeout: timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), contentType: String(res.headers['content-type'] ?? '') }));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(Object.assign(new Error(`timed out after ${timeoutMs} ms`), { code: 'ETIMEDOUT' })));
      req.on('error', (e) => reject(kubeError(e, `${method} ${path.split('?')[0]}`, this.server)));
      if (opts.body !== undefined) req.write(opts.body);
      req.end();
    });
  }

  /** A raw request that must succeed (2xx) and answer JSON. */
  async rawJson(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<Obj> {
    const res = await this.raw(method, path, body === undefined ? {} : { body: JSON.stringify(body), contentType });
    if (res.status < 200 || res.status > 299) throw kubeError({ code: res.status, body: res.body }, `${method} ${path.split('?')[0]}`, this.server);
    return JSON.parse(res.body.toString('utf8')) as Obj;
  }
}
