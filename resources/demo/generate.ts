/**
 * Deterministic generator for the credit-risk demo project.
 *
 * Everything written here is a pure function of the constants below: a seeded PRNG
 * (mulberry32 + Box-Muller), no clock, no Math.random — two calls give byte-identical files.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { packageRoot, resourcePath } from '../../electron/core/packageRoot';

// ---------------------------------------------------------------------------------------------
// Seeded randomness

export type Rng = () => number;

/** mulberry32: tiny, fast, good-enough 32-bit PRNG; returns floats in [0, 1). */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Random {
  private spare: number | null = null;
  constructor(private readonly next: Rng) {}

  uniform(): number {
    return this.next();
  }

  /** Standard normal via Box-Muller (the second value is kept for the next call). */
  normal(mean = 0, sd = 1): number {
    if (this.spare !== null) {
      const z = this.spare;
      this.spare = null;
      return mean + sd * z;
    }
    let u = 0;
    while (u <= Number.EPSILON) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return mean + sd * r * Math.cos(2 * Math.PI * v);
  }

  /** Knuth's method; fine for the small rates used here. */
  poisson(lambda: number): number {
    const limit = Math.exp(-lambda);
    let k = 0;
    let p = this.next();
    while (p > limit) {
      k++;
      p *= this.next();
    }
    return k;
  }

  pick<T>(items: readonly (readonly [T, number])[]): T {
    let total = 0;
    for (const [, w] of items) total += w;
    let r = this.next() * total;
    for (const [item, w] of items) {
      r -= w;
      if (r < 0) return item;
    }
    return items[items.length - 1]![0];
  }
}

// ---------------------------------------------------------------------------------------------
// The generating process

export const DEMO_COLUMNS = [
  'customer_id',
  'age',
  'income',
  'employment_years',
  'loan_amount',
  'loan_term_months',
  'interest_rate',
  'credit_score',
  'debt_to_income',
  'num_open_accounts',
  'num_delinquencies',
  'home_ownership',
  'purpose',
  'region',
  'sex',
  'default',
] as const;

export const TRAIN_ROWS = 20_000;
export const PRODUCTION_ROWS = 5_000;

const PURPOSES = ['debt_consolidation', 'credit_card', 'home_improvement', 'car', 'medical', 'small_business', 'other'] as const;
type Purpose = (typeof PURPOSES)[number];

const TRAIN_PURPOSE_WEIGHTS: Record<Purpose, number> = {
  debt_consolidation: 0.34,
  credit_card: 0.22,
  home_improvement: 0.12,
  car: 0.12,
  medical: 0.06,
  small_business: 0.05,
  other: 0.09,
};
const PRODUCTION_PURPOSE_WEIGHTS: Record<Purpose, number> = {
  debt_consolidation: 0.23,
  credit_card: 0.15,
  home_improvement: 0.08,
  car: 0.08,
  medical: 0.15,
  small_business: 0.22,
  other: 0.09,
};

/** Effect of each purpose on the default log-odds. */
const PURPOSE_RISK: Record<Purpose, number> = {
  debt_consolidation: 0.15,
  credit_card: 0.05,
  home_improvement: -0.2,
  car: -0.25,
  medical: 0.35,
  small_business: 0.7,
  other: 0,
};

const REGIONS = [
  ['north', 0.27],
  ['south', 0.25],
  ['east', 0.26],
  ['west', 0.22],
] as const;
const TERMS = [
  [12, 0.1],
  [24, 0.2],
  [36, 0.38],
  [48, 0.12],
  [60, 0.2],
] as const;

export interface BatchSpec {
  seed: number;
  rows: number;
  /** First customer number (ids are the prefix + 6 digits, unique across train and production). */
  firstId: number;
  /** Id prefix: C for customers (the default), T for the QA test applications of train.csv's first version. */
  idPrefix?: string;
  /** Multiplies every income (the drift: 0.8 = 20% lower). */
  incomeFactor: number;
  /** Share of empty income cells (the same rolls for every rate, so only the gaps change with it). */
  incomeMissingRate: number;
  /** Added to every credit score before clipping. */
  creditScoreShift: number;
  purposeWeights: Record<Purpose, number>;
}

