/**
 * Group fairness of a binary classifier's scores, with Fairlearn's definitions:
 * - per group: selection rate P(ŷ=1), TPR P(ŷ=1 | y=1), FPR P(ŷ=1 | y=0), precision P(y=1 | ŷ=1), and calibration
 *   (mean score, observed positive rate, expected calibration error over 10 equal-width score bins);
 * - demographic-parity difference (max − min selection rate) and ratio (min / max), equal-opportunity difference
 *   (max − min TPR) and equalized-odds difference (the larger of the TPR and FPR differences, Fairlearn's
 *   `agg="worst_case"`);
 * - 95 % percentile-bootstrap intervals: rows resampled with replacement (seeded), everything recomputed.
 *
 * Nothing is divided by zero: a metric whose denominator is empty is null (a group with no positives has no TPR, an
 * empty intersection has no metrics at all), the summaries compare the groups that have a value and the notes say
 * which were left out. The report is plain JSON: no NaN or ±Infinity anywhere.
 */
import { MldeskError } from '../../../shared/contract/errors';
import { mulberry32 } from './explain/random';

export type Interval = [number, number];

/** The per-group metrics that get a bootstrap interval. */
export const GROUP_METRICS = ['selectionRate', 'tpr', 'fpr', 'precision', 'meanScore', 'observedRate', 'ece'] as const;
export type GroupMetric = (typeof GROUP_METRICS)[number];

export interface FairnessGroup {
  /** `sex=F`, or `sex=F & age_band=<30` for an intersection; a missing value reads `sex=(missing)`. */
  key: string;
  /** The attribute values of the group (null: the value was missing). */
  values: Record<string, string | null>;
  size: number;
  /** Rows with label 1. */
  positives: number;
  /** Rows scored ≥ threshold. */
  predictedPositives: number;
  counts: { tp: number; fp: number; fn: number; tn: number };
  selectionRate: number | null;
  tpr: number | null;
  fpr: number | null;
  precision: number | null;
  calibration: { meanScore: number | null; observedRate: number | null; ece: number | null };
  /** 95 % percentile-bootstrap intervals (null: no resample gave a value, or no bootstrap). */
  ci: Record<GroupMetric, Interval | null>;
  /** Against the reference group: differences (this − reference) and the selection-rate ratio (this / reference). */
  vsReference: { selectionRateDifference: number | null; selectionRateRatio: number | null; tprDifference: number | null; fprDifference: number | null };
}

export interface SummaryMetric {
  value: number | null;
  ci: Interval | null;
  /** How many groups had a value and were compared. */
  groups: number;
  /** The groups at the extremes (for a ratio: the numerator is `min`, the denominator `max`). */
  max: string | null;
  min: string | null;
}

export interface FairnessSummary {
  demographicParityDifference: SummaryMetric;
  demographicParityRatio: SummaryMetric;
  equalOpportunityDifference: SummaryMetric;
  equalizedOddsDifference: SummaryMetric;
}

export interface FairnessReport {
  attributes: string[];
  threshold: number;
  rows: number;
  positives: number;
  bootstrap: { samples: number; seed: number; level: number };
  /** The group the per-group differences are taken against (given, else the largest). */
  reference: string | null;
  groups: FairnessGroup[];
  summary: FairnessSummary;
  notes: string[];
}

export interface FairnessArgs {
  /** Positive-class scores (probabilities), one per row. */
  scores: Float64Array | number[];
  labels: ArrayLike<0 | 1>;
  /** The sensitive attribute values per row (one or two attributes). */
  groups: Array<Record<string, string | null>>;
  /** The attributes, in order (default: the keys of the first row). */
  attributes?: string[];
  /** Predicted positive when score ≥ threshold (default 0.5). */
  threshold?: number;
  /** Bootstrap resamples (default 200; 0 = no intervals). */
  bootstrap?: number;
  seed?: number;
  /** A group key to take the per-group differences against. */
  reference?: string;
}

/** Groups beyond this many are a numeric column, not a sensitive attribute: bin it first. */
export const MAX_GROUPS = 64;
const ECE_BINS = 10;
const LEVEL = 0.95;
const MISSING = '(missing)';

