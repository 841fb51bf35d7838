/**
 * Exact TreeSHAP for an ONNX model whose tree ensemble reads a matrix `E` computed in the graph from the raw
 * columns (the demo GBT: numbers, missing indicators, one-hot columns).
 *
 * E is added as an extra graph output so onnxruntime computes it exactly as the model does; each E column is
 * mapped to the raw column(s) it depends on by probing (vary one raw column at a time on a few rows and watch
 * which E columns change); TreeSHAP runs on E and the attributions of a raw column's E columns are summed, as
 * shap does for one-hot groups. Covers come from routing the background rows through the trees.
 */
import * as ort from 'onnxruntime-node';
import { MldeskError } from '../../../../shared/contract/errors';
import type { Attribution, Cell, FeatureSpec, Progress, Row } from '../types';
import { decodeModel, withOutputs } from './onnxProto';
import { rowsToFeeds, SESSION_OPTIONS } from './onnxFeeds';
import { scoresOf } from '../worker';
import { parseTreeEnsemble, type OnnxTreeModel } from './onnxTrees';
import { sampleRows } from './random';
import { expectedMargin, setCovers, treeShapInto } from './treeShap';

export interface TreeAttribution extends Attribution {
  /** transform(expected + Σφ): the ensemble's score (the probability of a LOGISTIC classifier); null for SOFTMAX/PROBIT. */
  output: number | null;
  /** The same score as onnxruntime computed it (the ensemble node's score output). */
  modelOutput: number | null;
  /** |output − modelOutput|. */
  outputError: number | null;
}

export interface TreeExplainerOptions {
  /** Class or regression target explained (see parseTreeEnsemble). */
  target?: number;
  /** Background rows routed for the covers (a seeded sample above this). Default 10,000. */
  coverRows?: number;
  /** Rows varied per raw column when mapping E columns. Default 8. */
  probeRows?: number;
  seed?: number;
  /** Rows per onnxruntime run. Default 8192. */
  batchSize?: number;
  sessionOptions?: ort.InferenceSession.SessionOptions;
}

export interface TreeExplainer {
  readonly model: OnnxTreeModel;
  /** The attributed names: the features, then '(other)' when some E column depends on none of them. */
  readonly features: string[];
  /** Per E column, the indices (into `features`) of the raw columns it depends on. */
  readonly columnSources: number[][];
  /** E[margin] under the covers. */
  readonly expected: number;
  /** E and the ensemble's scores for rows (row-major, `width` columns). */
  encode(rows: Row[]): Promise<{ E: Float64Array; width: number; scores: Float64Array }>;
  explain(rows: Row[], progress?: Progress): Promise<TreeAttribution[]>;
}

const UNSEEN = '\u0000mldesk-unseen-category';

/** Values to try for one raw column: spread over its background values, plus missing (and an unseen category). */
function probeValues(f: FeatureSpec, background: Row[]): Cell[] {
  const seen = new Map<string, Cell>();
  for (const r of background) {
    const v = r[f.name];
    if (v !== null && v !== undefined && v !== '') seen.set(typeof v + ':' + String(v), v);
  }
  let vals = [...seen.values()];
  if (f.kind === 'numeric') {
    const nums = vals.map(Number).filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
    vals = nums.length <= 12 ? nums : Array.from({ length: 12 }, (_, i) => nums[Math.round((i * (nums.length - 1)) / 11)]!);
  } else vals = [...vals.slice(0, 200), UNSEEN];
  return [...vals, null];
}

const same = (a: number, b: number) => a === b || (Number.isNaN(a) && Number.isNaN(b));