const MISSING_RATE = 0.015;

export const TRAIN_SPEC: BatchSpec = {
  seed: 20240601,
  rows: TRAIN_ROWS,
  firstId: 1,
  incomeFactor: 1,
  incomeMissingRate: MISSING_RATE,
  creditScoreShift: 0,
  purposeWeights: TRAIN_PURPOSE_WEIGHTS,
};

export const PRODUCTION_SPEC: BatchSpec = {
  seed: 20240910,
  rows: PRODUCTION_ROWS,
  firstId: TRAIN_ROWS + 1,
  incomeFactor: 0.8,
  incomeMissingRate: 0.06,
  creditScoreShift: -40,
  purposeWeights: PRODUCTION_PURPOSE_WEIGHTS,
};

const clamp = (x: number, lo: number, hi: number) => (x < lo ? lo : x > hi ? hi : x);
const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/**
 * The sensitive attribute, `sex` (F / M), with a synthetic, documented disparity for the fairness tab.
 *
 * It is drawn after the applicant's finances, from its own seeded stream: women are more likely among applicants
 * with lower (pre-drift) incomes and credit scores — a synthetic pay and credit-history gap. By Bayes' rule that is
 * the same joint distribution as finances that depend on sex; drawing it this way keeps every other column's values
 * (and so their drift properties) unchanged. Default does NOT depend on sex given the features, and train.mjs
 * leaves `sex` out of the features — yet the model flags women more often, through income, credit score and what
 * follows from them (interest rate, debt-to-income, delinquencies): fairness through unawareness is not enough.
 * The latents are taken before the production drift, so the share of women is the same in both batches (`sex` is
 * a stable column).
 */
export const SEX = {
  /** XORed into the batch seed: the attribute's own PRNG stream. */
  stream: 0x5e7a11,
  /** Log-odds of F at the median income and a 690 credit score (≈ 50 % women). */
  base: 0.4,
  /** Log-odds of F per standard deviation of lower log income (0.45) and of lower credit score (62 points). */
  perLowerIncomeSd: 1,
  perLowerCreditSd: 1,
} as const;
export type Sex = 'F' | 'M';

/** The demo's sensitive attributes: kept out of the model's features (train.mjs), named in mldesk.json for fairness reports. */
export const DEMO_SENSITIVE = ['sex'] as const;

/** P(sex = F | pre-drift log income, pre-shift credit score). */
function probFemale(logIncome: number, creditLatent: number): number {
  return sigmoid(SEX.base - SEX.perLowerIncomeSd * ((logIncome - Math.log(52_000)) / 0.45) - SEX.perLowerCreditSd * ((creditLatent - 690) / 62));
}

/** One generated application, with the unrounded values a recomputation needs. */
export interface DemoRecord {
  id: string;
  age: number;
  income: number;
  incomeCell: string;
  employmentCell: string;
  loanAmount: number;
  term: number;
  /** Annual rate in % (unrounded). */
  interestRate: number;
  creditScore: number;
  /** Yearly debt payments other than this loan, as a share of income. */
  otherDebt: number;
  dti: number;
  openAccounts: number;
  delinquencies: number;
  home: string;
  purpose: Purpose;
  region: string;
  /** The sensitive attribute (F / M): see SEX below. */
  sex: Sex;
  label: number;
}

/** Monthly payment of an amortised loan. */
function monthlyPayment(amount: number, ratePercent: number, months: number): number {
  const monthlyRate = ratePercent / 100 / 12;
  return (amount * monthlyRate) / (1 - Math.pow(1 + monthlyRate, -months));
}

