import { z } from 'zod';
import { method } from './define';
import { deploymentName } from './deploy';

/**
 * Model insight (electron/core/insight): why a registered model version predicts what it does and whom it fails.
 * Global explanations (permutation importance with CIs, mean |SHAP|, PD/ICE) run as a job and are cached by
 * (model digest, dataset digest, settings); local ones (KernelSHAP, exact TreeSHAP, LIME) answer one row; fairness
 * compares groups of a sensitive attribute; the model card gathers lineage, data, metrics and those numbers, with the
 * sections a person writes, and is committed into the project as MODEL_CARD.md.
 */

const modelName = z.string().trim().min(1).max(256);
const versionNo = z.union([z.string().regex(/^\d{1,18}$/), z.number().int().min(1).max(Number.MAX_SAFE_INTEGER)]).transform((v) => String(v));
const column = z.string().min(1).max(1000);

/** One value of a row, as the model's ONNX inputs take it (numbers, strings, missing). */
export const insightCell = z.union([z.number(), z.string(), z.boolean(), z.null()]);
export const insightRow = z.record(z.string().max(1000), insightCell);
export type InsightRow = z.infer<typeof insightRow>;

/** A dataset in a project, optionally at a commit; absent: the version's validation data from lineage. */
export const insightDatasetRef = z.object({ projectId: z.string().min(8).max(64), path: z.string().min(1).max(4096), commit: z.string().regex(/^[0-9a-f]{4,40}$/).optional() }).strict();
export type InsightDatasetRef = z.infer<typeof insightDatasetRef>;

export const SCORINGS = ['roc_auc', 'accuracy', 'neg_log_loss', 'r2'] as const;
export const scoring = z.enum(SCORINGS);
export type Scoring = z.infer<typeof scoring>;

export const globalSettings = z
  .object({
    /** Permutation repeats per feature (the CI comes from their spread). */
    repeats: z.number().int().min(1).max(50).default(5),
    /** What permutation importance measures the drop of (scikit-learn's names). */
    scoring: scoring.default('roc_auc'),
    /** Rows of the dataset the importance and PD/ICE run on (a seeded sample when the data has more). */
    sampleRows: z.number().int().min(20).max(200_000).default(2000),
    /** Rows whose SHAP values are averaged (TreeSHAP: all of them is cheap; KernelSHAP: at most 200). */
    shapRows: z.number().int().min(5).max(5000).default(200),
    /** PD/ICE curves for this many of the most important features. */
    pdpFeatures: z.number().int().min(0).max(20).default(4),
    seed: z.number().int().min(0).max(2 ** 31 - 1).default(42),
  })
  .strict();
export type GlobalSettings = z.infer<typeof globalSettings>;

export const featureSpec = z.object({ name: z.string(), kind: z.enum(['numeric', 'categorical']) });

/** What a computation ran on: the dataset version, its digest, the rows used and where the labels came from. */
export const insightDataset = z.object({
  source: z.enum(['lineage', 'given']),
  projectId: z.string().nullable(),
  path: z.string(),
  commit: z.string().nullable(),
  /** `sha256:<hex>` of the file read. */
  digest: z.string(),
  /** "data/train.csv@1a2b3c4d, validation rows (4,000 of 20,000)". */
  label: z.string(),
  /** Rows of the file, and the subset used: the run's validation rows (eval/val_predictions.csv) or all. */
  totalRows: z.number(),
  subset: z.enum(['validation', 'all']),
  rows: z.number(),
  labelColumn: z.string().nullable(),
});
export type InsightDataset = z.infer<typeof insightDataset>;

const ci = z.tuple([z.number(), z.number()]);

export const globalResult = z.object({
  key: z.string(),
  model: z.string(),
  version: z.string(),
  modelDigest: z.string(),
  dataset: insightDataset,
  settings: globalSettings,
  features: z.array(featureSpec),
  /** The score of the unpermuted sample (null without labels). */
  baseline: z.number().nullable(),
  /** Permutation importance: drop of the score per feature over the repeats, its mean, std and 95% CI; sorted by mean. Empty without labels. */
  importance: z.array(z.object({ feature: z.string(), mean: z.number(), std: z.number(), ci, values: z.array(z.number()) })),
  shap: z.object({
    method: z.enum(['treeshap', 'kernelshap']),
    rows: z.number(),
    space: z.enum(['probability', 'log-odds', 'value']),
    expected: z.number(),
    /** Mean |SHAP| per feature, sorted. */
    meanAbs: z.array(z.object({ feature: z.string(), value: z.number() })),
    maxAdditivityError: z.number(),
  }),
  /** Partial dependence (mean) and ICE curves (a few rows) over a grid of the feature's values. */
  pdp: z.array(z.object({ feature: z.string(), kind: z.enum(['numeric', 'categorical']), grid: z.array(z.union([z.number(), z.string()])), pd: z.array(z.number()), ice: z.array(z.array(z.number())) })),
  notes: z.array(z.string()),
  computedAt: z.number(),
  tookMs: z.number(),
});
export type GlobalResult = z.infer<typeof globalResult>;

