import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { MldeskError } from '../../../shared/contract/errors';
import { resolveModelFile } from '../../../resources/runtime/model';
import { featuresOf, feedsOf, NUMERIC, planOf, rowColumn, toNumber } from './feeds';
import type { Cell, FeatureSpec, Predict, Row } from './types';
import type { Feed, ModelSource, Replace, RunRequest, SessionRunner, ValueInfo, WorkerReply, WorkerRequest } from './worker';

/**
 * Any ONNX model mldesk registers as a `Predict` over rows of raw columns, for the explainers and fairness.
 *
 * Two input layouts: one tensor per column ([N] or [N,1]: the demo's graphs take the CSV's numbers as double and
 * its categories as strings, preprocessing inside the graph), or one wide numeric tensor [N,k] whose k columns are
 * the features (named from the MLflow column signature when it has k names, else f0…f{k−1}). Values go through
 * the same conversion the "Try it" example and the monitor's reference use (toTensorValue), so a missing number
 * is NaN, as the model's own imputation expects. The explained score is the positive class's probability
 * (an output named like "probabilities", [N,2] → column 1, [N,1] → column 0), else the first numeric output
 * (a regressor's value, or a label).
 */

/** A Predict that can also score columns directly (permutation importance and PDP skip building row objects). */
export type ColumnarPredict = Predict & {
  columns?: (cols: Record<string, ArrayLike<Cell>>, n: number) => Promise<Float64Array>;
};

export interface OnnxPredictOptions {
  /** MLmodel text whose column signature names a wide input's columns (read from the model's folder when given a path). */
  mlmodel?: string;
  /** Names of a wide input's columns (wins over the signature). */
  featureNames?: string[];
  /** The output explained (default: the probabilities, else the first numeric output). */
  output?: string;
  /** The class whose probability is explained when the output has a column per class (default 1: binary positive). */
  classIndex?: number;
  /** Rows per inference call (default 16384). */
  batchSize?: number;
  /** The worker bundle to run the session in; false runs it in this thread. Default: dist/insightWorker.js when present. */
  worker?: string | false;
  /** onnxruntime intra-op threads (default: cores − 1, at least 1: one core stays with the engine). */
  threads?: number;
}

export interface ExplainedOutput {
  name: string;
  kind: 'probability' | 'value' | 'label';
  classIndex: number;
}

export interface OnnxModel {
  predict: ColumnarPredict;
  features: FeatureSpec[];
  output: ExplainedOutput;
  /** True when the session runs in a worker thread. */
  inWorker: boolean;
  close(): Promise<void>;
}

/** Worker bundle next to this one (dist/insightWorker.js); absent when running from sources (tests), then inline. */
function defaultWorkerFile(): string | null {
  const f = path.join(__dirname.replace(/app\.asar([\\/]|$)/, 'app.asar.unpacked$1'), 'insightWorker.js');
  return fs.existsSync(f) ? f : null;
}

/** The same session interface inline or across the thread boundary. */
interface Runner {
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  run(req: RunRequest): Promise<Float64Array>;
  stage(n: number, feeds: Feed[]): Promise<void>;
  runStaged(replace: Replace | null, output: string, classIndex: number, batch: number): Promise<Float64Array>;
  close(): Promise<void>;
}

const transferOf = (feeds: Array<{ data: Float64Array | string[] }>) => feeds.flatMap((f) => (f.data instanceof Float64Array ? [f.data.buffer as ArrayBuffer] : []));

async function inlineRunner(source: ModelSource, threads: number): Promise<Runner> {
  const { SessionRunner: S } = await import('./worker');
  const r: SessionRunner = await S.load(source, threads);
  return {
    inputs: r.inputs,
    outputs: r.outputs,
    run: (q) => r.run(q),
    stage: (n, feeds) => r.stage(n, feeds),
    runStaged: (replace, output, classIndex, batch) => r.runStaged(replace, output, classIndex, batch),
    close: () => r.release(),
  };
}

type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;