/** Generates one batch, record by record. */
export function* demoRecords(spec: BatchSpec): Generator<DemoRecord> {
  const rnd = new Random(mulberry32(spec.seed));
  // The sensitive attribute has its own stream (one draw per record), so every other column keeps its values.
  const sexRoll = mulberry32(spec.seed ^ SEX.stream);
  const purposes = PURPOSES.map((p) => [p, spec.purposeWeights[p]] as const);
  const prefix = spec.idPrefix ?? 'C';

  for (let i = 0; i < spec.rows; i++) {
    // Demographics: not drifted.
    const age = Math.round(clamp(rnd.normal(41, 12), 18, 80));
    const employment = Math.round(clamp(rnd.normal((age - 18) * 0.42, 3.5), 0, age - 18));
    const homeRoll = rnd.uniform();
    const pOwn = clamp(0.04 + (age - 18) * 0.006, 0.04, 0.4);
    const pMortgage = clamp(0.15 + (age - 18) * 0.012, 0.15, 0.55);
    const home = homeRoll < pOwn ? 'OWN' : homeRoll < pOwn + pMortgage ? 'MORTGAGE' : 'RENT';
    const region = rnd.pick(REGIONS);
    const term = rnd.pick(TERMS);

    // Finances: income and credit score carry the drift.
    const logIncome = rnd.normal(Math.log(52_000) + 0.006 * (age - 40) + 0.018 * employment, 0.45);
    const income = Math.exp(logIncome) * spec.incomeFactor;
    const creditLatent = rnd.normal(675 + 2.2 * Math.min(employment, 20) + (home === 'OWN' ? 12 : 0), 62);
    const creditScore = Math.round(clamp(creditLatent + spec.creditScoreShift, 300, 850));
    const purpose = rnd.pick(purposes);

    const loanBase = Math.exp(rnd.normal(Math.log(11_000) + 0.45 * Math.log(income / 52_000), 0.55));
    const loanAmount = Math.round(clamp(loanBase * (purpose === 'small_business' ? 1.6 : purpose === 'medical' ? 0.6 : 1), 1000, 60_000) / 250) * 250;
    const interestRate = clamp(6 + ((850 - creditScore) / 550) * 19 + (term / 60) * 1.6 + rnd.normal(0, 1.4), 3.5, 35);
    const payment = monthlyPayment(loanAmount, interestRate, term);
    const otherDebt = Math.max(0, rnd.normal(0.16, 0.07));
    const dti = clamp(otherDebt + (payment * 12) / income, 0, 1.5);
    const openAccounts = rnd.poisson(2.5 + 0.12 * Math.min(employment, 25));
    const delinquencies = rnd.poisson(0.06 + Math.max(0, 700 - creditScore) / 220);

    // Label: a logistic function of a few features plus unobserved noise.
    const z =
      -1.95 -
      1.05 * ((creditScore - 690) / 70) +
      1.1 * ((dti - 0.3) / 0.12) * 0.6 +
      0.4 * Math.min(delinquencies, 4) -
      0.4 * ((Math.log(income) - Math.log(52_000)) / 0.45) +
      0.035 * (interestRate - 12) +
      PURPOSE_RISK[purpose] +
      (home === 'RENT' ? 0.2 : home === 'OWN' ? -0.15 : 0) -
      0.025 * employment +
      0.18 * ((age - 44) / 14) ** 2 +
      rnd.normal(0, 0.55);
    const label = rnd.uniform() < sigmoid(z) ? 1 : 0;
    const sex = sexRoll() < probFemale(logIncome, creditLatent) ? 'F' : 'M';

    // Realistic gaps: ~1.5% empty cells in employment_years and income (production: more missing incomes).
    const employmentCell = rnd.uniform() < MISSING_RATE ? '' : String(employment);
    const incomeCell = rnd.uniform() < spec.incomeMissingRate ? '' : income.toFixed(2);

    yield {
      id: `${prefix}${String(spec.firstId + i).padStart(6, '0')}`,
      age,
      income,
      incomeCell,
      employmentCell,
      loanAmount,
      term,
      interestRate,
      creditScore,
      otherDebt,
      dti,
      openAccounts,
      delinquencies,
      home,
      purpose,
      region,
      sex,
      label,
    };
  }
}