export const LOCAL_METHODS = ['kernelshap', 'treeshap', 'lime'] as const;
export const localMethod = z.enum(LOCAL_METHODS);
export type LocalMethod = z.infer<typeof localMethod>;

/** One explanation of one prediction, as a waterfall draws it: expected + Σ contributions = fx. */
export const localExplanation = z.object({
  method: localMethod,
  /** What expected, contributions and fx are in ('log-odds': exact TreeSHAP on a logistic ensemble's margin). */
  space: z.enum(['probability', 'log-odds', 'value']),
  /** SHAP: E[f(X)] over the background; LIME: the surrogate's intercept. */
  expected: z.number(),
  /** SHAP: f(x) in `space`; LIME: the surrogate's value at x. */
  fx: z.number(),
  contributions: z.array(z.object({ feature: z.string(), value: insightCell, phi: z.number(), condition: z.string().nullable() })),
  additivityError: z.number(),
  /** LIME's fidelity: R² of the sparse surrogate on its weighted neighbourhood. */
  r2: z.number().nullable(),
  tookMs: z.number(),
});
export type LocalExplanation = z.infer<typeof localExplanation>;

export const localResult = z.object({
  model: z.string(),
  version: z.string(),
  row: insightRow,
  /** The model's score for the row (P(positive class) or the value). */
  prediction: z.number(),
  background: z.object({ label: z.string(), rows: z.number() }),
  explanations: z.array(localExplanation),
  /** A method left out and why (e.g. TreeSHAP on a model without a tree ensemble). */
  skipped: z.array(z.object({ method: localMethod, reason: z.string() })),
});
export type LocalResult = z.infer<typeof localResult>;

const interval = z.tuple([z.number(), z.number()]).nullable();

export const FAIRNESS_METRICS = ['selectionRate', 'tpr', 'fpr', 'precision', 'meanScore', 'observedRate', 'ece'] as const;
export type FairnessMetric = (typeof FAIRNESS_METRICS)[number];

/** One group of the sensitive attribute(s), Fairlearn's definitions; a metric with an empty denominator is null. */
export const fairnessGroup = z.object({
  /** `sex=F`, or `sex=F & age_band=<30` for an intersection. */
  key: z.string(),
  values: z.record(z.string(), z.string().nullable()),
  size: z.number(),
  positives: z.number(),
  predictedPositives: z.number(),
  counts: z.object({ tp: z.number(), fp: z.number(), fn: z.number(), tn: z.number() }),
  selectionRate: z.number().nullable(),
  tpr: z.number().nullable(),
  fpr: z.number().nullable(),
  precision: z.number().nullable(),
  calibration: z.object({ meanScore: z.number().nullable(), observedRate: z.number().nullable(), ece: z.number().nullable() }),
  /** 95% percentile-bootstrap intervals. */
  ci: z.record(z.string(), interval),
  vsReference: z.object({ selectionRateDifference: z.number().nullable(), selectionRateRatio: z.number().nullable(), tprDifference: z.number().nullable(), fprDifference: z.number().nullable() }),
});
export type FairnessGroup = z.infer<typeof fairnessGroup>;

const summaryMetric = z.object({ value: z.number().nullable(), ci: interval, groups: z.number(), max: z.string().nullable(), min: z.string().nullable() });
export type SummaryMetric = z.infer<typeof summaryMetric>;

export const fairnessReport = z.object({
  model: z.string(),
  version: z.string(),
  dataset: insightDataset,
  label: z.string(),
  attributes: z.array(z.string()),
  threshold: z.number(),
  rows: z.number(),
  positives: z.number(),
  bootstrap: z.object({ samples: z.number(), seed: z.number(), level: z.number() }),
  /** The group the per-group differences are taken against (the largest). */
  reference: z.string().nullable(),
  groups: z.array(fairnessGroup),
  summary: z.object({
    demographicParityDifference: summaryMetric,
    demographicParityRatio: summaryMetric,
    equalOpportunityDifference: summaryMetric,
    equalizedOddsDifference: summaryMetric,
  }),
  notes: z.array(z.string()),
  computedAt: z.number(),
});
export type FairnessReport = z.infer<typeof fairnessReport>;

/** The sections of a model card a person writes; everything else is generated. */
export const CARD_EDITABLE = ['intendedUse', 'limitations', 'ethicalConsiderations'] as const;
export type CardEditable = (typeof CARD_EDITABLE)[number];
export const cardEdits = z.object({
  intendedUse: z.string().max(65_536).optional(),
  limitations: z.string().max(65_536).optional(),
  ethicalConsiderations: z.string().max(65_536).optional(),
}).strict();
export type CardEdits = z.infer<typeof cardEdits>;

