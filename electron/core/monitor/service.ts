import { MldeskError, PREDICTION_COLUMN, type Alert, type AlertRule, type ColumnDrift, type MonitorConfig, type MonitorWindow, type ReferenceInfo, type WindowSpec } from '../../../shared/contract';
import type { EngineContext } from '../context';
import type { DataService } from '../data';
import type { DeployService } from '../deploy';
import type { Jobs } from '../jobs';
import type { RegistryService } from '../registry';
import type { Tracking } from '../tracking';
import { DEFAULT_RULES, newAlert, RuleEvaluator, type RuleDraft } from './alerts';
import { coerce, compareColumn, prepareReference, type PreparedReference } from './compare';
import { featureRows, normLabel, predictions, type Cell, type FeatureRow, type Prediction } from './flatten';
import { performanceOf, quantile } from './performance';
import { lineageDataset, loadSample, modelPredictions, type DatasetRef, type RefColumn, type ReferenceSample } from './reference';
import { MonitorTables, type ConfigRow } from './tables';
import { WebhookSender } from './webhook';
import type { Containers } from '../containers';

export interface MonitorDeps {
  registry: RegistryService;
  tracking: Tracking;
  data: DataService;
  jobs: Jobs;
  deploy: DeployService;
  containers: Containers;
}

/** How often the loop folds new records into windows. */
const TICK_MS = 1000;
/** The loop's first pass comes this long after the engine starts. */
const FIRST_TICK_MS = 3000;
/** The open window is published at most this often. */
const OPEN_PUBLISH_MS = 1000;
/** The open window's drift is computed once it holds this many rows (fewer: too noisy to show). */
const OPEN_MIN_ROWS = 30;
/** Container CPU / memory are sampled this often per running deployment. */
const STATS_EVERY_MS = 5000;
/** A time window closes this long after its end (records reach the store up to ~2 s late). */
const TIME_GRACE_MS = 4000;
const RECORDS_PAGE = 2000;
/** Records folded per deployment per tick (a backlog is caught up over several ticks). */
const MAX_RECORDS_PER_TICK = 20_000;
/** Values kept per column of one window (a reservoir sample beyond: bounded memory for long time windows). */
const MAX_WINDOW_ROWS = 20_000;
/** Columns followed per deployment (requests naming ever new columns cannot grow memory without bound). */
const MAX_FEATURES = 512;
/** Records read again to draw a closed window's overlays. */
const MAX_REPLAY_RECORDS = 50_000;
/** Unmatched labels (their prediction not pulled yet) are retried this long. */
const LABEL_WAIT_MS = 30_000;

/** An alert another process fired this recently is announced here too (older ones are history). */
const ANNOUNCE_OTHERS_MS = 10 * 60_000;

const INFERENCE_ROUTES = new Set(['/v2/models/{name}/infer', '/invocations']);

interface RecordRaw {
  seq: number;
  id: string;
  time: string;
  route: string;
  inputs: string | null;
  outputs: string | null;
  latency_ms: number;
  status: number;
}

const parseJson = (s: string | null): unknown => {
  if (s === null) return null;
  try {
    return JSON.parse(s);
  } catch {
    return null;
  }
};

/** The open window: what the records folded so far hold. */
class Acc {
  firstSeq = 0;
  lastSeq = 0;
  start: number | null = null;
  end: number | null = null;
  rows = 0;
  requests = 0;
  errors = 0;
  readonly latencies: number[] = [];
  private latencySeen = 0;
  readonly cols = new Map<string, Cell[]>();
  readonly preds: Prediction[] = [];
  /** Rows kept (≤ MAX_WINDOW_ROWS) and rows offered to the reservoir. */
  kept = 0;
  private seen = 0;
  private rng = 0x9e3779b9;

  constructor(
    readonly index: number,
    /** Time windows: the window's bounds. */
    readonly bounds: { start: number; end: number } | null,
  ) {}

  private random(): number {
    // xorshift32: deterministic reservoir choices.
    let x = this.rng;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.rng = x >>> 0;
    return this.rng / 0x1_0000_0000;
  }

  /** Latencies: a reservoir of MAX_WINDOW_ROWS too (the quantiles of a long time window stay bounded in memory). */
  addLatency(ms: number): void {
    this.latencySeen++;
    if (this.latencies.length < MAX_WINDOW_ROWS) this.latencies.push(ms);
    else {
      const at = Math.floor(this.random() * this.latencySeen);
      if (at < MAX_WINDOW_ROWS) this.latencies[at] = ms;
    }
  }