/** A record's cells in DEMO_COLUMNS order. */
function recordCells(r: DemoRecord): string[] {
  return [
    r.id,
    String(r.age),
    r.incomeCell,
    r.employmentCell,
    String(r.loanAmount),
    String(r.term),
    r.interestRate.toFixed(2),
    String(r.creditScore),
    r.dti.toFixed(3),
    String(r.openAccounts),
    String(r.delinquencies),
    r.home,
    r.purpose,
    r.region,
    r.sex,
    String(r.label),
  ];
}

/** CSV text chunks (header first, CRLF line ends), one chunk per `chunkRows` lines. */
function* toCsv(header: readonly string[], rows: Iterable<string[]>, chunkRows = 2000): Generator<string> {
  let lines: string[] = [header.map(csvField).join(',')];
  for (const cells of rows) {
    lines.push(cells.map(csvField).join(','));
    if (lines.length >= chunkRows) {
      yield lines.join('\r\n') + '\r\n';
      lines = [];
    }
  }
  if (lines.length > 0) yield lines.join('\r\n') + '\r\n';
}

/** Generates one batch as CSV text chunks (header included), one chunk per `chunkRows` rows. */
export function* csvChunks(spec: BatchSpec, chunkRows = 2000): Generator<string> {
  function* rows() {
    for (const r of demoRecords(spec)) yield recordCells(r);
  }
  yield* toCsv(DEMO_COLUMNS, rows(), chunkRows);
}

// ---------------------------------------------------------------------------------------------
// The first version of data/train.csv (what the demo commits before the current one)

/**
 * `data/train.csv` as first extracted. The current file differs from it in rows and columns:
 * - rows: it holds the first `keptRows` applications only (the rest up to TRAIN_ROWS arrived later: added),
 *   plus `testRows` QA test applications (ids T000001…, one after every `testEvery` rows) that were
 *   removed since;
 * - `addedColumn` (num_delinquencies) was joined from the credit bureau only later (a schema change);
 * - `recomputedColumn` (debt_to_income) priced every loan over at most `cappedTermMonths` months: for
 *   60-month loans the current file holds the corrected, lower ratio (changed cells).
 * Same generating process and seed as TRAIN_SPEC, so the rows both versions share are otherwise identical.
 */
export const TRAIN_V1 = {
  keptRows: 18_800,
  testRows: 40,
  testEvery: 470,
  testSpec: { ...TRAIN_SPEC, seed: 20240415, rows: 40, firstId: 1, idPrefix: 'T' } satisfies BatchSpec,
  addedColumn: 'num_delinquencies',
  recomputedColumn: 'debt_to_income',
  cappedTermMonths: 48,
} as const;

export const TRAIN_V1_COLUMNS = DEMO_COLUMNS.filter((c) => c !== TRAIN_V1.addedColumn);

/** A record as the first extract wrote it: the capped-term debt-to-income, no delinquencies column. */
function v1Cells(r: DemoRecord): string[] {
  const months = Math.min(r.term, TRAIN_V1.cappedTermMonths);
  const dti = months === r.term ? r.dti : clamp(r.otherDebt + (monthlyPayment(r.loanAmount, r.interestRate, months) * 12) / r.income, 0, 1.5);
  const cells = recordCells({ ...r, dti });
  cells.splice(DEMO_COLUMNS.indexOf(TRAIN_V1.addedColumn), 1);
  return cells;
}