const bad = (message: string) => new MldeskError('INVALID_INPUT', message);
const ratio = (a: number, b: number): number | null => (b > 0 ? a / b : null);
const valueText = (v: string | null) => (v === null ? MISSING : v);

/** Per-group tallies: what every metric is computed from (the point estimate and each resample). */
class Tally {
  readonly n: Float64Array;
  readonly pos: Float64Array;
  readonly pred: Float64Array;
  readonly tp: Float64Array;
  readonly scoreSum: Float64Array;
  /** Per group × bin: rows, score sum, positives (ECE). */
  readonly binN: Float64Array;
  readonly binScore: Float64Array;
  readonly binPos: Float64Array;

  constructor(readonly groups: number) {
    this.n = new Float64Array(groups);
    this.pos = new Float64Array(groups);
    this.pred = new Float64Array(groups);
    this.tp = new Float64Array(groups);
    this.scoreSum = new Float64Array(groups);
    this.binN = new Float64Array(groups * ECE_BINS);
    this.binScore = new Float64Array(groups * ECE_BINS);
    this.binPos = new Float64Array(groups * ECE_BINS);
  }

  reset(): void {
    for (const a of [this.n, this.pos, this.pred, this.tp, this.scoreSum, this.binN, this.binScore, this.binPos]) a.fill(0);
  }

  add(g: number, score: number, label: number, predicted: number, bin: number): void {
    this.n[g]! += 1;
    this.pos[g]! += label;
    this.pred[g]! += predicted;
    this.tp[g]! += label & predicted;
    this.scoreSum[g]! += score;
    const k = g * ECE_BINS + bin;
    this.binN[k]! += 1;
    this.binScore[k]! += score;
    this.binPos[k]! += label;
  }

  metric(g: number, m: GroupMetric): number | null {
    const n = this.n[g]!;
    const pos = this.pos[g]!;
    const pred = this.pred[g]!;
    const tp = this.tp[g]!;
    switch (m) {
      case 'selectionRate':
        return ratio(pred, n);
      case 'tpr':
        return ratio(tp, pos);
      case 'fpr':
        return ratio(pred - tp, n - pos);
      case 'precision':
        return ratio(tp, pred);
      case 'meanScore':
        return ratio(this.scoreSum[g]!, n);
      case 'observedRate':
        return ratio(pos, n);
      case 'ece': {
        if (n === 0) return null;
        let e = 0;
        for (let b = 0; b < ECE_BINS; b++) {
          const k = g * ECE_BINS + b;
          const nb = this.binN[k]!;
          if (nb > 0) e += (nb / n) * Math.abs(this.binScore[k]! / nb - this.binPos[k]! / nb);
        }
        return e;
      }
    }
  }
}

/** max − min (or min / max) of a metric over the groups that have it; `only` restricts to those groups. */
function spread(values: Array<number | null>, kind: 'difference' | 'ratio', only?: readonly number[]): { value: number | null; max: number; min: number; used: number[] } {
  const used = (only ?? values.map((_, i) => i)).filter((i) => values[i] !== null);
  if (only && used.length < only.length) return { value: null, max: -1, min: -1, used };
  if (used.length < 2) return { value: null, max: -1, min: -1, used };
  let max = used[0]!;
  let min = used[0]!;
  for (const i of used) {
    if (values[i]! > values[max]!) max = i;
    if (values[i]! < values[min]!) min = i;
  }
  const value = kind === 'difference' ? values[max]! - values[min]! : ratio(values[min]!, values[max]!);
  return { value, max, min, used };
}

type SummaryKey = keyof FairnessSummary;
const SUMMARY_KEYS: readonly SummaryKey[] = ['demographicParityDifference', 'demographicParityRatio', 'equalOpportunityDifference', 'equalizedOddsDifference'];

