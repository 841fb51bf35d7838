import fs from 'node:fs';
import path from 'node:path';
import git from 'isomorphic-git';
import {
  MldeskError,
  type CardEdits,
  type FairnessReport,
  type GlobalResult,
  type GlobalSettings,
  type InsightDatasetRef,
  type InsightRow,
  type LocalExplanation,
  type LocalMethod,
  type LocalResult,
  type ModelCard,
  type ModelLineage,
  type ParsedInput,
} from '../../../shared/contract';
import type { EngineContext } from '../context';
import type { Containers } from '../containers';
import type { DataService } from '../data';
import type { Jobs, JobReporter } from '../jobs';
import { featureRows, predictions } from '../monitor';
import { commitFiles } from '../projects/git';
import { modelLineage, type RegistryService } from '../registry';
import type { Tracking } from '../tracking';
import { cacheKey, InsightCache } from './cache';
import { cardHtml, cardMarkdown, cardPath, cardSections, parseEdits, type CardInput, type Edits } from './card';
import { loadData, resolveDataset, sampleIndexes, type LoadedData } from './data';
import { kernelShap, lime, treeExplainer, type TreeExplainer } from './explain';
import { fairnessOfRows } from './fairnessData';
import { globalExplanations, partialDependence, type PartialDependence } from './global';
import { onnxPredict, type OnnxModel } from './predict';
import type { Attribution, FeatureSpec, Progress, Row } from './types';

/**
 * Model insight's methods. Models load once per ONNX digest (onnxruntime in the predict worker, so scoring never
 * blocks the engine) and stay loaded for a short while; data loads once per (version, dataset) for a short while too.
 * Global explanations and fairness reports are cached in SQLite by (model digest, dataset digest, settings).
 */

export interface InsightDeps {
  registry: RegistryService;
  tracking: Tracking;
  data: DataService;
  jobs: Jobs;
  containers: Pick<Containers, 'resolveModel'>;
  /** The lineage with the extras other features add (image, deployments): models.lineage. Default: the registry's own. */
  lineage?: (model: string, version: string) => Promise<ModelLineage>;
}

/** A PD/ICE curve as the contract carries it (a missing grid value reads "(missing)"). */
const pdpOut = (p: PartialDependence): GlobalResult['pdp'][number] => ({ feature: p.feature, kind: p.kind, grid: p.grid.map((g) => (g === null ? '(missing)' : typeof g === 'boolean' ? String(g) : g)), pd: p.pd, ice: p.ice.curves });

/** Bumped when an algorithm changes what it computes: cached results of older code are not reused. */
const ALGORITHMS = 'insight/1';
/** KernelSHAP is ~100 ms a row: the global mean |SHAP| averages at most this many rows with it. */
const KERNEL_ROWS = 200;
const BACKGROUND_ROWS = 50;
/** KernelSHAP per row of the global average: a smaller coalition budget and background than one local explanation gets (still additive: the efficiency constraint holds exactly). */
const GLOBAL_KERNEL = { maxCoalitions: 1024, backgroundSize: 25 };
const LIME_TRAINING_ROWS = 2000;
const FAIRNESS_ROWS = 100_000;
/** Loaded models and data stay this long after their last use (a long job keeps using its own). */
const KEEP_MS = 30 * 60_000;
const OIP_ROUTE = '/v2/models/{name}/infer';

interface Loaded<T> {
  value: Promise<T>;
  at: number;
}