/** The first version of data/train.csv as CSV text chunks. */
export function* trainV1Chunks(chunkRows = 2000): Generator<string> {
  function* rows() {
    const tests = demoRecords(TRAIN_V1.testSpec);
    let n = 0;
    for (const r of demoRecords(TRAIN_SPEC)) {
      if (n === TRAIN_V1.keptRows) break;
      yield v1Cells(r);
      n++;
      if (n % TRAIN_V1.testEvery === 0) {
        const t = tests.next();
        if (!t.done) yield v1Cells(t.value);
      }
    }
  }
  yield* toCsv(TRAIN_V1_COLUMNS, rows(), chunkRows);
}

/** RFC-4180 quoting (none of the generated values need it today, but stay correct). */
function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

// ---------------------------------------------------------------------------------------------
// Project files

export const DEFAULT_TRAIN_PARAMS = {
  model: 'logreg',
  lr: 0.1,
  epochs: 15,
  l2: 0.001,
  batch_size: 256,
  seed: 42,
} as const;

const DRIFTED = ['income', 'credit_score', 'purpose'] as const;
const STABLE = ['age', 'region', 'loan_term_months', 'employment_years', 'home_ownership', 'num_open_accounts', 'sex'] as const;
/** Not drifted directly, but computed from a drifted feature, so their distribution moves too. */
const DOWNSTREAM = ['loan_amount', 'interest_rate', 'debt_to_income', 'num_delinquencies', 'default'] as const;

function driftJson(): string {
  const share = (w: Record<Purpose, number>) => Object.fromEntries(PURPOSES.map((p) => [p, w[p]]));
  const doc = {
    drifted: [...DRIFTED],
    stable: [...STABLE],
    downstream: [...DOWNSTREAM],
    reference: 'data/train.csv',
    current: 'data/production.csv',
    description:
      'data/production.csv is drawn from the same generating process as data/train.csv (same P(default | features)) ' +
      'with controlled covariate drift: income scaled by 0.8 (about 20% lower) and missing more often (6% of rows instead ' +
      'of 1.5%), credit_score shifted by -40 points ' +
      '(before clipping to 300-850), and the purpose mix moved towards small_business and medical. age, region and ' +
      'loan_term_months (and the other "stable" columns) come from unchanged distributions. The "downstream" columns ' +
      'are computed from drifted ones, so they move as a consequence (the default rate rises too).',
    changes: {
      income: { kind: 'scale', factor: PRODUCTION_SPEC.incomeFactor, missing: { train: TRAIN_SPEC.incomeMissingRate, production: PRODUCTION_SPEC.incomeMissingRate } },
      credit_score: { kind: 'shift', delta: PRODUCTION_SPEC.creditScoreShift },
      purpose: { kind: 'reweight', train: share(TRAIN_SPEC.purposeWeights), production: share(PRODUCTION_SPEC.purposeWeights) },
    },
    rows: { train: TRAIN_SPEC.rows, production: PRODUCTION_SPEC.rows },
    label: 'default',
    sensitive: {
      column: 'sex',
      description:
        'sex (F/M) is drawn after the finances: women are more likely among lower pre-drift incomes and credit scores ' +
        '(a synthetic pay and credit-history gap). Default does not depend on sex given the features and the model does not ' +
        'use sex, yet it flags women about 10 points more often at a 0.5 threshold, through the correlated features.',
      logOdds: { base: SEX.base, perLowerIncomeSd: SEX.perLowerIncomeSd, perLowerCreditSd: SEX.perLowerCreditSd },
    },
  };
  return JSON.stringify(doc, null, 2) + '\n';
}

function manifestJson(): string {
  const doc = {
    name: 'credit-risk-demo',
    description: 'Deterministic mldesk demo: credit default prediction with a drifted production batch.',
    train: { command: ['node', 'train.mjs'], params: { ...DEFAULT_TRAIN_PARAMS } },
    datasets: ['data/train.csv', 'data/production.csv'],
    label: 'default',
    id: 'customer_id',
    sensitive: [...DEMO_SENSITIVE],
    drift: 'data/drift.json',
  };
  return JSON.stringify(doc, null, 2) + '\n';
}

