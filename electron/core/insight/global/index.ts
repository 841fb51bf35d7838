import { MldeskError } from '../../../../shared/contract/errors';
import type { FeatureSpec, Predict, Progress, Row } from '../types';
import { checkCancelled, numericLabels, tableOf } from './columns';
import { partialDependenceOf, sampleIndices, type PartialDependence } from './pdp';
import { permutationImportance, type PermutationResult } from './permutation';
import type { Scoring } from './stats';

/**
 * A model version's global explanations on a dataset: permutation importance over all features, then partial
 * dependence / ICE curves of the most important ones. (Mean |SHAP| per feature comes from the SHAP explainers.)
 * The caller caches the result by (model digest, dataset digest, `globalSettings(settings)`).
 */

export { permutationImportance, type FeatureImportance, type PermutationOptions, type PermutationResult } from './permutation';
export { gridOf, partialDependence, partialDependenceOf, type PartialDependence, type PdpOptions } from './pdp';
export { rocAuc, summarize, tQuantile, type Scoring } from './stats';
export { isCancelled } from './columns';
export { RandomState } from './random';

export interface GlobalSettings {
  /** Permutation repeats (default 5). */
  repeats?: number;
  seed?: number;
  /** default 'roc_auc' for a classifier; use 'r2' for a regressor. */
  scoring?: Scoring;
  /** Features given PD/ICE curves, the most important first (default 3). */
  top?: number;
  /** PD grid points (default 20). */
  grid?: number;
  /** ICE curves per feature (default 50). */
  ice?: number;
  /** Rows PD averages over (default 2000). */
  pdpRows?: number;
  /** Rows permutation importance scores (default 50,000; a seeded sample of larger data). */
  maxRows?: number;
}

/** Settings with every default filled in: what a cached result is keyed by. */
export function globalSettings(s: GlobalSettings = {}): Required<GlobalSettings> {
  return {
    repeats: s.repeats ?? 5,
    seed: s.seed ?? 0,
    scoring: s.scoring ?? 'roc_auc',
    top: s.top ?? 3,
    grid: s.grid ?? 20,
    ice: s.ice ?? 50,
    pdpRows: s.pdpRows ?? 2000,
    maxRows: s.maxRows ?? 50_000,
  };
}

export interface GlobalExplanations {
  settings: Required<GlobalSettings>;
  /** Rows the explanations were computed on (after sampling). */
  rows: number;
  permutation: PermutationResult;
  pdp: PartialDependence[];
  elapsedMs: number;
}

export async function globalExplanations(
  predict: Predict,
  rows: Row[],
  labels: ArrayLike<number | boolean | string | null>,
  features: FeatureSpec[],
  settings: GlobalSettings = {},
  progress?: Progress,
): Promise<GlobalExplanations> {
  const t0 = performance.now();
  const s = globalSettings(settings);
  if (!features.length) throw new MldeskError('INVALID_INPUT', 'No features to explain');
  if (labels.length !== rows.length) throw new MldeskError('INVALID_INPUT', `${labels.length} labels for ${rows.length} rows`);
  let data = rows;
  let y = numericLabels(labels);
  if (rows.length > s.maxRows) {
    const idx = sampleIndices(rows.length, s.maxRows, s.seed);
    data = idx.map((i) => rows[i]!);
    y = Float64Array.from(idx, (i) => y[i]!);
  }
  // Split the progress bar by the rows each part scores.
  const top = Math.min(s.top, features.length);
  const permWork = data.length * (1 + features.length * s.repeats);
  const pdpWork = Math.min(s.pdpRows, data.length) * s.grid * top;
  const split = permWork / (permWork + pdpWork || 1);
  const scaled = (from: number, to: number): Progress | undefined =>
    progress && { fraction: (x, text) => progress.fraction(from + (to - from) * x, text), cancelled: () => progress.cancelled?.() ?? false };

  const permutation = await permutationImportance(predict, data, y, features, { repeats: s.repeats, seed: s.seed, scoring: s.scoring, progress: scaled(0, split) });
  const table = tableOf(
    data,
    features.map((f) => f.name),
  );
  const pdp: PartialDependence[] = [];
  const chosen = permutation.features.slice(0, top).map((fi) => features.find((f) => f.name === fi.feature)!);
  for (const [i, f] of chosen.entries()) {
    checkCancelled(progress);
    const from = split + ((1 - split) * i) / top;
    const to = split + ((1 - split) * (i + 1)) / top;
    pdp.push(await partialDependenceOf(predict, table, f, { grid: s.grid, ice: s.ice, sample: s.pdpRows, seed: s.seed, progress, span: [from, to] }));
  }
  progress?.fraction(1, 'done');
  return { settings: s, rows: data.length, permutation, pdp, elapsedMs: performance.now() - t0 };
}