/** A tiny keep-a-few cache of promises, with an optional close for what falls out. */
class Keep<T> {
  private readonly map = new Map<string, Loaded<T>>();
  constructor(
    private readonly max: number,
    private readonly close?: (v: T) => Promise<void> | void,
  ) {}
  get(key: string, make: () => Promise<T>): Promise<T> {
    const hit = this.map.get(key);
    if (hit && Date.now() - hit.at < KEEP_MS) {
      hit.at = Date.now();
      return hit.value;
    }
    if (hit) this.drop(key);
    const value = make();
    value.catch(() => this.map.delete(key));
    this.map.set(key, { value, at: Date.now() });
    while (this.map.size > this.max) this.drop(this.map.keys().next().value!);
    return value;
  }
  private drop(key: string): void {
    const e = this.map.get(key);
    this.map.delete(key);
    if (e && this.close) void e.value.then((v) => this.close!(v)).catch(() => undefined);
  }
  async clear(): Promise<void> {
    const all = [...this.map.values()];
    this.map.clear();
    if (this.close) for (const e of all) await e.value.then((v) => this.close!(v)).catch(() => undefined);
  }
}

interface ModelHandle {
  model: OnnxModel;
  bytes: Uint8Array;
  digest: string;
  tree: Map<string, Promise<TreeExplainer | null>>;
}

export class InsightService {
  readonly cache: InsightCache;
  /** How many global explanations were computed (not served from the cache) by this engine: tests assert reuse with it. */
  computed = 0;
  private readonly models = new Keep<ModelHandle>(2, (h) => h.model.close());
  private readonly datasets = new Keep<LoadedData>(3);

  constructor(
    private readonly ctx: EngineContext,
    private readonly deps: InsightDeps,
  ) {
    this.cache = new InsightCache(ctx);
  }

  // ── loading ────────────────────────────────────────────────────────────────

  private async modelOf(model: string, version: string): Promise<ModelHandle> {
    const m = await this.deps.containers.resolveModel({ model, version });
    if (!m.onnxFile || !m.modelDigest) throw new MldeskError('FAILED_PRECONDITION', `${model} v${version} has no ONNX file: insight explains ONNX models`);
    const file = m.onnxFile;
    const digest = m.modelDigest;
    return this.models.get(digest, async () => {
      const bytes = new Uint8Array(fs.readFileSync(file));
      const loaded = await onnxPredict(fs.existsSync(path.join(path.dirname(file), 'MLmodel')) ? path.dirname(file) : file);
      return { model: loaded, bytes, digest, tree: new Map() };
    });
  }

  private dataOf(model: string, version: string, dataset?: InsightDatasetRef, label?: string): Promise<LoadedData> {
    const key = JSON.stringify([model, version, dataset ?? null, label ?? null]);
    return this.datasets.get(key, () => loadData(this.deps, model, version, dataset, label !== undefined ? { label } : {}));
  }

  /** The digest of the data a computation would read, without reading it (the cache key's part). */
  private async datasetDigest(model: string, version: string, dataset?: InsightDatasetRef): Promise<string> {
    return (await this.dataOf(model, version, dataset)).info.digest;
  }

  private lineage(model: string, version: string): Promise<ModelLineage> {
    return this.deps.lineage ? this.deps.lineage(model, version) : modelLineage(this.deps.registry, this.deps.tracking, this.deps.data, model, version);
  }

  // ── global ─────────────────────────────────────────────────────────────────

  private async globalKey(i: ParsedInput<'insight.global'>): Promise<{ key: string; modelDigest: string }> {
    const m = await this.deps.containers.resolveModel({ model: i.model, version: i.version });
    if (!m.modelDigest) throw new MldeskError('FAILED_PRECONDITION', `${i.model} v${i.version} has no ONNX file: insight explains ONNX models`);
    const dataDigest = await this.datasetDigest(i.model, i.version, i.dataset);
    return { key: cacheKey('global', { algorithms: ALGORITHMS, model: m.modelDigest, data: dataDigest, subset: i.dataset ? 'given' : 'lineage', settings: i.settings }), modelDigest: m.modelDigest };
  }

  globalResult(i: ParsedInput<'insight.globalResult'>): Promise<GlobalResult | null> {
    return this.globalKey(i).then(({ key }) => this.cache.get<GlobalResult>(key));
  }