const README = `# credit-risk-demo

A small, fully reproducible MLOps playground generated by mldesk. Every file here is
deterministic: regenerating the demo yields byte-identical data.

## Data

\`data/train.csv\` — 20,000 synthetic loan applications, one row per customer:

| column | meaning |
| --- | --- |
| \`customer_id\` | unique id (C000001 ...) — not a feature |
| \`age\` | applicant age, 18-80 |
| \`income\` | annual income (lognormal); ~1.5% missing |
| \`employment_years\` | years in current employment; ~1.5% missing |
| \`loan_amount\` | requested amount |
| \`loan_term_months\` | 12, 24, 36, 48 or 60 |
| \`interest_rate\` | annual rate in %, priced from credit score and term |
| \`credit_score\` | 300-850 |
| \`debt_to_income\` | yearly debt payments / income, including this loan |
| \`num_open_accounts\` | open credit lines |
| \`num_delinquencies\` | past delinquencies (mostly 0) |
| \`home_ownership\` | RENT / OWN / MORTGAGE |
| \`purpose\` | debt_consolidation, credit_card, home_improvement, car, medical, small_business, other |
| \`region\` | north / south / east / west |
| \`sex\` | F / M — a **sensitive attribute**, not a feature (see Fairness) |
| \`default\` | **label**: 1 if the loan defaulted (~17% of rows) |

The label comes from a logistic function of credit score, debt-to-income, delinquencies,
income, interest rate, purpose, home ownership, employment and a mild age effect, plus
unobserved noise — a logistic regression reaches a validation ROC AUC of about 0.8.

## Drift

\`data/production.csv\` is a batch of 5,000 "production" applications from the same process
(same relationship between features and default) but with **controlled drift**:

- \`income\` about 20% lower, and missing in about 6% of rows (1.5% in training),
- \`credit_score\` about 40 points lower on average,
- \`purpose\` shifted towards \`small_business\` and \`medical\`.

\`age\`, \`region\`, \`loan_term_months\`, \`employment_years\`, \`home_ownership\` and
\`num_open_accounts\` are not drifted. \`loan_amount\`, \`interest_rate\`, \`debt_to_income\`,
\`num_delinquencies\` and the default rate move as a consequence. The ground truth is in
\`data/drift.json\` — use it to check what mldesk's drift monitor reports.

## Fairness

\`sex\` is a sensitive attribute with a synthetic, documented disparity. It is drawn after
an applicant's finances: women are more likely among lower incomes and credit scores (a
synthetic pay and credit-history gap; about 47% of the rows are women). Given the features,
default does not depend on sex, and \`train.mjs\` leaves \`sex\` out of the features — yet the
model flags women as likely defaulters about 10 points more often than men at a 0.5 threshold
(about 11.5% against 1.5% of the validation rows), through income, credit score and what
follows from them. Fairness through unawareness is not enough; the groups' base rates differ
too (about 25% against 9% defaults), so equal selection rates and equal error rates cannot
both hold.

\`\`\`sh
mldesk fairness credit-risk@1 --data data/train.csv --sensitive sex
mldesk fairness credit-risk@1 --data data/production.csv --sensitive sex --sensitive home_ownership --json
\`\`\`

## Versions and validation

The CSVs are not committed: mldesk versions them (\`mldesk data add\`), so git holds a small
pointer per file (\`data/train.csv.mldesk\`: sha256, rows, columns) and the content sits in
\`.mldesk/cache/\`. \`data/train.csv\` has two versions:

1. the first extract: ${(TRAIN_V1.keptRows + TRAIN_V1.testRows).toLocaleString('en')} rows, without \`${TRAIN_V1.addedColumn}\`, including ${TRAIN_V1.testRows} QA test
   applications (ids T000001 ...), and a \`${TRAIN_V1.recomputedColumn}\` that priced every loan over at most
   ${TRAIN_V1.cappedTermMonths} months;
2. the current file: ${(TRAIN_ROWS - TRAIN_V1.keptRows).toLocaleString('en')} newer applications added, the test applications removed,
   \`${TRAIN_V1.addedColumn}\` joined from the credit bureau, and \`${TRAIN_V1.recomputedColumn}\` recomputed for
   60-month loans.

Expectations inferred from the current \`data/train.csv\` are committed in
\`data/train.csv.expectations.json\`; \`data/production.csv\` fails them (drift, missing incomes).

\`\`\`sh
mldesk data versions data/train.csv
mldesk data diff data/train.csv@<first> data/train.csv --key customer_id
mldesk data validate data/production.csv --expectations data/train.csv.expectations.json
\`\`\`

## Training

\`train.mjs\` has no dependencies (Node 20 or newer):

\`\`\`sh
node train.mjs                       # logistic regression, defaults from mldesk.json
node train.mjs --lr 0.05             # try another learning rate
node train.mjs --epochs 30 --l2 0.01
node train.mjs --model gbt --trees 150 --depth 3   # gradient-boosted trees
\`\`\`

Options: \`--model logreg|gbt\`, \`--lr\`, \`--epochs\`, \`--l2\`, \`--batch-size\`, \`--seed\`,
\`--trees\`, \`--depth\`, \`--data <csv>\`, \`--label <column>\`, \`--out <dir>\`.

Each epoch (or every few trees) prints train/validation loss, accuracy, ROC AUC and F1. The
model (weights plus preprocessing: feature order, means, standard deviations, category
vocabularies) goes to \`outputs/model.json\`, the metrics to \`outputs/metrics.json\`, and the
script's own predictions for the validation rows to \`outputs/val_predictions.csv\`.

The same model is exported as ONNX, \`outputs/model.onnx\` with an MLflow \`outputs/MLmodel\`
(onnx flavor): it takes the raw columns (numbers as double \`[N,1]\`, NaN when missing;
categories as string \`[N,1]\`), applies the preprocessing in the graph, and returns \`label\`
(int64) and \`probabilities\` (float \`[N,2]\`). \`onnx.mjs\` writes it with the vendored
protobufjs (\`lib/protobuf.min.js\`, BSD-3-Clause) and a subset of the ONNX schema
(\`lib/onnx.proto\`), so nothing needs installing.

When \`MLFLOW_TRACKING_URI\` points at an MLflow-compatible server (mldesk is one), the
script logs params, per-epoch metrics and the dataset, the model folder as the \`model\`
artifact (\`model.onnx\`, \`MLmodel\`, \`model.json\`), \`metrics.json\` and
\`eval/val_predictions.csv\`. It attaches to \`MLFLOW_RUN_ID\` when set (mldesk's launcher
does this), otherwise it creates a run in the experiment \`MLFLOW_EXPERIMENT_NAME\` (default
\`credit-risk\`). After its trainings, \`mldesk demo\` registers the best run (by \`val_auc\`)
as the model \`credit-risk\` version 1 (alias \`champion\`) and the runner-up as version 2
(alias \`challenger\`).

\`mldesk.json\` tells mldesk how to launch training and which files are datasets.
`;

