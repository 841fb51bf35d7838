/**
 * Model insight's shared vocabulary: explainers and fairness work on rows of raw columns (what the model's ONNX
 * signature takes: numbers, strings, missing) and a batch predict function, so they serve any ONNX model mldesk
 * registers, not only the demo's.
 */
export type Cell = number | string | boolean | null;
export type Row = Record<string, Cell>;

export interface FeatureSpec {
  name: string;
  kind: 'numeric' | 'categorical';
}

/** Rows → the score explained: the positive class's probability (binary classifier) or the value (regressor). */
export type Predict = (rows: Row[]) => Promise<Float64Array>;

/** Attributions of one prediction: fx = expected + Σ phi (additivity). */
export interface Attribution {
  features: string[];
  phi: number[];
  expected: number;
  fx: number;
  /** |expected + Σ phi − fx|. */
  additivityError: number;
  /** What the values are in: 'probability', or 'log-odds' (exact TreeSHAP on a logistic ensemble's margin). */
  space: 'probability' | 'log-odds' | 'value';
  method: 'kernelshap' | 'treeshap' | 'lime' | 'exact';
}

/** Reports progress (0..1) of a long computation; `cancelled()` is polled between batches. */
export interface Progress {
  fraction(x: number, text?: string): void;
  cancelled?(): boolean;
}