export const modelCard = z.object({
  model: z.string(),
  version: z.string(),
  /** Where it is (or would be) committed: project-relative, e.g. models/credit-risk/v1/MODEL_CARD.md; null without a project. */
  path: z.string().nullable(),
  projectId: z.string().nullable(),
  /** The last commit of the card file (null: never saved). */
  savedCommit: z.string().nullable(),
  sections: z.array(z.object({ id: z.string(), title: z.string(), markdown: z.string(), editable: z.boolean() })),
  /** The person-written sections as saved (empty strings when never written). */
  edits: z.object({ intendedUse: z.string(), limitations: z.string(), ethicalConsiderations: z.string() }),
  markdown: z.string(),
});
export type ModelCard = z.infer<typeof modelCard>;

const byVersion = { model: modelName, version: versionNo };
const globalInput = z.object({ ...byVersion, dataset: insightDatasetRef.optional(), settings: globalSettings.prefault({}) }).strict();

/** Where a row to explain comes from: given, a recorded inference (its `index`-th row), or a request the Try-it panel sent. */
const localInput = z
  .object({
    ...byVersion,
    row: insightRow.optional(),
    record: z.object({ deployment: deploymentName, seq: z.number().int().min(0), index: z.number().int().min(0).max(9999).default(0) }).strict().optional(),
    request: z.object({ protocol: z.enum(['oip', 'invocations']), body: z.record(z.string(), z.unknown()), index: z.number().int().min(0).max(9999).default(0) }).strict().optional(),
    methods: z.array(localMethod).min(1).max(3).default(['kernelshap', 'treeshap', 'lime']),
    /** The background (SHAP) / training (LIME) data; default: the version's data from lineage. */
    dataset: insightDatasetRef.optional(),
    /** KernelSHAP coalitions (default: 2·M + 2048). */
    samples: z.number().int().min(16).max(100_000).optional(),
    seed: z.number().int().min(0).max(2 ** 31 - 1).default(42),
  })
  .strict()
  .refine((i) => [i.row, i.record, i.request].filter((x) => x !== undefined).length === 1, { message: 'give exactly one of row, record or request' });

export const insightMethods = {
  global: method(
    'Global explanations of a model version on a dataset (default: its validation data from lineage) as a job: permutation importance with CIs, mean |SHAP|, PD/ICE. A cached result (same model digest, dataset digest and settings) is reused.',
    globalInput,
    z.object({ jobId: z.string(), key: z.string(), cached: z.boolean() }),
    'member',
  ),
  globalResult: method('The cached global explanations for these inputs, or null when not computed yet.', globalInput, globalResult.nullable(), 'viewer'),
  local: method('Explain one prediction: KernelSHAP (any model), exact TreeSHAP (tree ensembles), LIME (with its fidelity R²).', localInput, localResult, 'member'),
  fairness: method(
    'Fairness by group of one sensitive attribute (or the intersection of two): size, selection rate, TPR, FPR, precision, calibration, with bootstrap CIs, and the parity / opportunity / odds differences.',
    z
      .object({
        ...byVersion,
        dataset: insightDatasetRef.optional(),
        sensitive: z.array(column).min(1).max(2),
        /** The label column (default: the run's `label` param, else a column named like one). */
        label: column.optional(),
        threshold: z.number().min(0).max(1).default(0.5),
        bootstrap: z.number().int().min(0).max(2000).default(200),
        seed: z.number().int().min(0).max(2 ** 31 - 1).default(42),
      })
      .strict(),
    fairnessReport,
    'member',
  ),
  columns: method(
    'The columns of the data a version is explained on (the candidates for a sensitive attribute), with the default dataset it resolves to.',
    z.object({ ...byVersion, dataset: insightDatasetRef.optional() }).strict(),
    z.object({ dataset: insightDataset, columns: z.array(z.object({ name: z.string(), kind: z.enum(['numeric', 'categorical']), distinct: z.number(), isFeature: z.boolean() })), suggested: z.array(z.string()) }),
    'viewer',
  ),
  card: method('The model card of a version: generated sections (lineage, data and its profile, metrics, explanations, fairness) and the person-written ones as saved.', z.object(byVersion).strict(), modelCard, 'viewer'),
  saveCard: method(
    'Save the person-written sections: writes MODEL_CARD.md next to the model in its project (models/<model>/v<version>/) and commits only that file.',
    z.object({ ...byVersion, edits: cardEdits }).strict(),
    z.object({ commit: z.string(), path: z.string(), projectId: z.string() }),
    'member',
  ),
  exportCard: method(
    'The model card as Markdown, or as one self-contained HTML file (inline CSS, charts as inline SVG). Unsaved edits may be passed.',
    z.object({ ...byVersion, format: z.enum(['markdown', 'html']), edits: cardEdits.optional() }).strict(),
    z.object({ text: z.string(), fileName: z.string(), mime: z.string() }),
    'viewer',
  ),
  inferences: method(
    'The latest recorded inferences of a deployment, one row each (the Monitoring tab’s "why this prediction?").',
    z.object({ deployment: deploymentName, limit: z.number().int().min(1).max(200).default(20) }).strict(),
    z.array(z.object({ seq: z.number(), id: z.string(), time: z.string(), rows: z.number(), row: insightRow.nullable(), score: z.number().nullable(), status: z.number() })),
    'viewer',
  ),
};