const GITIGNORE_LINES = ['# training outputs (tracked as run artifacts instead)', 'outputs/'];

/** Appends the demo's ignore lines to .gitignore (keeping what is there); returns the new content. */
function gitignoreContent(dir: string): string {
  const file = path.join(dir, '.gitignore');
  const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  const have = new Set(current.split(/\r?\n/).map((l) => l.trim()));
  if (have.has('outputs/') || have.has('outputs') || have.has('/outputs/')) return current;
  const sep = current === '' || current.endsWith('\n') ? '' : '\n';
  return `${current}${sep}${GITIGNORE_LINES.join('\n')}\n`;
}

async function writeChunks(file: string, chunks: Iterable<string>): Promise<void> {
  const handle = await fs.promises.open(file, 'w');
  try {
    for (const chunk of chunks) await handle.write(chunk);
  } finally {
    await handle.close();
  }
}

/** The demo's datasets, versioned with `data add` (the data engine) rather than committed as blobs. */
export const DEMO_DATASETS = ['data/train.csv', 'data/production.csv'] as const;

/**
 * The data history the demo commits, oldest first: write each step, then `data add` it. The last
 * step of each path is what `writeDemoFiles` writes.
 */
export const DEMO_DATA_HISTORY: ReadonlyArray<{ path: (typeof DEMO_DATASETS)[number]; label: string; chunks: () => Iterable<string> }> = [
  { path: 'data/train.csv', label: 'first extract', chunks: () => trainV1Chunks() },
  { path: 'data/train.csv', label: 'current', chunks: () => csvChunks(TRAIN_SPEC) },
  { path: 'data/production.csv', label: 'drifted production batch', chunks: () => csvChunks(PRODUCTION_SPEC) },
];