/** The four summary values from per-group metric getters; `only` pins the compared groups (the resamples). */
function summaryValues(get: (g: number, m: GroupMetric) => number | null, groups: number, only?: Partial<Record<SummaryKey, number[][]>>) {
  const col = (m: GroupMetric) => Array.from({ length: groups }, (_, g) => get(g, m));
  const sel = col('selectionRate');
  const tpr = col('tpr');
  const fpr = col('fpr');
  const dpd = spread(sel, 'difference', only?.demographicParityDifference?.[0]);
  const dpr = spread(sel, 'ratio', only?.demographicParityRatio?.[0]);
  const eod = spread(tpr, 'difference', only?.equalOpportunityDifference?.[0]);
  // Equalized odds: the worse of the TPR and FPR spreads; one of them alone when the other has < 2 groups.
  const eoT = spread(tpr, 'difference', only?.equalizedOddsDifference?.[0]);
  const eoF = spread(fpr, 'difference', only?.equalizedOddsDifference?.[1]);
  const eodds = eoT.value === null ? eoF.value : eoF.value === null ? eoT.value : Math.max(eoT.value, eoF.value);
  const eoddsFrom = eoT.value !== null && (eoF.value === null || eoT.value >= eoF.value) ? eoT : eoF;
  return {
    values: { demographicParityDifference: dpd.value, demographicParityRatio: dpr.value, equalOpportunityDifference: eod.value, equalizedOddsDifference: eodds } as Record<SummaryKey, number | null>,
    detail: { demographicParityDifference: dpd, demographicParityRatio: dpr, equalOpportunityDifference: eod, equalizedOddsDifference: eoddsFrom } as Record<SummaryKey, ReturnType<typeof spread>>,
    used: {
      demographicParityDifference: [dpd.used],
      demographicParityRatio: [dpr.used],
      equalOpportunityDifference: [eod.used],
      equalizedOddsDifference: [eoT.used, eoF.used],
    } as Record<SummaryKey, number[][]>,
    tprSpread: eoT,
    fprSpread: eoF,
  };
}

