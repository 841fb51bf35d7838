import { MldeskError } from '../../../../shared/contract/errors';
import type { Cell, FeatureSpec, Predict, Progress, Row } from '../types';
import { checkCancelled, numericLabels, scoreWith, tableOf, type Column } from './columns';
import { RandomState, sklearnColumnSeed } from './random';
import { scorer, summarize, type Scoring } from './stats';

/**
 * Permutation importance, the way scikit-learn's `permutation_importance` computes it: the score on the data as it
 * is, then for each feature and repeat the score with that feature's column shuffled; importance = baseline −
 * permuted. The shuffles are numpy's (MT19937 `RandomState`): each feature starts from
 * `RandomState(seed).randint(2**31)`, and each repeat shuffles the index again and re-indexes the already permuted
 * column, exactly as sklearn does — so a seed gives sklearn's permutations and the same numbers.
 */

export interface PermutationOptions {
  /** Shuffles per feature (default 5). */
  repeats?: number;
  /** sklearn's `random_state` (default 0). */
  seed?: number;
  /** default 'roc_auc'; log loss is scored negated (greater is better), so importances are positive. */
  scoring?: Scoring;
  progress?: Progress;
}

export interface FeatureImportance {
  feature: string;
  kind: FeatureSpec['kind'];
  /** Mean decrease of the score over the repeats. */
  mean: number;
  /** Population std over the repeats (ddof = 0), as sklearn's `importances_std`. */
  std: number;
  /** 95 % confidence interval of the mean (Student t over the repeats, sample std). */
  ci: [number, number];
  /** Each repeat's decrease. */
  values: number[];
}

export interface PermutationResult {
  scoring: Scoring;
  /** The score on the data as it is. */
  baseline: number;
  repeats: number;
  seed: number;
  rows: number;
  /** Most important first. */
  features: FeatureImportance[];
}

export async function permutationImportance(
  predict: Predict,
  rows: Row[],
  labels: ArrayLike<number | boolean | string | null>,
  features: FeatureSpec[],
  opts: PermutationOptions = {},
): Promise<PermutationResult> {
  const repeats = opts.repeats ?? 5;
  const seed = opts.seed ?? 0;
  const scoring = opts.scoring ?? 'roc_auc';
  if (!Number.isInteger(repeats) || repeats < 1) throw new MldeskError('INVALID_INPUT', `repeats must be a positive integer, not ${repeats}`);
  if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32) throw new MldeskError('INVALID_INPUT', `seed must be an integer in [0, 2^32), not ${seed}`);
  if (labels.length !== rows.length) throw new MldeskError('INVALID_INPUT', `${labels.length} labels for ${rows.length} rows`);
  if (rows.length < 2) throw new MldeskError('INVALID_INPUT', 'Permutation importance needs at least two rows');
  const y = numericLabels(labels);
  if (y.some((v) => !Number.isFinite(v))) throw new MldeskError('INVALID_INPUT', 'Every row needs a numeric (or true/false) label');
  if (scoring !== 'r2' && y.some((v) => v !== 0 && v !== 1)) throw new MldeskError('INVALID_INPUT', `${scoring} needs binary labels (0/1, true/false)`);
  const score = scorer(scoring);
  const progress = opts.progress;
  const total = 1 + features.length * repeats;
  let done = 0;
  const step = (text: string) => progress?.fraction(++done / total, text);

  const table = tableOf(
    rows,
    features.map((f) => f.name),
  );
  checkCancelled(progress);
  const baseline = score(await scoreWith(predict, table, null, null), y);
  if (!Number.isFinite(baseline)) throw new MldeskError('INVALID_INPUT', `The ${scoring} of the data as it is is undefined (one class only?)`);
  step('baseline score');

  const n = table.n;
  const columnSeed = sklearnColumnSeed(seed);
  const out: FeatureImportance[] = [];
  for (const f of features) {
    const rng = new RandomState(columnSeed);
    const idx = new Uint32Array(n);
    for (let i = 0; i < n; i++) idx[i] = i;
    let permuted: Column = table.cols[f.name]!;
    checkCancelled(progress);
    // A feature's repeats are scored together: this thread permutes and converts the next while the model's
    // worker scores the previous one.
    const scored: Array<Promise<number>> = [];
    for (let r = 0; r < repeats; r++) {
      rng.shuffle(idx);
      const prev = permuted;
      const next: Column = prev instanceof Float64Array ? new Float64Array(n) : new Array<Cell>(n);
      for (let i = 0; i < n; i++) next[i] = prev[idx[i]!]!;
      permuted = next;
      scored.push(
        scoreWith(predict, table, f.name, permuted).then((s) => {
          step(`${f.name}: repeat ${r + 1} of ${repeats}`);
          return baseline - score(s, y);
        }),
      );
    }
    const values = await Promise.all(scored);
    out.push({ feature: f.name, kind: f.kind, ...summarize(values), values });
  }
  out.sort((a, b) => b.mean - a.mean);
  return { scoring, baseline, repeats, seed, rows: n, features: out };
}
