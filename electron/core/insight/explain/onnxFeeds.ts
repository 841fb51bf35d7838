/**
 * Rows of raw columns → onnxruntime feeds of an in-process session, and a batch `Predict` over one (the explainers'
 * scorer: TreeSHAP needs its own session with extra outputs; the app scores through ../predict.ts's worker).
 *
 * The layouts and conversions are ../feeds.ts's, the ones the worker uses: one input per column ([N,1] or [N]), or a
 * single numeric matrix input [N, k] filled from the features in order (a plain sklearn-onnx export).
 */
import * as ort from 'onnxruntime-node';
import { MldeskError } from '../../../../shared/contract/errors';
import { feedsOf, planOf, rowColumn } from '../feeds';
import type { FeatureSpec, Predict, Row } from '../types';
import { infoOf, scoresOf, tensorsOf } from '../worker';

/** Feeds for `rows`: per-column inputs by name, or one matrix input filled from `features` in order. */
export function rowsToFeeds(session: ort.InferenceSession, rows: readonly Row[], features?: readonly FeatureSpec[]): Record<string, ort.Tensor> {
  const inputs = session.inputMetadata.map(infoOf);
  const plan = planOf(inputs, { featureNames: features?.map((f) => f.name) });
  if (plan.mode === 'wide' && features?.length !== plan.names.length) throw new MldeskError('INVALID_INPUT', `input ${plan.info.name} takes ${plan.names.length} columns: pass that many features, in order`);
  return tensorsOf(inputs, feedsOf(plan, rows.length, rowColumn(rows)));
}

export interface SessionPredictOptions {
  /** Output to read. Default: `probabilities` when present (column 1, the positive class), else the first output. */
  output?: string;
  column?: number;
  /** For a single matrix input: the features in column order. */
  features?: readonly FeatureSpec[];
  /** Default { intraOpNumThreads: 1 }: explainers make many mid-sized runs, where one thread wastes no CPU spinning. */
  sessionOptions?: ort.InferenceSession.SessionOptions;
}

export const SESSION_OPTIONS: ort.InferenceSession.SessionOptions = { intraOpNumThreads: 1 };

/** A `Predict` over an ONNX model (bytes or a loaded session) in this thread: one onnxruntime run per call. */
export async function sessionPredict(model: Uint8Array | ort.InferenceSession, opts: SessionPredictOptions = {}): Promise<Predict & { session: ort.InferenceSession }> {
  const session = model instanceof Uint8Array ? await ort.InferenceSession.create(model, opts.sessionOptions ?? SESSION_OPTIONS) : model;
  const output = opts.output ?? (session.outputNames.includes('probabilities') ? 'probabilities' : session.outputNames[0]!);
  const column = opts.column ?? (output === 'probabilities' ? 1 : 0);
  const predict = async (rows: Row[]) => {
    if (rows.length === 0) return new Float64Array(0);
    const res = await session.run(rowsToFeeds(session, rows, opts.features), [output]);
    return scoresOf(res[output]!, output, rows.length, column);
  };
  return Object.assign(predict, { session });
}
