/**
 * MLflow-compatible tracking client over the MLflow REST API (`/api/2.0/mlflow/...`) and the artifact proxy
 * (`/api/2.0/mlflow-artifacts/artifacts/<path>`): talks to mldesk or any MLflow tracking server.
 *
 * Portable (browser and Node): global `fetch`, `TextEncoder`, `Uint8Array`, `Blob` only. The Python twin is
 * resources/python/mldesk_client.py; both split log-batch into MLflow's limits and send non-finite metric
 * values as proto3 strings ("NaN", "Infinity", "-Infinity"), which are parsed back to numbers on read.
 */
import type { ArtifactFile, Experiment, MetricValue, Run, RunInfo, RunStatus } from '../contract/tracking';

// MLflow's batch limits (mlflow/utils/validation.py).
export const MAX_METRICS_PER_BATCH = 1000;
export const MAX_PARAMS_TAGS_PER_BATCH = 100;
export const MAX_ENTITIES_PER_BATCH = 1000;
export const MAX_BATCH_LOG_REQUEST_SIZE = 1_000_000;
/** Budget for the entities of one log-batch body; the rest covers run_id and JSON framing. */
const BATCH_BYTES_BUDGET = MAX_BATCH_LOG_REQUEST_SIZE - 10_000;

/** An MLflow REST error (`errorCode` like INVALID_PARAMETER_VALUE) or a transport failure (CONNECTION_ERROR, status 0). */
export class TrackingError extends Error {
  readonly errorCode: string;
  readonly status: number;
  constructor(errorCode: string, message: string, status: number) {
    super(message);
    this.name = 'TrackingError';
    this.errorCode = errorCode;
    this.status = status;
  }
}

export interface TrackingClientOptions {
  /** Server base URL, e.g. http://127.0.0.1:5000 (no /api suffix). */
  trackingUri: string;
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string;
  /** Attempts per request on connection errors, 429 and 5xx (default 3). */
  retries?: number;
  /** First retry delay in ms, doubled per attempt (default 500). */
  backoffMs?: number;
  /** Per-request timeout in ms (default 120 000). */
  timeoutMs?: number;
  /** A fetch implementation (default: the global one). */
  fetch?: typeof fetch;
}

export type KeyValue = { key: string; value: string };
/** Params/tags as a record (values stringified) or MLflow's key/value list. */
export type KeyValues = Record<string, string | number | boolean> | KeyValue[];
export interface MetricInput {
  key: string;
  value: number;
  step?: number;
  /** ms since epoch; default now. */
  timestamp?: number;
}
type WireMetric = { key: string; value: number | string; timestamp: number; step: number };
export type DatasetInput = Run['inputs']['dataset_inputs'][number];
export type Dataset = DatasetInput['dataset'];
/** A dataset input: MLflow's `{dataset, tags}`, or flat fields (`digest` defaults to a hash of name+source). */
export type DatasetSpec =
  | { dataset: Omit<Dataset, 'digest' | 'source_type'> & { digest?: string; source_type?: string }; tags?: KeyValues }
  | { name: string; source?: string; digest?: string; sourceType?: string; schema?: string; profile?: string; context?: string; tags?: KeyValues };
export type ViewType = 'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL';
export interface SearchRunsOptions {
  experimentIds: string[];
  filter?: string;
  orderBy?: string[];
  /** Total runs to return (default: all). */
  maxResults?: number;
  viewType?: ViewType;
  /** Runs per request (default 1000). */
  pageSize?: number;
}
export interface SearchExperimentsOptions {
  filter?: string;
  orderBy?: string[];
  maxResults?: number;
  viewType?: ViewType;
  pageSize?: number;
}

/** proto3 JSON for doubles. */
const jsonDouble = (v: number): number | string => (Number.isFinite(v) ? v : Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity');
const replacer = (_k: string, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? jsonDouble(v) : v);

/** "NaN" / "Infinity" / "-Infinity" (and numeric strings) → number. */
export function parseDouble(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    const s = v.trim().toLowerCase();
    if (s === 'nan') return NaN;
    if (s === 'infinity' || s === 'inf' || s === '+infinity') return Infinity;
    if (s === '-infinity' || s === '-inf') return -Infinity;
    return Number(v);
  }
  return NaN;
}

const toInt = (v: unknown): number => (typeof v === 'string' ? Number(v) : (v as number));