/** Writes one step of DEMO_DATA_HISTORY into the project folder `dir`. */
export async function writeDemoData(dir: string, step: (typeof DEMO_DATA_HISTORY)[number]): Promise<void> {
  const abs = path.join(dir, ...step.path.split('/'));
  fs.mkdirSync(path.dirname(abs), { recursive: true });
  await writeChunks(abs, step.chunks());
}

/** Template files copied as they are: train.mjs imports onnx.mjs, which reads lib/onnx.proto. */
const TEMPLATE_FILES = ['train.mjs', 'onnx.mjs', 'lib/onnx.proto'] as const;

/** protobufjs's UMD bundle and licence from the installed package: the demo project has no node_modules. */
function protobufFiles(): Array<{ from: string; to: string }> {
  const dir = path.dirname(createRequire(path.join(packageRoot(), 'package.json')).resolve('protobufjs/package.json'));
  return [
    { from: path.join(dir, 'dist', 'protobuf.min.js'), to: 'lib/protobuf.min.js' },
    { from: path.join(dir, 'LICENSE'), to: 'lib/protobuf.LICENSE' },
  ];
}

/**
 * Writes the demo project into `dir` (an existing, git-initialised folder) and returns the
 * relative posix paths written, for the caller to `git add` and commit. Deterministic.
 * `datasets: false` leaves out DEMO_DATASETS (the demo writes their versions one by one).
 */
export async function writeDemoFiles(dir: string, opts: { datasets?: boolean } = {}): Promise<string[]> {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new Error(`Demo target ${dir} is not an existing folder`);
  const copies = [...TEMPLATE_FILES.map((rel) => ({ from: resourcePath('demo', 'template', ...rel.split('/')), to: rel })), ...protobufFiles()];
  for (const c of copies) if (!fs.existsSync(c.from)) throw new Error(`Demo template file is missing: ${c.from}`);

  const written: string[] = [];
  const out = (rel: string) => {
    written.push(rel);
    const abs = path.join(dir, ...rel.split('/'));
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    return abs;
  };

  if (opts.datasets !== false) {
    for (const rel of DEMO_DATASETS) await writeChunks(out(rel), DEMO_DATA_HISTORY.filter((s) => s.path === rel).at(-1)!.chunks());
  }
  await fs.promises.writeFile(out('data/drift.json'), driftJson());
  // Read + write rather than copyFile: the sources may sit inside a packaged app's asar archive.
  for (const c of copies) await fs.promises.writeFile(out(c.to), await fs.promises.readFile(c.from));
  await fs.promises.writeFile(out('mldesk.json'), manifestJson());
  await fs.promises.writeFile(out('README.md'), README);
  const ignore = gitignoreContent(dir);
  await fs.promises.writeFile(out('.gitignore'), ignore);
  return written;
}