export async function treeExplainer(modelBytes: Uint8Array, background: Row[], features: FeatureSpec[], opts: TreeExplainerOptions = {}): Promise<TreeExplainer> {
  if (background.length === 0) throw new MldeskError('INVALID_INPUT', 'TreeSHAP needs background rows for the node covers');
  const model = parseTreeEnsemble(modelBytes, { target: opts.target });
  const graph = decodeModel(modelBytes).graph ?? {};
  const seed = opts.seed ?? 0;
  const batch = Math.max(1, opts.batchSize ?? 8192);
  const graphInputs = new Set((graph.input ?? []).map((i) => i.name));
  const graphOutputs = new Set((graph.output ?? []).map((o) => o.name));
  const direct = graphInputs.has(model.input); // the ensemble reads a graph input: E is what we feed
  const extra = [...new Set([direct ? null : model.input, model.scoreOutput].filter((n): n is string => !!n && !graphOutputs.has(n)))];
  const session = await ort.InferenceSession.create(withOutputs(modelBytes, extra), opts.sessionOptions ?? SESSION_OPTIONS);

  async function encode(rows: Row[]): Promise<{ E: Float64Array; width: number; scores: Float64Array }> {
    let E = new Float64Array(0);
    let width = 0;
    const scores = new Float64Array(rows.length);
    for (let start = 0; start < rows.length; start += batch) {
      const part = rows.slice(start, start + batch);
      const feeds = rowsToFeeds(session, part, features);
      const out = await session.run(feeds, direct ? [model.scoreOutput] : [model.input, model.scoreOutput]);
      const e = direct ? feeds[model.input]! : out[model.input]!;
      const w = e.dims.length >= 2 ? e.dims[1]! : 1;
      if (start === 0) {
        width = w;
        E = new Float64Array(rows.length * w);
      }
      const data = e.data as ArrayLike<number>;
      for (let i = 0; i < part.length * w; i++) E[start * w + i] = Number(data[i]!);
      scores.set(scoresOf(out[model.scoreOutput]!, model.scoreOutput, part.length, model.scoreColumn), start);
    }
    return { E, width, scores };
  }

  // Covers.
  const coverRows = sampleRows(background, opts.coverRows ?? 10_000, seed);
  const bg = await encode(coverRows);
  if (bg.width < model.ensemble.width) throw new MldeskError('FAILED_PRECONDITION', `the trees read column ${model.ensemble.width - 1} of ${model.input}, which has ${bg.width}`);
  model.ensemble.width = bg.width;
  setCovers(model.ensemble, bg.E, coverRows.length);
  const expected = expectedMargin(model.ensemble);

  // E column → raw columns, by probing.
  const width = bg.width;
  const base = sampleRows(background, opts.probeRows ?? 8, seed + 1);
  const probes: Row[] = [];
  const owner: number[] = [];
  const baseOf: number[] = [];
  features.forEach((f, fi) => {
    const vals = probeValues(f, background);
    base.forEach((r, bi) => {
      for (const v of vals) {
        probes.push({ ...r, [f.name]: v });
        owner.push(fi);
        baseOf.push(bi);
      }
    });
  });
  const baseE = await encode(base);
  const probeE = await encode(probes);
  const deps: Array<Set<number>> = Array.from({ length: width }, () => new Set<number>());
  for (let p = 0; p < probes.length; p++) {
    const b = baseOf[p]! * width;
    for (let j = 0; j < width; j++) if (!same(probeE.E[p * width + j]!, baseE.E[b + j]!)) deps[j]!.add(owner[p]!);
  }
  const columnSources = deps.map((s) => [...s].sort((a, b) => a - b));
  const names = features.map((f) => f.name);
  const otherUsed = columnSources.some((s) => s.length === 0);
  if (otherUsed) names.push('(other)');
  const other = features.length;

  async function explain(rows: Row[], progress?: Progress): Promise<TreeAttribution[]> {
    const out: TreeAttribution[] = [];
    const colPhi = new Float64Array(width);
    for (let start = 0; start < rows.length; start += batch) {
      if (progress?.cancelled?.()) throw new MldeskError('CONFLICT', 'the explanation was cancelled');
      const part = rows.slice(start, start + batch);
      const { E, scores } = await encode(part);
      for (let i = 0; i < part.length; i++) {
        colPhi.fill(0);
        const fx = treeShapInto(model.ensemble, E, i * width, colPhi);
        const phi = new Array<number>(names.length).fill(0);
        for (let j = 0; j < width; j++) {
          const v = colPhi[j]!;
          if (v === 0) continue;
          const src = columnSources[j]!;
          if (src.length === 0) phi[other]! += v;
          else for (const s of src) phi[s]! += v / src.length; // a column built from several raw columns: shared evenly
        }
        let sum = 0;
        for (const v of phi) sum += v;
        const output = model.transform ? model.transform(fx) : null;
        const modelOutput = model.transform ? scores[i]! : null;
        out.push({
          features: names,
          phi,
          expected,
          fx,
          additivityError: Math.abs(expected + sum - fx),
          space: model.space,
          method: 'treeshap',
          output,
          modelOutput,
          outputError: output !== null && modelOutput !== null ? Math.abs(output - modelOutput) : null,
        });
      }
      progress?.fraction(Math.min(rows.length, start + batch) / rows.length, 'TreeSHAP');
    }
    return out;
  }

  return { model, features: names, columnSources, expected, encode, explain };
}