async function workerRunner(file: string, source: ModelSource, threads: number): Promise<Runner> {
  // The same mark as worker.ts's WORKER_MARK (not imported: that would load onnxruntime in this thread).
  const w = new Worker(file, { workerData: { mldeskInsightWorker: true } });
  const pending = new Map<number, { resolve: (r: WorkerReply & { ok: true }) => void; reject: (e: Error) => void }>();
  let seq = 0;
  let dead: Error | null = null;
  // Only pending requests keep the process alive: a handle someone forgot to close must not.
  w.unref();
  const failAll = (e: Error) => {
    dead ??= e;
    for (const p of pending.values()) p.reject(e);
    pending.clear();
  };
  w.on('message', (m: WorkerReply) => {
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    if (pending.size === 0) w.unref();
    if (m.ok) p.resolve(m);
    else p.reject(new Error(m.error));
  });
  w.on('error', failAll);
  w.on('exit', (code) => failAll(new Error(`the model insight worker stopped (exit code ${code})`)));
  const call = (req: WithoutId<WorkerRequest>, transfer: ArrayBuffer[] = []) =>
    new Promise<WorkerReply & { ok: true }>((resolve, reject) => {
      if (dead) return reject(dead);
      const id = ++seq;
      if (pending.size === 0) w.ref();
      pending.set(id, { resolve, reject });
      w.postMessage({ ...req, id } as WorkerRequest, transfer);
    });
  try {
    const loaded = await call({ op: 'load', source, threads }, 'bytes' in source ? [source.bytes.buffer as ArrayBuffer] : []);
    return {
      inputs: loaded.inputs!,
      outputs: loaded.outputs!,
      run: async (q) => (await call({ op: 'run', req: q }, transferOf(q.feeds))).scores!,
      stage: async (n, feeds) => void (await call({ op: 'stage', n, feeds }, transferOf(feeds))),
      runStaged: async (replace, output, classIndex, batch) => (await call({ op: 'runStaged', replace, output, classIndex, batch }, replace ? transferOf([replace]) : [])).scores!,
      close: async () => {
        if (!dead) await call({ op: 'close' }).catch(() => undefined);
        dead ??= new Error('the model was closed');
        await w.terminate();
      },
    };
  } catch (e) {
    await w.terminate();
    throw e;
  }
}

function outputOf(outputs: ValueInfo[], opts: OnnxPredictOptions): ExplainedOutput {
  const classIndex = opts.classIndex ?? 1;
  const numeric = outputs.filter((o) => o.isTensor && (NUMERIC.has(o.type) || o.type === 'bool'));
  if (opts.output) {
    const o = numeric.find((x) => x.name === opts.output);
    if (!o) throw new MldeskError('INVALID_INPUT', `The model has no numeric output '${opts.output}' (it has ${outputs.map((x) => x.name).join(', ')})`);
    return { name: o.name, kind: /prob/i.test(o.name) ? 'probability' : o.type.startsWith('float') ? 'value' : 'label', classIndex };
  }
  const prob = numeric.find((o) => /prob/i.test(o.name) && o.type.startsWith('float'));
  if (prob) return { name: prob.name, kind: 'probability', classIndex };
  const value = numeric.find((o) => o.type.startsWith('float'));
  if (value) return { name: value.name, kind: 'value', classIndex };
  if (numeric[0]) return { name: numeric[0].name, kind: 'label', classIndex };
  throw new MldeskError('FAILED_PRECONDITION', `The model has no numeric tensor output to explain (outputs: ${outputs.map((o) => o.name).join(', ')})`);
}