  /** Starts the global explanations as a job; a cached result makes it a job that ends at once with it. */
  async global(i: ParsedInput<'insight.global'>): Promise<{ jobId: string; key: string; cached: boolean }> {
    const { key } = await this.globalKey(i);
    const hit = this.cache.get<GlobalResult>(key);
    const title = `Explain ${i.model} v${i.version}`;
    if (hit) {
      const jobId = this.deps.jobs.start('insight', title, async (r) => {
        r.log(`Reusing the explanations computed ${new Date(hit.computedAt).toISOString()} (same model, data and settings)`);
        return hit;
      });
      return { jobId, key, cached: true };
    }
    const jobId = this.deps.jobs.start('insight', title, (r) => this.computeGlobal(i, key, r));
    return { jobId, key, cached: false };
  }

  private async computeGlobal(i: ParsedInput<'insight.global'>, key: string, r: JobReporter): Promise<GlobalResult> {
    const started = Date.now();
    const s: GlobalSettings = i.settings;
    r.phase('Loading the data', 0.01);
    const d = await this.dataOf(i.model, i.version, i.dataset);
    r.log(`Data: ${d.info.label}; label column ${d.info.labelColumn ?? '(none)'}`);
    r.phase('Loading the model', 0.04);
    const h = await this.modelOf(i.model, i.version);
    const features = h.model.features;
    const notes: string[] = [];
    const idx = sampleIndexes(d.rows.length, s.sampleRows, s.seed);
    const rows = idx.map((k) => d.rows[k]!);
    const labels = d.labels ? Float64Array.from(idx, (k) => d.labels![k]!) : null;
    const labelled = labels ? labels.every(Number.isFinite) : false;
    if (!labelled) notes.push(d.info.labelColumn ? `The label column '${d.info.labelColumn}' has missing values: no permutation importance.` : 'The data has no label column: no permutation importance (it needs the score on labels).');
    const span = (from: number, to: number): Progress => ({ fraction: (x, text) => (text ? r.phase(text, from + (to - from) * x) : r.fraction(from + (to - from) * x)) });

    let baseline: number | null = null;
    let importance: GlobalResult['importance'] = [];
    let pdp: GlobalResult['pdp'] = [];
    if (labelled) {
      r.phase(`Permutation importance and PD/ICE on ${rows.length.toLocaleString('en')} rows`, 0.05);
      const g = await globalExplanations(h.model.predict, rows, labels!, features, { repeats: s.repeats, scoring: s.scoring, seed: s.seed, top: s.pdpFeatures, maxRows: s.sampleRows }, span(0.05, 0.6));
      baseline = g.permutation.baseline;
      importance = g.permutation.features.map((f) => ({ feature: f.feature, mean: f.mean, std: f.std, ci: f.ci, values: f.values }));
      pdp = g.pdp.map(pdpOut);
    }

    r.phase('Mean |SHAP|', 0.6);
    const shap = await this.meanAbsShap(h, d, rows, features, s, span(0.6, labelled ? 0.98 : 0.8));
    if (shap.method === 'kernelshap' && rows.length > shap.rows) notes.push(`Mean |SHAP| by KernelSHAP on ${shap.rows} of the ${rows.length} rows (exact TreeSHAP needs a tree ensemble).`);
    if (!labelled && s.pdpFeatures > 0) {
      // No labels, no permutation ranking: the PD/ICE curves go to the top features by mean |SHAP|.
      r.phase('Partial dependence', 0.8);
      const top = shap.meanAbs.slice(0, s.pdpFeatures).map((m) => features.find((f) => f.name === m.feature)).filter((f): f is FeatureSpec => !!f);
      for (const [k, f] of top.entries()) pdp.push(pdpOut(await partialDependence(h.model.predict, rows, f, { seed: s.seed, progress: span(0.8, 0.98), span: [k / top.length, (k + 1) / top.length] })));
    }

    const result: GlobalResult = {
      key,
      model: i.model,
      version: i.version,
      modelDigest: h.digest,
      dataset: d.info,
      settings: s,
      features,
      baseline,
      importance,
      shap,
      pdp,
      notes,
      computedAt: Date.now(),
      tookMs: Date.now() - started,
    };
    this.cache.put(key, 'global', i.model, i.version, result);
    this.computed++;
    r.log(`Done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return result;
  }

  private async meanAbsShap(h: ModelHandle, d: LoadedData, rows: Row[], features: FeatureSpec[], s: GlobalSettings, progress: Progress): Promise<GlobalResult['shap']> {
    const background = sampleIndexes(d.rows.length, Math.min(d.rows.length, 200), s.seed + 1).map((k) => d.rows[k]!);
    const tree = await this.treeOf(h, d, background, features, s.seed);
    const take = Math.min(rows.length, tree ? s.shapRows : Math.min(s.shapRows, KERNEL_ROWS));
    const pick = sampleIndexes(rows.length, take, s.seed + 2).map((k) => rows[k]!);
    let attributions: Attribution[];
    if (tree) attributions = await tree.explain(pick, progress);
    else {
      attributions = [];
      for (let k = 0; k < pick.length; k++) {
        attributions.push(await kernelShap(h.model.predict, pick[k]!, background, features, { seed: s.seed, ...GLOBAL_KERNEL, space: this.spaceOf(h) }));
        if (k % 5 === 0) progress.fraction(k / pick.length);
      }
    }
    const sums = new Map<string, number>();
    let expected = 0;
    let maxErr = 0;
    let space: Attribution['space'] = 'probability';
    for (const a of attributions) {
      a.features.forEach((f, j) => sums.set(f, (sums.get(f) ?? 0) + Math.abs(a.phi[j]!)));
      expected = a.expected;
      maxErr = Math.max(maxErr, a.additivityError);
      space = a.space;
    }
    const meanAbs = [...sums].map(([feature, v]) => ({ feature, value: attributions.length ? v / attributions.length : 0 })).sort((a, b) => b.value - a.value);
    return { method: tree ? 'treeshap' : 'kernelshap', rows: attributions.length, space: space === 'log-odds' || space === 'value' ? space : 'probability', expected, meanAbs, maxAdditivityError: maxErr };
  }

  private spaceOf(h: ModelHandle): Attribution['space'] {
    return h.model.output.kind === 'probability' ? 'probability' : 'value';
  }

  /** The TreeSHAP explainer of a tree-ensemble model (covers from this background), or null for any other model. */
  private treeOf(h: ModelHandle, d: LoadedData, background: Row[], features: FeatureSpec[], seed: number): Promise<TreeExplainer | null> {
    const key = `${d.info.digest}/${seed}`;
    let t = h.tree.get(key);
    if (!t) {
      // Not an ensemble TreeSHAP can read (parseTreeEnsemble refuses it): KernelSHAP explains it instead.
      t = treeExplainer(h.bytes, background, features, { seed }).catch(() => null);
      h.tree.set(key, t);
    }
    return t;
  }

  // ── local ──────────────────────────────────────────────────────────────────

  private rowOf(i: ParsedInput<'insight.local'>): Row {
    if (i.row) return i.row;
    if (i.request) {
      const route = i.request.protocol === 'oip' ? OIP_ROUTE : '/invocations';
      const rows = featureRows(route, i.request.protocol === 'oip' ? i.request.body.inputs : i.request.body);
      const row = rows[i.request.index];
      if (!row) throw new MldeskError('INVALID_INPUT', rows.length ? `The request has ${rows.length} rows; there is no row ${i.request.index + 1}` : 'No rows could be read from the request body');
      return row;
    }
    const rec = i.record!;
    const raw = this.ctx.store.db.prepare('SELECT route, inputs FROM inference_records WHERE deployment = ? AND seq = ?').get(rec.deployment, rec.seq) as { route: string; inputs: string | null } | undefined;
    if (!raw) throw new MldeskError('NOT_FOUND', `No record ${rec.seq} of deployment '${rec.deployment}'`);
    const rows = featureRows(raw.route, raw.inputs ? JSON.parse(raw.inputs) : null);
    const row = rows[rec.index];
    if (!row) throw new MldeskError('FAILED_PRECONDITION', rows.length ? `Record ${rec.seq} has ${rows.length} rows; there is no row ${rec.index + 1}` : `Record ${rec.seq} kept no inputs that can be read as a row`);
    return row;
  }

  async local(i: ParsedInput<'insight.local'>): Promise<LocalResult> {
    const row = this.rowOf(i);
    const h = await this.modelOf(i.model, i.version);
    const features = h.model.features;
    const [prediction] = await h.model.predict([row]);
    const d = await this.dataOf(i.model, i.version, i.dataset);
    const background = sampleIndexes(d.rows.length, Math.min(d.rows.length, 200), i.seed + 1).map((k) => d.rows[k]!);
    const explanations: LocalExplanation[] = [];
    const skipped: LocalResult['skipped'] = [];
    const value = (f: string) => row[f] ?? null;
    const fromAttribution = (method: LocalMethod, a: Attribution, t0: number): LocalExplanation => ({
      method,
      space: a.space === 'log-odds' || a.space === 'value' ? a.space : 'probability',
      expected: a.expected,
      fx: a.fx,
      contributions: a.features.map((f, j) => ({ feature: f, value: value(f), phi: a.phi[j]!, condition: null })),
      additivityError: a.additivityError,
      r2: null,
      tookMs: Date.now() - t0,
    });
    for (const method of [...new Set(i.methods)]) {
      const t0 = Date.now();
      if (method === 'kernelshap') {
        const a = await kernelShap(h.model.predict, row, background, features, { seed: i.seed, backgroundSize: BACKGROUND_ROWS, space: this.spaceOf(h), ...(i.samples ? { maxCoalitions: i.samples } : {}) });
        explanations.push(fromAttribution('kernelshap', a, t0));
      } else if (method === 'treeshap') {
        const tree = await this.treeOf(h, d, background, features, i.seed);
        if (!tree) skipped.push({ method, reason: `${i.model} v${i.version} has no tree ensemble (TreeSHAP explains ai.onnx.ml TreeEnsemble models); KernelSHAP explains any model` });
        else explanations.push(fromAttribution('treeshap', (await tree.explain([row]))[0]!, t0));
      } else {
        const training = sampleIndexes(d.rows.length, Math.min(d.rows.length, LIME_TRAINING_ROWS), i.seed + 3).map((k) => d.rows[k]!);
        const l = await lime(h.model.predict, row, training, features, { seed: i.seed });
        const phi = l.weights.reduce((a, w) => a + w.weight, 0);
        explanations.push({
          method: 'lime',
          space: 'probability',
          expected: l.intercept,
          fx: l.local,
          contributions: l.weights.map((w) => ({ feature: w.feature, value: value(w.feature), phi: w.weight, condition: w.condition ?? null })),
          additivityError: Math.abs(l.intercept + phi - l.local),
          r2: l.r2,
          tookMs: Date.now() - t0,
        });
      }
    }
    return { model: i.model, version: i.version, row: row as InsightRow, prediction: prediction ?? NaN, background: { label: d.info.label, rows: background.length }, explanations, skipped };
  }

  // ── fairness ───────────────────────────────────────────────────────────────

  async fairness(i: ParsedInput<'insight.fairness'>): Promise<FairnessReport> {
    const h = await this.modelOf(i.model, i.version);
    const d = await this.dataOf(i.model, i.version, i.dataset, i.label);
    const label = d.info.labelColumn;
    if (!label) throw new MldeskError('FAILED_PRECONDITION', `The data (${d.info.label}) has no label column: name it (label)`);
    for (const c of i.sensitive) if (!d.columns.some((x) => x.name === c)) throw new MldeskError('INVALID_INPUT', `The data has no column '${c}' (columns: ${d.columns.map((x) => x.name).join(', ')})`);
    const key = cacheKey('fairness', { algorithms: ALGORITHMS, model: h.digest, data: d.info.digest, subset: i.dataset ? 'given' : 'lineage', label, sensitive: i.sensitive, threshold: i.threshold, bootstrap: i.bootstrap, seed: i.seed });
    const hit = this.cache.get<FairnessReport>(key);
    if (hit) {
      this.cache.put(key, 'fairness', i.model, i.version, hit); // the newest one asked for is the one the card shows
      return hit;
    }
    const rows = d.rows.length > FAIRNESS_ROWS ? sampleIndexes(d.rows.length, FAIRNESS_ROWS, i.seed).map((k) => d.rows[k]!) : d.rows;
    const r = await fairnessOfRows({ rows, predict: h.model.predict, label, sensitive: i.sensitive, threshold: i.threshold, bootstrap: i.bootstrap, seed: i.seed });
    const report: FairnessReport = { model: i.model, version: i.version, dataset: d.info, label, computedAt: Date.now(), ...r };
    this.cache.put(key, 'fairness', i.model, i.version, report);
    return report;
  }

  async columns(i: ParsedInput<'insight.columns'>) {
    const d = await this.dataOf(i.model, i.version, i.dataset);
    let features = new Set<string>();
    try {
      features = new Set((await this.modelOf(i.model, i.version)).model.features.map((f) => f.name));
    } catch {
      // no ONNX model: the columns are still worth listing
    }
    const columns = d.columns.map((c) => ({ ...c, distinct: new Set(d.rows.map((r) => r[c.name])).size, isFeature: features.has(c.name) }));
    const SENSITIVE = /(gender|sex|race|ethnic|age_?(group|band|bucket)|nationality|religion|marital|disab|citizen)/i;
    const candidates = columns.filter((c) => c.name !== d.info.labelColumn && c.distinct >= 2 && c.distinct <= 20 && !/(^id$|_id$)/i.test(c.name));
    const suggested = [...candidates.filter((c) => SENSITIVE.test(c.name)), ...candidates.filter((c) => !SENSITIVE.test(c.name) && c.kind === 'categorical')].map((c) => c.name);
    return { dataset: d.info, columns, suggested };
  }

  // ── model card ─────────────────────────────────────────────────────────────

  private async cardInput(model: string, version: string): Promise<{ input: CardInput; projectId: string | null; rel: string; dir: string | null; saved: string | null }> {
    const mv = this.deps.registry.getModelVersion(model, version);
    const lineage = await this.lineage(model, version);
    let run: CardInput['run'] = null;
    if (lineage.run) {
      try {
        const r = this.deps.tracking.runs.get(lineage.run.runId);
        run = { name: r.info.run_name, params: r.data.params, metrics: r.data.metrics.map((m) => ({ key: m.key, value: m.value })) };
      } catch {
        run = null;
      }
    }
    let training: CardInput['training'] = null;
    let projectId = lineage.projectId;
    try {
      const ref = await resolveDataset(this.deps, model, version);
      projectId ??= ref.projectId;
      const label = `${ref.path}${ref.commit ? `@${ref.commit.slice(0, 12)}` : ' (working copy)'}`;
      try {
        training = { label, profile: await this.deps.data.profile({ projectId: ref.projectId, path: ref.path, ...(ref.commit ? { version: ref.commit } : {}) }), problem: null };
      } catch (e) {
        training = { label, profile: null, problem: (e as Error).message };
      }
    } catch {
      training = null;
    }
    const rel = cardPath(model, version);
    let dir: string | null = null;
    if (projectId) {
      try {
        dir = this.deps.data.projectDir(projectId);
      } catch {
        dir = null; // the project is no longer registered
      }
    }
    const file = dir ? path.join(dir, ...rel.split('/')) : null;
    const saved = file && fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : null;
    const input: CardInput = {
      model,
      version,
      description: mv.description ?? null,
      stage: mv.current_stage,
      aliases: mv.aliases,
      createdAt: mv.creation_timestamp,
      lineage,
      run,
      training,
      global: this.cache.latest<GlobalResult>('global', model, version),
      fairness: this.cache.latest<FairnessReport>('fairness', model, version),
      edits: parseEdits(saved),
    };
    return { input, projectId: dir ? projectId : null, rel, dir, saved };
  }

  private static merge(saved: Edits, edits?: CardEdits): Edits {
    return { intendedUse: edits?.intendedUse ?? saved.intendedUse, limitations: edits?.limitations ?? saved.limitations, ethicalConsiderations: edits?.ethicalConsiderations ?? saved.ethicalConsiderations };
  }

  async card(model: string, version: string): Promise<ModelCard> {
    const c = await this.cardInput(model, version);
    const sections = cardSections(c.input);
    let savedCommit: string | null = null;
    if (c.dir && c.saved !== null) {
      try {
        savedCommit = (await git.log({ fs, dir: c.dir, filepath: c.rel, depth: 1 }))[0]?.oid ?? null;
      } catch {
        savedCommit = null; // written but never committed
      }
    }
    return { model, version, path: c.dir ? c.rel : null, projectId: c.projectId, savedCommit, sections, edits: c.input.edits, markdown: cardMarkdown(c.input, sections) };
  }

  async saveCard(model: string, version: string, edits: CardEdits): Promise<{ commit: string; path: string; projectId: string }> {
    const c = await this.cardInput(model, version);
    if (!c.dir || !c.projectId) throw new MldeskError('FAILED_PRECONDITION', `${model} v${version} leads to no registered project (lineage): there is nowhere to commit its card`);
    c.input.edits = InsightService.merge(c.input.edits, edits);
    const text = cardMarkdown(c.input, cardSections(c.input));
    const file = path.join(c.dir, ...c.rel.split('/'));
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
    const commit = await commitFiles(c.dir, [c.rel], `model card: ${model} v${version}`);
    this.ctx.audit('insight.saveCard', `${model}/${version}`, { commit, path: c.rel });
    return { commit, path: c.rel, projectId: c.projectId };
  }

  async exportCard(model: string, version: string, format: 'markdown' | 'html', edits?: CardEdits): Promise<{ text: string; fileName: string; mime: string }> {
    const c = await this.cardInput(model, version);
    c.input.edits = InsightService.merge(c.input.edits, edits);
    const sections = cardSections(c.input);
    const base = `MODEL_CARD-${model.replace(/[^A-Za-z0-9._-]+/g, '-')}-v${version}`;
    return format === 'html' ? { text: cardHtml(c.input, sections), fileName: `${base}.html`, mime: 'text/html' } : { text: cardMarkdown(c.input, sections), fileName: `${base}.md`, mime: 'text/markdown' };
  }

  // ── recorded inferences ───────────────────────────────────────────────────

  inferences(deployment: string, limit: number) {
    const rows = this.ctx.store.db
      .prepare('SELECT seq, id, time, route, inputs, outputs, status FROM inference_records WHERE deployment = ? ORDER BY seq DESC LIMIT ?')
      .all(deployment, limit) as Array<{ seq: number; id: string; time: string; route: string; inputs: string | null; outputs: string | null; status: number }>;
    return rows.map((r) => {
      const feats = featureRows(r.route, r.inputs ? JSON.parse(r.inputs) : null);
      const preds = r.outputs ? predictions(r.route, JSON.parse(r.outputs)) : [];
      return { seq: r.seq, id: r.id, time: r.time, rows: feats.length, row: (feats[0] as InsightRow | undefined) ?? null, score: preds[0]?.score ?? null, status: r.status };
    });
  }

  async dispose(): Promise<void> {
    await this.models.clear();
    await this.datasets.clear();
  }
}