  addRow(row: FeatureRow, pred: Prediction | undefined): void {
    this.seen++;
    let at = this.kept;
    if (this.kept >= MAX_WINDOW_ROWS) {
      at = Math.floor(this.random() * this.seen);
      if (at >= MAX_WINDOW_ROWS) return;
    }
    for (const [c, v] of Object.entries(row)) {
      let col = this.cols.get(c);
      if (!col) {
        if (this.cols.size >= MAX_FEATURES) continue;
        col = new Array<Cell>(this.kept).fill(null);
        this.cols.set(c, col);
      }
      col[at] = v;
    }
    if (at === this.kept) {
      for (const [c, col] of this.cols) if (!(c in row)) col[at] = null;
      this.preds[at] = pred ?? { score: null, cls: null };
      this.kept++;
    } else {
      for (const [c, col] of this.cols) if (!(c in row)) col[at] = null;
      this.preds[at] = pred ?? { score: null, cls: null };
    }
  }
}

interface DepState {
  name: string;
  epoch: number;
  config: ConfigRow;
  cursor: number;
  acc: Acc;
  lastIdx: number;
  lastEnd: number | null;
  refKey: string | null;
  /** The load of the reference for refKey (callers that arrive while it runs await the same load). */
  refLoad: Promise<void> | null;
  reference: ReferenceSample | null;
  prepared: Map<string, PreparedReference>;
  /** No dataset: window 0 becomes the reference once closed. */
  firstWindow: boolean;
  evaluator: RuleEvaluator;
  lastPublish: number;
  dirty: boolean;
  liveColumns: Set<string>;
  /** Records up to this seq were history when the windows were computed again: their windows fire no alerts. */
  quietUntil: number;
}

/**
 * Monitoring of deployments: a loop folds the inference records the deploy puller stores into windows (by count or
 * by time), compares each window with the reference (drift per feature, of the predictions), adds latency, errors,
 * throughput, container CPU/memory and — from late labels — accuracy / AUC / RMSE, evaluates alert rules and
 * publishes `monitor.window` and `monitor.alert`. Closed windows are stored once (monitor_windows) and never
 * recomputed unless the window spec, reference or column options change (a new epoch).
 */
export class MonitorService {
  readonly tables: MonitorTables;
  readonly webhooks: WebhookSender;
  private readonly states = new Map<string, DepState>();
  private readonly locks = new Map<string, Promise<unknown>>();
  /** The last container CPU / memory sample per deployment (kept across epochs). */
  private readonly stats = new Map<string, { cpuPercent: number | null; memoryBytes: number | null; at: number; busy: boolean }>();
  /** Alerts this process has published (an alert another process inserted is published here once too). */
  private readonly announced = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private ticking: Promise<void> | null = null;
  private closed = false;
  /** Off: the loop folds nothing (the bench's baseline). */
  enabled = true;

  constructor(
    readonly ctx: EngineContext,
    readonly deps: MonitorDeps,
  ) {
    this.tables = new MonitorTables(ctx);
    this.webhooks = new WebhookSender();
    this.startLoop();
  }

  // ── loop ───────────────────────────────────────────────────────────────────────────────────────────────────────