function normMetric(m: Record<string, unknown>): MetricValue {
  return { key: String(m.key), value: parseDouble(m.value), timestamp: toInt(m.timestamp ?? 0), step: toInt(m.step ?? 0) };
}

type RawRun = { info: RunInfo; data?: Partial<Run['data']>; inputs?: Partial<Run['inputs']>; outputs?: Partial<Run['outputs']> };

/** Fills the lists MLflow omits when empty and parses metric values. */
function normRun(r: RawRun): Run {
  return {
    info: r.info,
    data: {
      metrics: (r.data?.metrics ?? []).map((m) => normMetric(m as unknown as Record<string, unknown>)),
      params: r.data?.params ?? [],
      tags: r.data?.tags ?? [],
    },
    inputs: { dataset_inputs: r.inputs?.dataset_inputs ?? [] },
    outputs: { model_outputs: r.outputs?.model_outputs ?? [] },
  };
}

const stringify = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v));

export function toKeyValues(kv: KeyValues | undefined): KeyValue[] {
  if (!kv) return [];
  if (Array.isArray(kv)) return kv.map((x) => ({ key: String(x.key), value: stringify(x.value ?? '') }));
  return Object.entries(kv).map(([key, value]) => ({ key, value: stringify(value) }));
}

const toWireMetric = (m: MetricInput, now: number): WireMetric => ({
  key: m.key,
  value: jsonDouble(m.value),
  timestamp: Math.trunc(m.timestamp ?? now),
  step: Math.trunc(m.step ?? 0),
});

const encoder = new TextEncoder();
const byteLength = (v: unknown) => encoder.encode(JSON.stringify(v)).length;

export interface BatchChunk<M = WireMetric> {
  metrics: M[];
  params: KeyValue[];
  tags: KeyValue[];
}

/**
 * Splits entities into log-batch bodies within MLflow's limits: ≤1000 metrics, ≤100 params, ≤100 tags, ≤1000
 * entities and ~1 MB per request. Params first (a conflicting param fails before any metric is written), then tags,
 * then metrics.
 */
export function splitBatch<M>(metrics: M[], params: KeyValue[], tags: KeyValue[]): BatchChunk<M>[] {
  const limits = { metrics: MAX_METRICS_PER_BATCH, params: MAX_PARAMS_TAGS_PER_BATCH, tags: MAX_PARAMS_TAGS_PER_BATCH };
  const chunks: BatchChunk<M>[] = [];
  let cur: BatchChunk<M> = { metrics: [], params: [], tags: [] };
  let count = 0;
  let size = 0;
  const add = <K extends keyof BatchChunk<M>>(kind: K, item: BatchChunk<M>[K][number]) => {
    const itemSize = byteLength(item) + 1;
    if (count > 0 && (cur[kind].length >= limits[kind] || count >= MAX_ENTITIES_PER_BATCH || size + itemSize > BATCH_BYTES_BUDGET)) {
      chunks.push(cur);
      cur = { metrics: [], params: [], tags: [] };
      count = 0;
      size = 0;
    }
    (cur[kind] as unknown[]).push(item);
    count++;
    size += itemSize;
  };
  for (const p of params) add('params', p);
  for (const t of tags) add('tags', t);
  for (const m of metrics) add('metrics', m);
  if (count > 0) chunks.push(cur);
  return chunks;
}

/** `mlflow-artifacts:/<exp>/<run>/artifacts` (or `mlflow-artifacts://host/...`) → path under the proxy. */
export function artifactProxyPath(artifactUri: string): string {
  const scheme = 'mlflow-artifacts:';
  if (!artifactUri.startsWith(scheme)) {
    throw new TrackingError('INVALID_PARAMETER_VALUE', `Artifact URI '${artifactUri}' is not served by the tracking server's artifact proxy (mlflow-artifacts:/...)`, 0);
  }
  let rest = artifactUri.slice(scheme.length);
  if (rest.startsWith('//')) {
    const slash = rest.indexOf('/', 2);
    rest = slash < 0 ? '' : rest.slice(slash);
  }
  return trimSlashes(rest);
}

const trimSlashes = (s: string) => s.replace(/^\/+|\/+$/g, '');
const joinPath = (...parts: Array<string | undefined>) =>
  parts
    .map((p) => trimSlashes(p ?? ''))
    .filter(Boolean)
    .join('/');