/** numpy's default (linear) percentile of sorted values. */
function percentile(sorted: Float64Array, q: number): number {
  const pos = (q / 100) * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** The central 95 % interval of the finite values among `xs` (NaN marks "no value in this resample"). */
function interval(xs: Float64Array): { ci: Interval | null; valid: number } {
  const v = xs.filter((x) => Number.isFinite(x)).sort();
  if (v.length === 0) return { ci: null, valid: 0 };
  const a = (1 - LEVEL) / 2;
  return { ci: [percentile(v, a * 100), percentile(v, (1 - a) * 100)], valid: v.length };
}

/** The group structure: attribute values in order, the cartesian groups, each row's group. */
function groupRows(groups: FairnessArgs['groups'], attributes: string[]) {
  const domains = attributes.map((a) => {
    const seen = new Set<string | null>();
    for (const r of groups) {
      const v = r[a];
      seen.add(v === undefined || v === null ? null : String(v));
    }
    if (seen.size > MAX_GROUPS) throw bad(`The sensitive attribute "${a}" has ${seen.size} distinct values (at most ${MAX_GROUPS}): bin it into bands first`);
    const present = [...seen].filter((v): v is string => v !== null).sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
    return seen.has(null) ? [...present, null] : present;
  });
  // Cartesian product, first attribute outermost.
  let combos: Array<Array<string | null>> = [[]];
  for (const d of domains) combos = combos.flatMap((c) => d.map((v) => [...c, v]));
  if (combos.length > MAX_GROUPS * 4) throw bad(`${combos.length} intersectional groups are too many: bin the attributes first`);
  const index = new Map(combos.map((c, i) => [JSON.stringify(c), i]));
  const rowGroup = new Int32Array(groups.length);
  groups.forEach((r, i) => {
    rowGroup[i] = index.get(JSON.stringify(attributes.map((a) => (r[a] === undefined || r[a] === null ? null : String(r[a])))))!;
  });
  const keys = combos.map((c) => c.map((v, i) => `${attributes[i]}=${valueText(v)}`).join(' & '));
  return { combos, keys, rowGroup };
}

/** Fairness metrics per group and their disparities, with bootstrap intervals (see the file comment). */
export function fairnessReport(args: FairnessArgs): FairnessReport {
  const { scores, labels, groups } = args;
  const n = scores.length;
  const threshold = args.threshold ?? 0.5;
  const samples = args.bootstrap ?? 200;
  const seed = args.seed ?? 1;
  if (labels.length !== n || groups.length !== n) throw bad(`scores (${n}), labels (${labels.length}) and groups (${groups.length}) must have one entry per row`);
  if (!Number.isFinite(threshold)) throw bad('The threshold must be a finite number');
  if (!Number.isInteger(samples) || samples < 0 || samples > 100_000) throw bad('bootstrap must be an integer from 0 to 100000');
  const attributes = args.attributes ?? Object.keys(groups[0] ?? {});
  if (attributes.length < 1 || attributes.length > 2) throw bad(`Fairness takes one or two sensitive attributes (got ${attributes.length})`);
  if (new Set(attributes).size !== attributes.length) throw bad('The sensitive attributes must differ');

  const label = new Uint8Array(n);
  const predicted = new Uint8Array(n);
  const bin = new Uint8Array(n);
  let positives = 0;
  for (let i = 0; i < n; i++) {
    const s = scores[i]!;
    const y = labels[i];
    if (!Number.isFinite(s)) throw bad(`Row ${i}: the score is not a finite number`);
    if (y !== 0 && y !== 1) throw bad(`Row ${i}: the label must be 0 or 1`);
    label[i] = y;
    positives += y;
    predicted[i] = s >= threshold ? 1 : 0;
    bin[i] = Math.min(ECE_BINS - 1, Math.max(0, Math.floor(s * ECE_BINS)));
  }

  const { combos, keys, rowGroup } = groupRows(groups, attributes);
  const G = combos.length;
  const point = new Tally(G);
  for (let i = 0; i < n; i++) point.add(rowGroup[i]!, scores[i]!, label[i]!, predicted[i]!, bin[i]!);
  const notes: string[] = [];
  if (n === 0) notes.push('No rows: every metric is null.');

  const reference = args.reference ?? (G > 0 ? keys[point.n.reduce((best, v, g) => (v > point.n[best]! ? g : best), 0)]! : null);
  const refIndex = reference === null ? -1 : keys.indexOf(reference);
  if (reference !== null && refIndex < 0) throw bad(`The reference group "${reference}" is not one of ${keys.join(', ')}`);

  const point4 = summaryValues((g, m) => point.metric(g, m), G);

  // Bootstrap: whole rows resampled, so group sizes vary between resamples as they would in new data. A summary's
  // resample compares the same groups as its point estimate; a resample where one of them has no value is skipped.
  const groupDraws = GROUP_METRICS.map(() => Array.from({ length: G }, () => new Float64Array(samples)));
  const summaryDraws = SUMMARY_KEYS.map(() => new Float64Array(samples));
  if (samples > 0 && n > 0) {
    const rnd = mulberry32(seed);
    const t = new Tally(G);
    for (let b = 0; b < samples; b++) {
      t.reset();
      for (let k = 0; k < n; k++) {
        const i = Math.floor(rnd() * n);
        t.add(rowGroup[i]!, scores[i]!, label[i]!, predicted[i]!, bin[i]!);
      }
      GROUP_METRICS.forEach((m, mi) => {
        for (let g = 0; g < G; g++) groupDraws[mi]![g]![b] = t.metric(g, m) ?? NaN;
      });
      const s = summaryValues((g, m) => t.metric(g, m), G, point4.used);
      SUMMARY_KEYS.forEach((k, ki) => {
        summaryDraws[ki]![b] = point4.values[k] === null ? NaN : (s.values[k] ?? NaN);
      });
    }
  }

  const refMetric = (m: GroupMetric) => (refIndex < 0 ? null : point.metric(refIndex, m));
  const diff = (a: number | null, b: number | null) => (a === null || b === null ? null : a - b);
  const out: FairnessGroup[] = combos.map((combo, g) => {
    const m = (x: GroupMetric) => point.metric(g, x);
    const ci = Object.fromEntries(GROUP_METRICS.map((x, mi) => [x, samples > 0 && m(x) !== null ? interval(groupDraws[mi]![g]!).ci : null])) as Record<GroupMetric, Interval | null>;
    const sr = m('selectionRate');
    const refSr = refMetric('selectionRate');
    return {
      key: keys[g]!,
      values: Object.fromEntries(attributes.map((a, i) => [a, combo[i]!])),
      size: point.n[g]!,
      positives: point.pos[g]!,
      predictedPositives: point.pred[g]!,
      counts: { tp: point.tp[g]!, fp: point.pred[g]! - point.tp[g]!, fn: point.pos[g]! - point.tp[g]!, tn: point.n[g]! - point.pos[g]! - point.pred[g]! + point.tp[g]! },
      selectionRate: sr,
      tpr: m('tpr'),
      fpr: m('fpr'),
      precision: m('precision'),
      calibration: { meanScore: m('meanScore'), observedRate: m('observedRate'), ece: m('ece') },
      ci,
      vsReference: {
        selectionRateDifference: diff(sr, refSr),
        selectionRateRatio: sr === null || refSr === null ? null : ratio(sr, refSr),
        tprDifference: diff(m('tpr'), refMetric('tpr')),
        fprDifference: diff(m('fpr'), refMetric('fpr')),
      },
    };
  });

  // What was left out, and why.
  for (const g of out) {
    if (g.size === 0) notes.push(`${g.key}: no rows (an empty ${attributes.length > 1 ? 'intersection' : 'group'}); its metrics are null.`);
    else {
      const missing: string[] = [];
      if (g.positives === 0) missing.push('no positive labels, so TPR is null');
      if (g.positives === g.size) missing.push('no negative labels, so FPR is null');
      if (g.predictedPositives === 0) missing.push(`no score ≥ ${threshold}, so precision is null`);
      if (missing.length) notes.push(`${g.key}: ${missing.join('; ')}.`);
      if (g.size < 30) notes.push(`${g.key}: only ${g.size} rows; its rates are noisy (see the intervals).`);
    }
  }
  const skipped = (m: 'selectionRate' | 'tpr' | 'fpr') => out.filter((g) => g[m] === null).map((g) => g.key);
  const skipNote = (what: string, m: 'selectionRate' | 'tpr' | 'fpr') => {
    const s = skipped(m);
    if (s.length) notes.push(`${what}: groups without a ${m === 'selectionRate' ? 'selection rate' : m.toUpperCase()} are skipped (${s.join(', ')}).`);
  };
  skipNote('Demographic parity', 'selectionRate');
  skipNote('Equal opportunity and equalized odds', 'tpr');
  skipNote('Equalized odds', 'fpr');
  for (const k of SUMMARY_KEYS) if (point4.values[k] === null) notes.push(`${k}: null (${k === 'demographicParityRatio' && point4.detail[k].used.length >= 2 ? 'no group has a selection rate above 0' : 'fewer than two groups have a value'}).`);
  if (point4.tprSpread.value === null && point4.fprSpread.value !== null) notes.push('equalizedOddsDifference: the FPR difference alone (fewer than two groups have a TPR).');
  if (point4.fprSpread.value === null && point4.tprSpread.value !== null) notes.push('equalizedOddsDifference: the TPR difference alone (fewer than two groups have an FPR).');

  const summary = Object.fromEntries(
    SUMMARY_KEYS.map((k, ki) => {
      const d = point4.detail[k];
      const value = point4.values[k];
      let ci: Interval | null = null;
      if (value !== null && samples > 0) {
        const r = interval(summaryDraws[ki]!);
        ci = r.ci;
        if (r.valid < samples) notes.push(`${k}: ${samples - r.valid} of ${samples} resamples left a compared group without a value; the interval uses the other ${r.valid}.`);
      }
      return [k, { value, ci, groups: d.used.length, max: value === null ? null : keys[d.max]!, min: value === null ? null : keys[d.min]! } satisfies SummaryMetric];
    }),
  ) as unknown as FairnessSummary;

  return { attributes, threshold, rows: n, positives, bootstrap: { samples, seed, level: LEVEL }, reference, groups: out, summary, notes };
}