  /**
   * Starts folding every TICK_MS, after a first delay: a short-lived engine (a CLI command listing deployments) never
   * loads references or folds windows it would not show. Unref'd: it never keeps a process alive.
   */
  startLoop(): void {
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => {
      if (this.closed) return;
      this.timer = setInterval(() => void this.tick(), TICK_MS);
      this.timer.unref();
      void this.tick();
    }, FIRST_TICK_MS);
    this.timer.unref();
  }

  private get live(): boolean {
    return !this.closed && this.tables.open;
  }

  /** One pass over every deployment; concurrent callers share the pass in flight. */
  tick(): Promise<void> {
    if (this.ticking) return this.ticking;
    if (!this.live || !this.enabled) return Promise.resolve();
    const pass = async () => {
      await null; // never settle before `ticking` is set (a pass with nothing to do would otherwise stay "running")
      try {
        for (const row of this.deps.deploy.table.all()) {
          if (!this.live) break;
          await this.step(row.name).catch((e: unknown) => {
            if (this.live) console.error(`[mldesk] monitor ${row.name}:`, e);
          });
        }
      } catch {
        // the store closed under us: the engine is going away
      } finally {
        this.ticking = null;
      }
    };
    this.ticking = pass();
    return this.ticking;
  }

  /** Folds everything recorded so far for `name` (the demo and tests wait on this). */
  async flush(name: string): Promise<void> {
    for (let i = 0; i < 1000 && this.live; i++) {
      const st = await this.step(name, { drain: true });
      if (!st || st.cursor >= this.maxSeq(name)) break;
    }
  }

  async dispose(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.webhooks.close();
    await Promise.race([this.ticking, new Promise((r) => setTimeout(r, 5000).unref())]);
  }

  private maxSeq(name: string): number {
    return (this.tables.stmt('SELECT COALESCE(MAX(seq), 0) FROM inference_records WHERE deployment = ?').pluck().get(name) as number) ?? 0;
  }

  // ── per deployment state ───────────────────────────────────────────────────────────────────────────────────────

  /** The config, created with the default window and alert rules the first time monitoring sees the deployment. */
  private ensure(name: string): ConfigRow {
    const { config, created } = this.tables.ensureConfig(name);
    if (created) this.tables.replaceRules(name, DEFAULT_RULES as RuleDraft[]);
    return config;
  }

  private state(name: string): DepState {
    const config = this.ensure(name);
    let st = this.states.get(name);
    if (st && st.epoch === config.epoch) {
      st.config = config;
      return st;
    }
    const last = this.tables.lastWindow(name, config.epoch);
    st = {
      name,
      epoch: config.epoch,
      config,
      cursor: last?.lastSeq ?? 0,
      acc: this.newAcc(config.window, (last?.idx ?? -1) + 1, null),
      lastIdx: last?.idx ?? -1,
      lastEnd: last?.window.end ?? null,
      refKey: null,
      refLoad: null,
      reference: st?.reference ?? null,
      prepared: new Map(),
      firstWindow: false,
      evaluator: new RuleEvaluator(this.tables, name, config.epoch),
      lastPublish: 0,
      dirty: false,
      liveColumns: new Set(),
      quietUntil: 0,
    };
    this.states.set(name, st);
    return st;
  }

  private newAcc(spec: WindowSpec, index: number, at: number | null): Acc {
    if (spec.kind === 'count' || at === null) return new Acc(index, null);
    const ms = spec.seconds * 1000;
    const start = Math.floor(at / ms) * ms;
    return new Acc(index, { start, end: start + ms });
  }

  /** Runs `fn` after every earlier call for `name` (the loop, a flush, a configure never interleave on one deployment). */
  private serial<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(name) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const settled = next.catch(() => undefined);
    this.locks.set(name, settled);
    void settled.then(() => {
      if (this.locks.get(name) === settled) this.locks.delete(name);
    });
    return next;
  }

  private step(name: string, opts: { drain?: boolean } = {}): Promise<DepState | null> {
    return this.serial(name, () => this.stepNow(name, opts));
  }

  private async stepNow(name: string, opts: { drain?: boolean }): Promise<DepState | null> {
    if (!this.live) return null;
    const st = this.state(name);
    await this.ensureReference(st);
    if (!this.live || this.states.get(name) !== st) return null;
    this.sampleStats(st);
    let folded = 0;
    const read = this.tables.stmt(
      'SELECT seq, id, time, route, inputs, outputs, latency_ms, status FROM inference_records WHERE deployment = ? AND seq > ? ORDER BY seq LIMIT ?',
    );
    while (this.live && folded < MAX_RECORDS_PER_TICK) {
      const recs = read.all(name, st.cursor, RECORDS_PAGE) as RecordRaw[];
      for (const r of recs) this.fold(st, r);
      folded += recs.length;
      if (recs.length < RECORDS_PAGE) break;
      await new Promise((r) => setImmediate(r));
    }
    if (!this.live || this.states.get(name) !== st) return null;
    // Time windows close by the clock too (no record after them may ever come).
    if (st.config.window.kind === 'time' && st.acc.bounds && Date.now() >= st.acc.bounds.end + TIME_GRACE_MS) {
      if (st.acc.requests > 0) this.close(st);
      st.acc = new Acc(st.lastIdx + 1, null);
    }
    for (let page = 0; page < 20 && this.labels(st); page++);
    if (st.dirty && (opts.drain || Date.now() - st.lastPublish >= OPEN_PUBLISH_MS)) this.publishOpen(st);
    return st;
  }

  private fold(st: DepState, r: RecordRaw): void {
    st.cursor = r.seq;
    if (!INFERENCE_ROUTES.has(r.route)) return;
    const t = Date.parse(r.time);
    const at = Number.isFinite(t) ? t : Date.now();
    const spec = st.config.window;
    if (spec.kind === 'time') {
      if (!st.acc.bounds) st.acc = this.newAcc(spec, st.acc.index, at);
      else if (at >= st.acc.bounds.end) {
        if (st.acc.requests > 0) this.close(st);
        st.acc = this.newAcc(spec, st.lastIdx + 1, at);
      }
    }
    const acc = st.acc;
    const rows = featureRows(r.route, parseJson(r.inputs), st.reference?.wide);
    const preds = r.status < 400 ? predictions(r.route, parseJson(r.outputs)) : [];
    if (acc.firstSeq === 0) acc.firstSeq = r.seq;
    acc.lastSeq = r.seq;
    acc.start ??= at;
    acc.end = at;
    acc.requests++;
    if (r.status >= 400) acc.errors++;
    acc.addLatency(r.latency_ms);
    const n = r.status < 400 ? Math.max(rows.length, preds.length) : rows.length;
    for (let i = 0; i < n; i++) {
      const row = rows[i] ?? {};
      if (st.liveColumns.size < MAX_FEATURES) for (const c of Object.keys(row)) st.liveColumns.add(c);
      // Drift is about what the model was asked: failed requests count for errors and latency only.
      if (r.status < 400) acc.addRow(row, preds[i]);
    }
    acc.rows += Math.max(1, n);
    st.dirty = true;
    if (spec.kind === 'count' && acc.rows >= spec.size) {
      this.close(st);
      st.acc = new Acc(st.lastIdx + 1, null);
    }
  }

  // ── reference ──────────────────────────────────────────────────────────────────────────────────────────────────

  private ensureReference(st: DepState): Promise<void> {
    const row = this.deps.deploy.table.get(st.name);
    const key = JSON.stringify([st.config.reference, row?.model ?? null, row?.version ?? null]);
    if (st.refKey === key && st.refLoad) return st.refLoad;
    st.refKey = key;
    st.refLoad = this.loadReference(st, key, row);
    return st.refLoad;
  }

  private async loadReference(st: DepState, key: string, row: ReturnType<DeployService['table']['get']>): Promise<void> {
    st.prepared.clear();
    st.firstWindow = false;
    let dataset: DatasetRef | null = null;
    let problem: string | null = null;
    if (st.config.reference) dataset = { ...st.config.reference, source: 'override' };
    else if (row) ({ ref: dataset, problem } = await lineageDataset(this.deps, row.model, row.version));
    else problem = `deployment '${st.name}' is gone: its model is unknown`;
    let sample: Awaited<ReturnType<typeof loadSample>> | null = null;
    if (dataset) {
      try {
        sample = await loadSample(this.deps.data, dataset);
        if (sample.rows === 0) throw new Error('it has no rows');
      } catch (e) {
        problem = `the reference ${dataset.path}${dataset.commit ? `@${dataset.commit.slice(0, 8)}` : ''} cannot be read: ${(e as Error).message}`;
        sample = null;
      }
    }
    if (!this.live) return;
    if (!sample || !row) {
      st.firstWindow = true;
      st.reference = {
        key,
        dataset,
        info: { source: 'first-window', label: `window 0 of ${st.name}`, rows: 0, predictions: 'first-window', problem },
        columns: new Map(),
        wide: [],
        predictions: null,
      };
      if (st.lastIdx >= 0) this.loadFirstWindow(st);
      return;
    }
    const scored = await modelPredictions(this.deps, row.model, row.version, sample);
    if (!this.live) return;
    const info: ReferenceInfo = {
      source: dataset!.source,
      label: sample.total > sample.rows ? `${sample.label} (${sample.rows} of ${sample.total} rows)` : sample.label,
      rows: sample.rows,
      predictions: scored.predictions ? 'model' : 'first-window',
      problem: scored.problem,
    };
    st.reference = { key, dataset, info, columns: sample.columns, wide: sample.wide, predictions: scored.predictions };
    if (!scored.predictions && st.lastIdx >= 0) this.loadFirstWindow(st, true);
  }

  /** Window 0's rows (and predictions) as the reference: no dataset, or no model to score it. */
  private loadFirstWindow(st: DepState, predictionsOnly = false): void {
    const w0 = this.tables.window(st.name, st.epoch, 0);
    if (!w0 || !st.reference) return;
    const acc = this.replay(st, w0.firstSeq, w0.lastSeq);
    this.useAsReference(st, acc, predictionsOnly);
  }

  private useAsReference(st: DepState, acc: Acc, predictionsOnly: boolean): void {
    const ref = st.reference!;
    if (!predictionsOnly) {
      const columns = new Map<string, RefColumn>();
      for (const [c, values] of acc.cols) {
        const numeric = values.every((v) => v === null || typeof v === 'number');
        columns.set(c, { kind: numeric ? 'numeric' : 'categorical', values: values.slice(0, acc.kept) });
      }
      ref.columns = columns;
      ref.info = { ...ref.info, rows: acc.kept };
    }
    ref.predictions = acc.preds.slice(0, acc.kept);
    ref.info = { ...ref.info, predictions: 'first-window' };
    st.prepared.clear();
  }

  /**
   * Folds records [from, to] of a deployment into a fresh accumulator (a closed window again, for its overlays). A long
   * time window is read evenly spaced, at most MAX_REPLAY_RECORDS records (its rows are a sample past 20,000 anyway).
   */
  private replay(st: DepState, from: number, to: number): Acc {
    const acc = new Acc(-1, null);
    const stride = Math.max(1, Math.ceil((to - from + 1) / MAX_REPLAY_RECORDS));
    const read = this.tables.stmt(
      'SELECT seq, id, time, route, inputs, outputs, latency_ms, status FROM inference_records WHERE deployment = ? AND seq BETWEEN ? AND ? AND (seq - ?) % ? = 0 ORDER BY seq LIMIT ?',
    );
    let lo = from;
    while (lo <= to) {
      const recs = read.all(st.name, lo, to, from, stride, RECORDS_PAGE) as RecordRaw[];
      for (const r of recs) {
        if (!INFERENCE_ROUTES.has(r.route) || r.status >= 400) continue;
        const rows = featureRows(r.route, parseJson(r.inputs), st.reference?.wide);
        const preds = predictions(r.route, parseJson(r.outputs));
        const n = Math.max(rows.length, preds.length);
        for (let i = 0; i < n; i++) acc.addRow(rows[i] ?? {}, preds[i]);
      }
      if (recs.length < RECORDS_PAGE) break;
      lo = recs.at(-1)!.seq + 1;
    }
    return acc;
  }

  private prepared(st: DepState, column: string): PreparedReference | null {
    const ref = st.reference;
    if (!ref) return null;
    let p = st.prepared.get(column);
    if (p) return p;
    if (column === PREDICTION_COLUMN) {
      const preds = ref.predictions;
      if (!preds || preds.length === 0) return null;
      const numeric = preds.some((x) => x.score !== null);
      p = prepareReference(column, { kind: numeric ? 'numeric' : 'categorical', values: preds.map((x) => (numeric ? x.score : x.cls)) });
    } else {
      const col = ref.columns.get(column);
      if (!col) return null;
      p = prepareReference(column, col);
    }
    st.prepared.set(column, p);
    return p;
  }

  // ── windows ────────────────────────────────────────────────────────────────────────────────────────────────────

  private currentOf(acc: Acc, column: string): Cell[] {
    if (column === PREDICTION_COLUMN) {
      const numeric = acc.preds.some((x) => x && x.score !== null);
      return acc.preds.slice(0, acc.kept).map((x) => (numeric ? (x?.score ?? null) : (x?.cls ?? null)));
    }
    return (acc.cols.get(column) ?? []).slice(0, acc.kept);
  }

  /** One column of a window against the reference (null when the reference lacks it or the window is the reference). */
  private drift(st: DepState, acc: Acc, column: string, withDistribution: boolean): ColumnDrift | null {
    if (st.firstWindow && acc.index === 0) return null;
    const p = this.prepared(st, column);
    if (!p) return null;
    const current = coerce(p.kind, this.currentOf(acc, column));
    try {
      return compareColumn(p, current, st.config.columns[column], withDistribution);
    } catch (e) {
      // An override that does not fit the column (ks on text): the overlay says so; the window skips the column.
      if (withDistribution) throw e;
      return null;
    }
  }

  private features(st: DepState): string[] {
    const ref = st.reference;
    const last = this.tables.lastWindow(st.name, st.epoch)?.window;
    const live = [...new Set([...Object.keys(last?.features ?? {}), ...st.liveColumns])];
    if (!ref || ref.columns.size === 0) return live.sort();
    // In the reference's column order (the file's), the order the charts list them in.
    const common = [...ref.columns.keys()].filter((c) => live.includes(c));
    return common.length ? common : live.sort();
  }

  private build(st: DepState, acc: Acc, open: boolean): MonitorWindow {
    const features: MonitorWindow['features'] = {};
    let drifted = 0;
    let tested = 0;
    let prediction: MonitorWindow['prediction'] = null;
    if (!open || acc.kept >= OPEN_MIN_ROWS) {
      for (const c of acc.cols.keys()) {
        const d = this.drift(st, acc, c, false);
        if (!d) continue;
        const score = d.pValue ?? d.statistic;
        features[c] = { method: d.method, score, threshold: d.threshold, drifted: d.drifted, psi: d.psi };
        if (score !== null) {
          tested++;
          if (d.drifted) drifted++;
        }
      }
      const pd = acc.preds.length ? this.drift(st, acc, PREDICTION_COLUMN, false) : null;
      if (pd) prediction = { method: pd.method, score: pd.pValue ?? pd.statistic, threshold: pd.threshold, drifted: pd.drifted };
    }
    const share = tested ? drifted / tested : 0;
    const spec = st.config.window;
    const start = acc.bounds?.start ?? st.lastEnd ?? acc.start ?? Date.now();
    const end = acc.bounds && !open ? acc.bounds.end : (acc.end ?? start);
    const span = Math.max(0.001, (acc.bounds && !open ? acc.bounds.end - acc.bounds.start : Math.max(end - start, spec.kind === 'time' ? Date.now() - start : 0)) / 1000);
    const lat = (q: number) => {
      const v = quantile(acc.latencies, q);
      return v === null ? null : Number(v.toFixed(3));
    };
    const perf = performanceOf(this.tables.labels(st.name, st.epoch, acc.index));
    return {
      index: acc.index,
      start,
      end,
      count: acc.rows,
      requests: acc.requests,
      features,
      driftShare: Number(share.toFixed(6)),
      datasetDrift: tested > 0 && share >= 0.5,
      prediction,
      latencyMs: { p50: lat(0.5), p95: lat(0.95), p99: lat(0.99) },
      errorRate: acc.requests ? Number((acc.errors / acc.requests).toFixed(6)) : 0,
      throughput: acc.requests ? Number((acc.requests / span).toFixed(3)) : 0,
      cpuPercent: this.stats.get(st.name)?.cpuPercent ?? null,
      memoryBytes: this.stats.get(st.name)?.memoryBytes ?? null,
      performance: perf,
      open,
    };
  }

  private close(st: DepState): void {
    const acc = st.acc;
    const w = this.build(st, acc, false);
    const db = this.ctx.store.db;
    if (!db.open) return;
    this.tables.insertWindow(st.name, st.epoch, acc.firstSeq || st.cursor, acc.lastSeq || st.cursor, w);
    st.lastIdx = w.index;
    st.lastEnd = w.end;
    st.dirty = false;
    if (st.firstWindow && w.index === 0) this.useAsReference(st, acc, false);
    else if (st.reference && !st.reference.predictions && w.index === 0) this.useAsReference(st, acc, true);
    this.ctx.events.publish('monitor.window', { deployment: st.name, window: w });
    if (acc.lastSeq > st.quietUntil) this.evaluate(st, w);
  }

  private publishOpen(st: DepState): void {
    st.dirty = false;
    st.lastPublish = Date.now();
    if (st.acc.requests === 0) return;
    this.ctx.events.publish('monitor.window', { deployment: st.name, window: this.build(st, st.acc, true) });
  }

  // ── labels ─────────────────────────────────────────────────────────────────────────────────────────────────────

  /** Joins new labels (inference_feedback) to their predictions; windows whose performance changed are published again. True when a whole page was read. */
  private labels(st: DepState): boolean {
    const db = this.ctx.store.db;
    const after = this.tables.feedbackCursor(st.name, st.epoch);
    const rows = this.tables.stmt(
        `SELECT f.seq AS fseq, f.request_id, f.row_index, f.label, f.received_at, r.seq AS rseq, r.time, r.route, r.outputs, r.status
         FROM inference_feedback f LEFT JOIN inference_records r INDEXED BY inference_records_by_id ON r.deployment = f.deployment AND r.id = f.request_id
         WHERE f.deployment = ? AND f.seq > ? ORDER BY f.seq, r.seq DESC LIMIT ?`,
      )
      .all(st.name, after, RECORDS_PAGE) as Array<{
      fseq: number;
      request_id: string;
      row_index: number;
      label: string;
      received_at: number;
      rseq: number | null;
      time: string | null;
      route: string | null;
      outputs: string | null;
      status: number | null;
    }>;
    if (rows.length === 0) return false;
    let cursor = after;
    const touched = new Set<number>();
    const now = Date.now();
    db.transaction(() => {
      for (const f of rows) {
        if (f.fseq <= cursor) continue; // another record with the same request id (the newest came first)
        if (f.rseq === null) {
          if (now - f.received_at < LABEL_WAIT_MS) break; // its prediction may not be pulled yet
          cursor = f.fseq;
          continue;
        }
        if (f.rseq > st.cursor) break; // not folded yet: next tick
        cursor = f.fseq;
        const idx = f.rseq >= st.acc.firstSeq && st.acc.firstSeq > 0 ? st.acc.index : this.tables.windowOfSeq(st.name, st.epoch, f.rseq);
        if (idx === null || f.status === null || f.status >= 400) continue;
        const pred = predictions(f.route ?? '', parseJson(f.outputs))[f.row_index];
        if (!pred) continue;
        const t = Date.parse(f.time ?? '');
        this.tables.upsertLabel(st.name, st.epoch, {
          requestId: f.request_id,
          row: f.row_index,
          idx,
          score: pred.score,
          predicted: pred.cls,
          label: normLabel(parseJson(f.label)),
          delayMs: Number.isFinite(t) ? Math.max(0, f.received_at - t) : null,
        });
        touched.add(idx);
      }
      this.tables.setFeedbackCursor(st.name, st.epoch, cursor);
    })();
    for (const idx of [...touched].sort((a, b) => a - b)) {
      if (idx === st.acc.index) {
        st.dirty = true;
        continue;
      }
      const row = this.tables.window(st.name, st.epoch, idx);
      if (!row) continue;
      const w: MonitorWindow = { ...row.window, performance: performanceOf(this.tables.labels(st.name, st.epoch, idx)) };
      this.tables.updateWindow(st.name, st.epoch, w);
      this.ctx.events.publish('monitor.window', { deployment: st.name, window: w });
      if (row.lastSeq > st.quietUntil) this.evaluate(st, w);
    }
    return rows.length === RECORDS_PAGE && cursor > after;
  }

  // ── alerts ─────────────────────────────────────────────────────────────────────────────────────────────────────

  private evaluate(st: DepState, w: MonitorWindow): void {
    const rules = this.tables.rules(st.name);
    const fired = st.evaluator.evaluate(rules, w, st.lastIdx);
    const db = this.ctx.store.db;
    for (const f of fired) {
      const fresh = newAlert(st.name, f.rule, f.window, f.value);
      // Another mldesk process on this data dir (the app, a CLI) may evaluate the same windows: one streak, one alert.
      const existing = db
        .transaction(() => {
          const had = this.tables.firedIn(f.rule.id, st.epoch, f.streak.start, f.streak.end);
          if (!had) this.tables.insertAlert(fresh, st.epoch);
          return had;
        })
        .immediate();
      if (!existing) this.announce(st, fresh, true);
      // Fired by the other process a moment ago: this process's UI hears of it too (its webhook was sent there).
      else if (existing.state === 'open' && Date.now() - existing.firedAt < ANNOUNCE_OTHERS_MS) this.announce(st, existing, false);
    }
  }

  private announce(st: DepState, alert: Alert, mine: boolean): void {
    if (this.announced.has(alert.id)) return;
    if (this.announced.size >= 10_000) this.announced.clear();
    this.announced.add(alert.id);
    // The desktop app shows a notification (electron/main/notifications.ts), the web UI a toast linking to the chart
    // point: both from this topic (an app.notice as well would toast twice).
    this.ctx.events.publish('monitor.alert', { ...alert, change: 'fired' });
    if (mine && st.config.webhook) this.webhooks.send(st.config.webhook, { event: 'mldesk.alert.fired', alert, app: this.ctx.trackingUri });
  }

  // ── stats ──────────────────────────────────────────────────────────────────────────────────────────────────────

  private sampleStats(st: DepState): void {
    const cur = this.stats.get(st.name);
    if (cur && (cur.busy || Date.now() - cur.at < STATS_EVERY_MS)) return;
    const row = this.deps.deploy.table.get(st.name);
    if (!row || row.desired !== 'running' || !row.serverContainer) return;
    const next = { cpuPercent: cur?.cpuPercent ?? null, memoryBytes: cur?.memoryBytes ?? null, at: cur?.at ?? 0, busy: true };
    this.stats.set(st.name, next);
    this.deps.deploy
      .stats(st.name)
      .then((s) => Object.assign(next, { cpuPercent: s.cpuPercent, memoryBytes: s.memoryBytes }))
      .catch(() => undefined)
      .finally(() => Object.assign(next, { at: Date.now(), busy: false }));
  }

  // ── the methods ────────────────────────────────────────────────────────────────────────────────────────────────

  /** A deployment monitoring can speak of: deployed now, or one it (or the records) remember. */
  private known(name: string): void {
    if (this.deps.deploy.table.get(name) || this.tables.config(name)) return;
    if (this.tables.stmt('SELECT 1 FROM inference_records WHERE deployment = ? LIMIT 1').get(name)) return;
    throw new MldeskError('NOT_FOUND', `No deployment named '${name}'`);
  }

  configOf(name: string, st?: DepState): MonitorConfig {
    const c = st?.config ?? this.ensure(name);
    const ref = st?.reference?.dataset ?? null;
    const reference = c.reference ? { ...c.reference, source: 'override' as const } : ref ? { projectId: ref.projectId, path: ref.path, commit: ref.commit, source: ref.source } : null;
    return { deployment: name, window: c.window, reference, columns: c.columns, webhook: c.webhook };
  }

  async overview(name: string, n: number) {
    this.known(name);
    const st = this.state(name);
    await this.ensureReference(st).catch(() => undefined);
    const windows = this.tables.windows(name, st.epoch, n);
    if (st.acc.requests > 0) {
      windows.push(this.build(st, st.acc, true));
      if (windows.length > n) windows.shift();
    }
    return {
      config: this.configOf(name, st),
      windows,
      alerts: this.tables.alerts({ deployment: name, limit: 200 }).filter((a) => a.state !== 'resolved'),
      records: this.maxSeq(name),
      features: this.features(st),
      reference: st.reference?.info ?? null,
    };
  }

  async distribution(name: string, index: number, column: string): Promise<ColumnDrift> {
    this.known(name);
    const st = this.state(name);
    await this.ensureReference(st).catch(() => undefined);
    let acc: Acc;
    if (index === st.acc.index && st.acc.requests > 0) acc = st.acc;
    else {
      const row = this.tables.window(name, st.epoch, index);
      if (!row) throw new MldeskError('NOT_FOUND', `${name} has no window ${index}`);
      acc = this.replay(st, row.firstSeq, row.lastSeq);
      Object.assign(acc, { index });
    }
    if (column !== PREDICTION_COLUMN && !acc.cols.has(column)) throw new MldeskError('NOT_FOUND', `window ${index} of ${name} has no feature '${column}'`);
    const d = this.drift(st, acc, column, true);
    if (!d) throw new MldeskError('FAILED_PRECONDITION', index === 0 && st.firstWindow ? `window 0 is the reference of ${name} (no training dataset was found)` : `no reference for '${column}' in ${name}`);
    return d;
  }

  async configure(input: { deployment: string; window?: WindowSpec; reference?: { projectId: string; path: string; commit?: string } | null; columns?: MonitorConfig['columns']; webhook?: string | null }): Promise<MonitorConfig> {
    this.known(input.deployment);
    return this.serial(input.deployment, () => this.configureNow(input));
  }

  private async configureNow(input: Parameters<MonitorService['configure']>[0]): Promise<MonitorConfig> {
    const name = input.deployment;
    const cur = this.ensure(name);
    const next: ConfigRow = { ...cur };
    if (input.window) next.window = input.window;
    if (input.reference !== undefined) {
      if (input.reference) {
        // Checked now: a reference that cannot be read is a 4xx, not a silent first-window fallback.
        const ref: DatasetRef = { projectId: input.reference.projectId, path: input.reference.path, commit: input.reference.commit ?? null, source: 'override' };
        try {
          await loadSample(this.deps.data, ref);
        } catch (e) {
          if (e instanceof MldeskError) throw e;
          throw new MldeskError('INVALID_INPUT', `The reference cannot be read: ${(e as Error).message}`);
        }
        next.reference = { projectId: ref.projectId, path: ref.path, commit: ref.commit };
      } else next.reference = null;
    }
    if (input.columns) next.columns = input.columns;
    if (input.webhook !== undefined) next.webhook = input.webhook;
    const recompute = JSON.stringify([cur.window, cur.reference, cur.columns]) !== JSON.stringify([next.window, next.reference, next.columns]);
    const saved = this.tables.saveConfig(next, recompute);
    this.ctx.audit('monitor.configure', name, { window: saved.window, reference: saved.reference, webhook: saved.webhook ? '(set)' : null });
    if (recompute) this.states.delete(name);
    const st = this.state(name);
    // The records so far are history for the new windows: computed again, they fire no alerts (nor webhooks).
    if (recompute) st.quietUntil = this.maxSeq(name);
    if (recompute) await this.ensureReference(st).catch(() => undefined);
    return this.configOf(name, st);
  }

  rules(name: string): AlertRule[] {
    this.known(name);
    this.ensure(name);
    return this.tables.rules(name);
  }

  setRules(name: string, rules: Array<RuleDraft & { id?: string }>): AlertRule[] {
    this.known(name);
    this.ensure(name);
    const out = this.tables.replaceRules(name, rules);
    this.states.get(name)?.evaluator.forget(new Set(out.map((r) => r.id)));
    this.ctx.audit('monitor.setRules', name, { rules: out.length });
    return out;
  }

  alerts(filter: { deployment?: string; state?: Alert['state']; limit: number }): Alert[] {
    return this.tables.alerts(filter);
  }

  updateAlert(id: string, state: 'acknowledged' | 'resolved'): void {
    const a = this.tables.alert(id);
    if (!a) throw new MldeskError('NOT_FOUND', `No alert ${id}`);
    if (a.state === state) return;
    if (a.state === 'resolved') throw new MldeskError('FAILED_PRECONDITION', `Alert ${id} is resolved already`);
    const updated = this.tables.setAlertState(id, state)!;
    this.ctx.audit(`monitor.alert.${state}`, a.deployment, { id });
    this.ctx.events.publish('monitor.alert', { ...updated, change: state });
  }

  /** For /metrics and the CLI: the last closed window, the open one, alert counts, per deployment. */
  snapshot(): Array<{ name: string; model: string | null; version: string | null; running: boolean; last: MonitorWindow | null; labelled: MonitorWindow | null; alerts: { open: number; acknowledged: number }; records: number }> {
    const rows = this.deps.deploy.table.all();
    const names = new Set([...rows.map((r) => r.name), ...this.tables.deployments()]);
    return [...names].sort().map((name) => {
      const row = rows.find((r) => r.name === name) ?? null;
      const c = this.tables.config(name);
      const last = c ? this.tables.lastWindow(name, c.epoch) : null;
      const labelledIdx = c ? this.tables.lastLabelledWindow(name, c.epoch) : null;
      const labelled = c && labelledIdx !== null ? (labelledIdx === last?.idx ? last : this.tables.window(name, c.epoch, labelledIdx)) : null;
      return {
        name,
        model: row?.model ?? null,
        version: row?.version ?? null,
        running: !!row && row.desired === 'running' && !!row.serverContainer,
        last: last?.window ?? null,
        labelled: labelled?.window.performance ? labelled.window : null,
        alerts: this.tables.alertCounts(name),
        records: this.maxSeq(name),
      };
    });
  }
}