const encodePath = (p: string) => p.split('/').map(encodeURIComponent).join('/');

const MIME: Record<string, string> = {
  json: 'application/json',
  txt: 'text/plain; charset=utf-8',
  log: 'text/plain; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  yaml: 'text/yaml; charset=utf-8',
  yml: 'text/yaml; charset=utf-8',
  html: 'text/html; charset=utf-8',
  md: 'text/markdown; charset=utf-8',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  svg: 'image/svg+xml',
};
const mimeOf = (p: string) => MIME[p.slice(p.lastIndexOf('.') + 1).toLowerCase()] ?? 'application/octet-stream';

/** FNV-1a (32-bit) as 8 hex chars: a default dataset digest that needs no crypto API. */
function fnv1a(s: string): string {
  let h = 0x811c9dc5;
  for (const b of encoder.encode(s)) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const STATUS_CODES: Record<number, string> = { 400: 'BAD_REQUEST', 401: 'UNAUTHENTICATED', 403: 'PERMISSION_DENIED', 404: 'ENDPOINT_NOT_FOUND', 429: 'REQUEST_LIMIT_EXCEEDED' };

type Json = Record<string, unknown>;
type Query = Record<string, string | number | string[] | undefined>;

export class TrackingClient {
  readonly trackingUri: string;
  private readonly token?: string;
  private readonly retries: number;
  private readonly backoffMs: number;
  private readonly timeoutMs: number;
  private readonly fetchImpl: typeof fetch;
  private readonly artifactUris = new Map<string, string>();

  constructor(opts: TrackingClientOptions) {
    if (!/^https?:\/\//.test(opts.trackingUri)) throw new TrackingError('INVALID_PARAMETER_VALUE', `trackingUri must be http(s)://..., got '${opts.trackingUri}'`, 0);
    this.trackingUri = opts.trackingUri.replace(/\/+$/, '');
    this.token = opts.token;
    this.retries = Math.max(1, opts.retries ?? 3);
    this.backoffMs = opts.backoffMs ?? 500;
    this.timeoutMs = opts.timeoutMs ?? 120_000;
    this.fetchImpl = opts.fetch ?? globalThis.fetch.bind(globalThis);
  }

  // ── transport ──

  private async send(method: string, url: string, body?: RequestInit['body'], headers: Record<string, string> = {}): Promise<Response> {
    let last: TrackingError | undefined;
    for (let attempt = 0; attempt < this.retries; attempt++) {
      if (attempt > 0) await sleep(this.backoffMs * 2 ** (attempt - 1));
      let res: Response;
      try {
        res = await this.fetchImpl(url, {
          method,
          body,
          headers: { accept: 'application/json', ...(this.token ? { authorization: `Bearer ${this.token}` } : {}), ...headers },
          signal: AbortSignal.timeout(this.timeoutMs),
        });
      } catch (e) {
        last = new TrackingError('CONNECTION_ERROR', `${method} ${url} failed: ${e instanceof Error ? e.message : String(e)}`, 0);
        continue;
      }
      if (res.ok) return res;
      const err = TrackingClient.errorFrom(res.status, await res.text().catch(() => ''));
      if (res.status >= 500 || res.status === 429) {
        last = err;
        continue;
      }
      throw err;
    }
    throw last!;
  }

  private static errorFrom(status: number, text: string): TrackingError {
    try {
      const body = JSON.parse(text) as { error_code?: unknown; message?: unknown } | null;
      if (body && typeof body.error_code === 'string') return new TrackingError(body.error_code, String(body.message ?? ''), status);
      // mldesk's own error shape ({code, message}), e.g. a missing token
      if (body && typeof body.message === 'string') return new TrackingError(STATUS_CODES[status] ?? 'INTERNAL_ERROR', body.message, status);
    } catch {
      // not JSON
    }
    return new TrackingError(STATUS_CODES[status] ?? 'INTERNAL_ERROR', `HTTP ${status}: ${text.slice(0, 500)}`, status);
  }

  private async call<T = Json>(method: 'GET' | 'POST', endpoint: string, body: Json = {}): Promise<T> {
    let url = `${this.trackingUri}/api/2.0/mlflow/${endpoint}`;
    let res: Response;
    if (method === 'GET') {
      const q = new URLSearchParams();
      for (const [k, v] of Object.entries(body as Query)) {
        if (v === undefined) continue;
        for (const x of Array.isArray(v) ? v : [v]) q.append(k, String(x));
      }
      if ([...q.keys()].length) url += `?${q}`;
      res = await this.send('GET', url);
    } else {
      res = await this.send('POST', url, JSON.stringify(body, replacer), { 'content-type': 'application/json' });
    }
    const text = await res.text();
    return (text.trim() ? JSON.parse(text) : {}) as T;
  }

  private proxyUrl(path: string): string {
    return `${this.trackingUri}/api/2.0/mlflow-artifacts/artifacts/${encodePath(path)}`;
  }

  // ── experiments ──

  /** Creates an experiment; resolves to its id. */
  async createExperiment(name: string, opts: { artifactLocation?: string; tags?: KeyValues } = {}): Promise<string> {
    const tags = toKeyValues(opts.tags);
    const r = await this.call<{ experiment_id: string }>('POST', 'experiments/create', { name, artifact_location: opts.artifactLocation, tags: tags.length ? tags : undefined });
    return r.experiment_id;
  }

  async getExperiment(experimentId: string): Promise<Experiment> {
    return (await this.call<{ experiment: Experiment }>('GET', 'experiments/get', { experiment_id: experimentId })).experiment;
  }

  /** The experiment, or null when there is none with that name. */
  async getExperimentByName(name: string): Promise<Experiment | null> {
    try {
      return (await this.call<{ experiment: Experiment }>('GET', 'experiments/get-by-name', { experiment_name: name })).experiment;
    } catch (e) {
      if (e instanceof TrackingError && e.errorCode === 'RESOURCE_DOES_NOT_EXIST') return null;
      throw e;
    }
  }

  /** The experiment named `name`, created when missing (safe against concurrent creators). Deleted ones are refused. */
  async getOrCreateExperiment(name: string, opts: { artifactLocation?: string; tags?: KeyValues } = {}): Promise<Experiment> {
    let exp = await this.getExperimentByName(name);
    if (!exp) {
      try {
        await this.createExperiment(name, opts);
      } catch (e) {
        if (!(e instanceof TrackingError && e.errorCode === 'RESOURCE_ALREADY_EXISTS')) throw e;
      }
      exp = await this.getExperimentByName(name);
      if (!exp) throw new TrackingError('RESOURCE_DOES_NOT_EXIST', `Experiment '${name}' vanished right after it was created`, 404);
    }
    if (exp.lifecycle_stage === 'deleted') {
      throw new TrackingError('INVALID_STATE', `Experiment '${name}' (id ${exp.experiment_id}) is deleted; restore it or pick another name`, 400);
    }
    return exp;
  }

  /** All matching experiments (follows page tokens), at most `maxResults`. */
  async searchExperiments(opts: SearchExperimentsOptions = {}): Promise<Experiment[]> {
    const out: Experiment[] = [];
    let token: string | undefined;
    const pageSize = opts.pageSize ?? 1000;
    for (;;) {
      const want = opts.maxResults === undefined ? pageSize : Math.min(pageSize, opts.maxResults - out.length);
      if (want <= 0) break;
      const r = await this.call<{ experiments?: Experiment[]; next_page_token?: string }>('POST', 'experiments/search', {
        filter: opts.filter || undefined,
        order_by: opts.orderBy?.length ? opts.orderBy : undefined,
        max_results: want,
        view_type: opts.viewType ?? 'ACTIVE_ONLY',
        page_token: token,
      });
      out.push(...(r.experiments ?? []));
      token = r.next_page_token;
      if (!token) break;
    }
    return out;
  }

  async deleteExperiment(experimentId: string): Promise<void> {
    await this.call('POST', 'experiments/delete', { experiment_id: experimentId });
  }

  async setExperimentTag(experimentId: string, key: string, value: string): Promise<void> {
    await this.call('POST', 'experiments/set-experiment-tag', { experiment_id: experimentId, key, value });
  }

  // ── runs ──

  /** Creates a RUNNING run. */
  async createRun(experimentId: string, opts: { runName?: string; tags?: KeyValues; startTime?: number } = {}): Promise<Run> {
    const tags = toKeyValues(opts.tags);
    const r = await this.call<{ run: RawRun }>('POST', 'runs/create', {
      experiment_id: experimentId,
      run_name: opts.runName,
      tags: tags.length ? tags : undefined,
      start_time: Math.trunc(opts.startTime ?? Date.now()),
      user_id: tags.find((t) => t.key === 'mlflow.user')?.value,
    });
    return this.remember(normRun(r.run));
  }

  async getRun(runId: string): Promise<Run> {
    return this.remember(normRun((await this.call<{ run: RawRun }>('GET', 'runs/get', { run_id: runId })).run));
  }

  private remember(run: Run): Run {
    if (run.info.artifact_uri) this.artifactUris.set(run.info.run_id, run.info.artifact_uri);
    return run;
  }

  /** Updates status / end time / name; resolves to the new run info. */
  async updateRun(runId: string, opts: { status?: RunStatus; endTime?: number; runName?: string }): Promise<RunInfo> {
    const r = await this.call<{ run_info: RunInfo }>('POST', 'runs/update', { run_id: runId, status: opts.status, end_time: opts.endTime, run_name: opts.runName });
    return r.run_info;
  }

  /** Ends a run (FINISHED, FAILED or KILLED). */
  async setTerminated(runId: string, status: RunStatus = 'FINISHED', endTime = Date.now()): Promise<RunInfo> {
    return this.updateRun(runId, { status, endTime });
  }

  async deleteRun(runId: string): Promise<void> {
    await this.call('POST', 'runs/delete', { run_id: runId });
  }

  async restoreRun(runId: string): Promise<void> {
    await this.call('POST', 'runs/restore', { run_id: runId });
  }

  /** One page of a run search. */
  async searchRunsPage(opts: Omit<SearchRunsOptions, 'pageSize'> & { pageToken?: string }): Promise<{ runs: Run[]; nextPageToken?: string }> {
    const r = await this.call<{ runs?: RawRun[]; next_page_token?: string }>('POST', 'runs/search', {
      experiment_ids: opts.experimentIds,
      filter: opts.filter || undefined,
      order_by: opts.orderBy?.length ? opts.orderBy : undefined,
      max_results: opts.maxResults ?? 1000,
      run_view_type: opts.viewType ?? 'ACTIVE_ONLY',
      page_token: opts.pageToken,
    });
    return { runs: (r.runs ?? []).map(normRun), ...(r.next_page_token ? { nextPageToken: r.next_page_token } : {}) };
  }

  /** All matching runs (follows page tokens), at most `maxResults`. */
  async searchRuns(opts: SearchRunsOptions): Promise<Run[]> {
    const out: Run[] = [];
    let pageToken: string | undefined;
    const pageSize = opts.pageSize ?? 1000;
    for (;;) {
      const want = opts.maxResults === undefined ? pageSize : Math.min(pageSize, opts.maxResults - out.length);
      if (want <= 0) break;
      const page = await this.searchRunsPage({ ...opts, maxResults: want, pageToken });
      out.push(...page.runs);
      pageToken = page.nextPageToken;
      if (!pageToken) break;
    }
    return out;
  }

  // ── params, metrics, tags ──

  async logParam(runId: string, key: string, value: string | number | boolean): Promise<void> {
    await this.call('POST', 'runs/log-parameter', { run_id: runId, key, value: stringify(value) });
  }

  async logParams(runId: string, params: KeyValues): Promise<void> {
    await this.logBatch(runId, { params });
  }

  /** Logs one value; NaN and ±Infinity travel as proto3 strings. */
  async logMetric(runId: string, key: string, value: number, step = 0, timestamp = Date.now()): Promise<void> {
    await this.call('POST', 'runs/log-metric', { run_id: runId, ...toWireMetric({ key, value, step, timestamp }, timestamp) });
  }

  async logMetrics(runId: string, metrics: Record<string, number>, step = 0, timestamp = Date.now()): Promise<void> {
    await this.logBatch(runId, { metrics: Object.entries(metrics).map(([key, value]) => ({ key, value, step, timestamp })) });
  }

  async setTag(runId: string, key: string, value: string | number | boolean): Promise<void> {
    await this.call('POST', 'runs/set-tag', { run_id: runId, key, value: stringify(value) });
  }

  async setTags(runId: string, tags: KeyValues): Promise<void> {
    await this.logBatch(runId, { tags });
  }

  async deleteTag(runId: string, key: string): Promise<void> {
    await this.call('POST', 'runs/delete-tag', { run_id: runId, key });
  }

  /**
   * Logs metrics, params and tags, split into as many requests as MLflow's limits need (see `splitBatch`).
   * Each request is atomic, the whole call is not. Resolves to the number of requests made.
   */
  async logBatch(runId: string, batch: { metrics?: MetricInput[]; params?: KeyValues; tags?: KeyValues }): Promise<number> {
    const now = Date.now();
    const chunks = splitBatch(
      (batch.metrics ?? []).map((m) => toWireMetric(m, now)),
      toKeyValues(batch.params),
      toKeyValues(batch.tags),
    );
    for (const c of chunks) {
      await this.call('POST', 'runs/log-batch', {
        run_id: runId,
        ...(c.metrics.length ? { metrics: c.metrics } : {}),
        ...(c.params.length ? { params: c.params } : {}),
        ...(c.tags.length ? { tags: c.tags } : {}),
      });
    }
    return chunks.length;
  }

  /** Every value of one metric (follows page tokens). */
  async getMetricHistory(runId: string, key: string, opts: { pageSize?: number } = {}): Promise<MetricValue[]> {
    const out: MetricValue[] = [];
    let token: string | undefined;
    for (;;) {
      const r = await this.call<{ metrics?: Array<Record<string, unknown>>; next_page_token?: string }>('GET', 'metrics/get-history', {
        run_id: runId,
        metric_key: key,
        max_results: opts.pageSize ?? 25_000,
        page_token: token,
      });
      out.push(...(r.metrics ?? []).map(normMetric));
      token = r.next_page_token;
      if (!token) return out;
    }
  }

  /** Records dataset inputs of a run. */
  async logInputs(runId: string, datasets: DatasetSpec[]): Promise<void> {
    const items = datasets.map((d): DatasetInput => {
      if ('dataset' in d) {
        const ds = d.dataset;
        return {
          dataset: { ...ds, source_type: ds.source_type ?? 'local', digest: ds.digest || fnv1a(`${ds.name}\0${ds.source}`) },
          tags: toKeyValues(d.tags),
        };
      }
      const tags = toKeyValues(d.tags);
      if (d.context) tags.push({ key: 'mlflow.data.context', value: d.context });
      const source = d.source ?? '';
      const dataset: Dataset = { name: d.name, digest: d.digest || fnv1a(`${d.name}\0${source}`), source_type: d.sourceType ?? 'local', source };
      if (d.schema !== undefined) dataset.schema = d.schema;
      if (d.profile !== undefined) dataset.profile = d.profile;
      return { dataset, tags };
    });
    await this.call('POST', 'runs/log-inputs', { run_id: runId, datasets: items });
  }

  // ── artifacts ──

  private async runArtifactPath(runId: string, path?: string): Promise<string> {
    const uri = this.artifactUris.get(runId) ?? (await this.getRun(runId)).info.artifact_uri;
    return joinPath(artifactProxyPath(uri), path);
  }

  /** Uploads `content` (text is utf-8 encoded) as `artifactPath` under the run's artifacts. */
  async logArtifact(runId: string, artifactPath: string, content: Uint8Array | string | Blob, contentType = mimeOf(artifactPath)): Promise<void> {
    if (!trimSlashes(artifactPath)) throw new TrackingError('INVALID_PARAMETER_VALUE', 'An artifact path is required', 0);
    const target = await this.runArtifactPath(runId, artifactPath);
    const body: Blob = content instanceof Blob ? content : new Blob([typeof content === 'string' ? encoder.encode(content) : content.slice()], { type: contentType });
    await this.send('PUT', this.proxyUrl(target), body, { 'content-type': contentType });
  }

  /** Files directly under `path` (paths relative to the run's artifact root). */
  async listArtifacts(runId: string, path = ''): Promise<ArtifactFile[]> {
    const r = await this.call<{ files?: ArtifactFile[] }>('GET', 'artifacts/list', { run_id: runId, path: path || undefined });
    return r.files ?? [];
  }

  async downloadArtifact(runId: string, path: string): Promise<Uint8Array> {
    const res = await this.send('GET', this.proxyUrl(await this.runArtifactPath(runId, path)));
    return new Uint8Array(await res.arrayBuffer());
  }

  async downloadArtifactText(runId: string, path: string): Promise<string> {
    return new TextDecoder().decode(await this.downloadArtifact(runId, path));
  }
}