/** Loads an ONNX model (bytes, a .onnx file or an MLflow model folder) for explanations. Close it when done. */
export async function onnxPredict(model: Buffer | Uint8Array | string, opts: OnnxPredictOptions = {}): Promise<OnnxModel> {
  let source: ModelSource;
  let mlmodel = opts.mlmodel;
  if (typeof model === 'string') {
    if (!fs.existsSync(model)) throw new MldeskError('NOT_FOUND', `No model at ${model}`);
    let resolved: { file: string; mlmodel: string | null };
    try {
      resolved = resolveModelFile(model);
    } catch (e) {
      throw new MldeskError('FAILED_PRECONDITION', `${model}: ${(e as Error).message}`);
    }
    source = { file: resolved.file };
    mlmodel ??= resolved.mlmodel ?? undefined;
  } else source = { bytes: new Uint8Array(model) };
  const threads = opts.threads ?? Math.max(1, os.availableParallelism() - 1);
  const file = opts.worker === false ? null : (opts.worker ?? defaultWorkerFile());
  let runner: Runner;
  try {
    runner = file ? await workerRunner(file, source, threads) : await inlineRunner(source, threads);
  } catch (e) {
    throw new MldeskError('FAILED_PRECONDITION', `The ONNX model cannot be loaded: ${String((e as Error)?.message ?? e).split('\n')[0]}`);
  }
  try {
    const plan = planOf(runner.inputs, { ...opts, mlmodel });
    const output = outputOf(runner.outputs, opts);
    const batchSize = Math.max(1, opts.batchSize ?? 16384);
    let closed = false;

    /** Scores n rows; `slice(start, end)(feature)` gives one batch's values of a feature. */
    const score = async (n: number, slice: (start: number, end: number) => (feature: string) => ArrayLike<unknown>): Promise<Float64Array> => {
      if (closed) throw new MldeskError('FAILED_PRECONDITION', 'The model was closed');
      const out = new Float64Array(n);
      const parts: Array<Promise<void>> = [];
      for (let start = 0; start < n; start += batchSize) {
        const m = Math.min(batchSize, n - start);
        const feeds = feedsOf(plan, m, slice(start, start + m));
        const part = runner.run({ feeds, output: output.name, classIndex: output.classIndex, rows: m }).then((s) => {
          if (s.length !== m) throw new MldeskError('INTERNAL', `The model returned ${s.length} scores for ${m} rows (output ${output.name})`);
          out.set(s, start);
        });
        // Handled now (Promise.all below reports it): a batch failing while later ones are built is no unhandled rejection.
        part.catch(() => undefined);
        parts.push(part);
        // Later batches are converted while the session runs the first ones; yield so the engine keeps serving.
        if (start + m < n) await new Promise((r) => setImmediate(r));
      }
      await Promise.all(parts);
      return out;
    };

    const none: unknown[] = [];
    const predict: ColumnarPredict = (rows: Row[]) => score(rows.length, (start, end) => rowColumn(rows, start, end));
    // The column path stages the table in the session's thread once and then sends only the column that changed
    // (permutation importance and PD change one column per call): no re-conversion, no re-transfer of the rest.
    const names = plan.mode === 'wide' ? plan.names : plan.inputs.map((i) => i.info.name);
    let staged: { n: number; cols: Array<ArrayLike<Cell> | undefined> } | null = null;
    const wholeColumn = (cols: Record<string, ArrayLike<Cell>>, f: string) => cols[f] ?? none;
    predict.columns = async (cols, n) => {
      if (closed) throw new MldeskError('FAILED_PRECONDITION', 'The model was closed');
      const current = names.map((f) => cols[f]);
      const changed = staged && staged.n === n ? names.flatMap((f, j) => (current[j] !== staged!.cols[j] ? [j] : [])) : null;
      if (!changed || changed.length > 1) {
        staged = { n, cols: current };
        // Both requests are queued at once: another call restaging in between cannot slip in.
        const stagedNow = runner.stage(n, feedsOf(plan, n, (f) => wholeColumn(cols, f)));
        const scored = runner.runStaged(null, output.name, output.classIndex, batchSize);
        scored.catch(() => undefined);
        await stagedNow;
        return scored;
      }
      if (changed.length === 0) return runner.runStaged(null, output.name, output.classIndex, batchSize);
      const j = changed[0]!;
      const f = names[j]!;
      const c = wholeColumn(cols, f);
      let replace: Replace;
      // A copy: the data is transferred to the worker, and the caller may keep using its column.
      if (plan.mode === 'wide') replace = { input: plan.info.name, column: j, data: c instanceof Float64Array ? c.slice() : Float64Array.from({ length: n }, (_, i) => toNumber(c[i])) };
      else {
        const [feed] = feedsOf({ mode: 'columns', inputs: [plan.inputs[j]!] }, n, () => c);
        replace = { input: f, data: feed!.data };
      }
      return runner.runStaged(replace, output.name, output.classIndex, batchSize);
    };
    return {
      predict,
      features: featuresOf(plan),
      output,
      inWorker: file !== null,
      close: async () => {
        if (closed) return;
        closed = true;
        staged = null;
        await runner.close();
      },
    };
  } catch (e) {
    await runner.close();
    throw e;
  }
}
