import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';

/**
 * The ONNX session behind model insight's predict function. It runs in a worker thread (dist/insightWorker.js) so
 * thousands of batch inferences do not hold the engine's event loop (the HTTP server, the UI's calls); the same
 * class runs inline when there is no worker bundle (tests from sources). It only turns plain column buffers into
 * onnxruntime tensors and one output column back into a Float64Array: the mapping of rows to inputs lives in
 * predict.ts, on the caller's side.
 */

export interface ValueInfo {
  name: string;
  isTensor: boolean;
  /** onnxruntime's element type ('float32', 'float64', 'string', 'int64', 'bool', …); '' for non-tensors. */
  type: string;
  /** Dimensions; -1 where symbolic (the batch). */
  shape: number[];
}

/** One input's values for a batch: numbers (NaN = missing), strings, or 0/1 for booleans. */
export interface Feed {
  name: string;
  dims: number[];
  data: Float64Array | string[];
}

export interface RunRequest {
  feeds: Feed[];
  output: string;
  /** The batch's row count: the output holds len / rows values per row (a column per class, or one). */
  rows: number;
  /** Which of a row's values to return when it has several (a classifier's class); with one value, that one. */
  classIndex: number;
}

export type ModelSource = { file: string } | { bytes: Uint8Array };

export function infoOf(m: ort.InferenceSession.ValueMetadata): ValueInfo {
  if (!m.isTensor) return { name: m.name, isTensor: false, type: '', shape: [] };
  return { name: m.name, isTensor: true, type: m.type, shape: m.shape.map((d) => (typeof d === 'number' && d >= 0 ? d : -1)) };
}

type TensorData = Float32Array | Float64Array | BigInt64Array | Int32Array | Uint8Array | string[];

/** A feed's values as the input's element type (a missing integer is 0, as toTensorValue sends it to the runtime). */
function dataOf(type: string, f: { name: string; data: Float64Array | string[] }): TensorData {
  const d = f.data;
  if (type === 'string') return d as string[];
  const x = d as Float64Array;
  switch (type) {
    case 'float32':
      return Float32Array.from(x);
    case 'float64':
      return x;
    case 'int64':
      return BigInt64Array.from(x, (v) => (Number.isFinite(v) ? BigInt(Math.trunc(v)) : 0n));
    case 'int32':
      return Int32Array.from(x, (v) => (Number.isFinite(v) ? Math.trunc(v) : 0));
    case 'bool':
      return Uint8Array.from(x, (v) => (v ? 1 : 0));
    default:
      throw new Error(`input '${f.name}': tensors of type ${type} are not supported`);
  }
}

/** Rows [a, b) of an input's data (a view for typed arrays: no copy). */
function rowsOf(data: TensorData, perRow: number, a: number, b: number): TensorData {
  return Array.isArray(data) ? data.slice(a * perRow, b * perRow) : data.subarray(a * perRow, b * perRow);
}

const tensor = (type: string, data: TensorData, dims: number[]) => new ort.Tensor(type as 'float32', data as Float32Array, dims);

/** onnxruntime tensors of a batch's feeds, each in its input's element type. */
export function tensorsOf(inputs: readonly ValueInfo[], feeds: readonly Feed[]): Record<string, ort.Tensor> {
  const out: Record<string, ort.Tensor> = {};
  for (const f of feeds) {
    const info = inputs.find((i) => i.name === f.name);
    if (!info) throw new Error(`the model has no input '${f.name}'`);
    out[f.name] = tensor(info.type, dataOf(info.type, f), f.dims);
  }
  return out;
}

/** Value `classIndex` of each of the n rows of an output (its only value when a row has one). */
export function scoresOf(t: ort.Tensor, output: string, n: number, classIndex: number): Float64Array {
  const data = t.data as ArrayLike<number | bigint>;
  const width = n > 0 ? data.length / n : 1;
  if (!Number.isInteger(width) || width < 1) throw new Error(`output '${output}' has ${data.length} values for ${n} rows`);
  const col = width === 1 ? 0 : classIndex;
  if (col >= width) throw new Error(`output '${output}' has ${width} values per row: no class ${classIndex}`);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = Number(data[i * width + col]);
  return out;
}

/** A table staged once in the worker: explainers then send only the column they change. */
interface Staged {
  n: number;
  inputs: Array<{ name: string; type: string; dims: number[]; perRow: number; data: TensorData }>;
}

/** The one column a staged run changes: a whole input, or column `column` of a wide [N,k] input. */
export interface Replace {
  input: string;
  column?: number;
  data: Float64Array | string[];
}

export class SessionRunner {
  private constructor(
    private readonly session: ort.InferenceSession,
    readonly inputs: ValueInfo[],
    readonly outputs: ValueInfo[],
  ) {}

  static async load(src: ModelSource, threads?: number): Promise<SessionRunner> {
    const opts: ort.InferenceSession.SessionOptions = threads ? { intraOpNumThreads: threads, interOpNumThreads: 1 } : {};
    const session = 'file' in src ? await ort.InferenceSession.create(src.file, opts) : await ort.InferenceSession.create(src.bytes, opts);
    return new SessionRunner(session, session.inputMetadata.map(infoOf), session.outputMetadata.map(infoOf));
  }

  private staged: Staged | null = null;
  private queue: Promise<unknown> = Promise.resolve();

  /** One request at a time (a staged run writes its column into the shared table while it runs). */
  private serial<T>(fn: () => Promise<T> | T): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private typeOf(name: string): string {
    const info = this.inputs.find((i) => i.name === name);
    if (!info) throw new Error(`the model has no input '${name}'`);
    return info.type;
  }

  run(req: RunRequest): Promise<Float64Array> {
    return this.serial(() => this.runNow(req));
  }

  private async runNow(req: RunRequest): Promise<Float64Array> {
    return this.score(tensorsOf(this.inputs, req.feeds), req.output, req.rows, req.classIndex);
  }

  /** Keeps a table of n rows here (replacing the previous one). */
  stage(n: number, feeds: Feed[]): Promise<void> {
    return this.serial(() => this.stageNow(n, feeds));
  }

  private stageNow(n: number, feeds: Feed[]): void {
    this.staged = {
      n,
      inputs: feeds.map((f) => {
        const type = this.typeOf(f.name);
        return { name: f.name, type, dims: f.dims, perRow: f.dims.slice(1).reduce((a, b) => a * b, 1), data: dataOf(type, f) };
      }),
    };
  }

  /** Scores the staged table with one column replaced (restored afterwards), in batches of `batch` rows. */
  runStaged(replace: Replace | null, output: string, classIndex: number, batch: number): Promise<Float64Array> {
    return this.serial(() => this.runStagedNow(replace, output, classIndex, batch));
  }

  private async runStagedNow(replace: Replace | null, output: string, classIndex: number, batch: number): Promise<Float64Array> {
    const st = this.staged;
    if (!st) throw new Error('no table staged');
    const inputs = st.inputs.map((i) => ({ ...i }));
    let restore = () => {};
    if (replace) {
      const target = inputs.find((i) => i.name === replace.input);
      if (!target) throw new Error(`no staged input '${replace.input}'`);
      if (replace.column === undefined) target.data = dataOf(target.type, { name: target.name, data: replace.data });
      else {
        // A wide input: write the column in place (this worker serves one request at a time), put it back after.
        const j = replace.column;
        const k = target.perRow;
        const d = target.data as Float32Array | Float64Array;
        const saved = new Float64Array(st.n);
        const v = replace.data as Float64Array;
        for (let i = 0; i < st.n; i++) {
          saved[i] = d[i * k + j]!;
          d[i * k + j] = v[i]!;
        }
        restore = () => {
          for (let i = 0; i < st.n; i++) d[i * k + j] = saved[i]!;
        };
      }
    }
    try {
      const out = new Float64Array(st.n);
      for (let a = 0; a < st.n; a += batch) {
        const b = Math.min(st.n, a + batch);
        const feeds: Record<string, ort.Tensor> = {};
        for (const i of inputs) feeds[i.name] = tensor(i.type, rowsOf(i.data, i.perRow, a, b), [b - a, ...i.dims.slice(1)]);
        out.set(await this.score(feeds, output, b - a, classIndex), a);
      }
      return out;
    } finally {
      restore();
    }
  }

  private async score(feeds: Record<string, ort.Tensor>, output: string, n: number, classIndex: number): Promise<Float64Array> {
    const res = await this.session.run(feeds, [output]);
    const t = res[output]!;
    const out = scoresOf(t, output, n, classIndex);
    t.dispose?.();
    return out;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

// ---------------------------------------------------------------------------------------------
// Worker protocol: one session per worker; requests are served one at a time, in order.

export type WorkerRequest =
  | { id: number; op: 'load'; source: ModelSource; threads?: number }
  | { id: number; op: 'run'; req: RunRequest }
  | { id: number; op: 'stage'; n: number; feeds: Feed[] }
  | { id: number; op: 'runStaged'; replace: Replace | null; output: string; classIndex: number; batch: number }
  | { id: number; op: 'close' };

export type WorkerReply =
  | { id: number; ok: true; inputs?: ValueInfo[]; outputs?: ValueInfo[]; scores?: Float64Array }
  | { id: number; ok: false; error: string };

/** Marks the worker started by predict.ts (vitest runs test files in worker threads too: they must not serve this). */
export const WORKER_MARK = 'mldeskInsightWorker';

function serve(port: NonNullable<typeof parentPort>): void {
  let runner: SessionRunner | null = null;
  let queue = Promise.resolve();
  const handle = async (m: WorkerRequest): Promise<void> => {
    try {
      if (m.op === 'load') {
        runner = await SessionRunner.load(m.source, m.threads);
        port.postMessage({ id: m.id, ok: true, inputs: runner.inputs, outputs: runner.outputs } satisfies WorkerReply);
      } else if (m.op === 'run' || m.op === 'runStaged') {
        if (!runner) throw new Error('no model loaded');
        const scores = m.op === 'run' ? await runner.run(m.req) : await runner.runStaged(m.replace, m.output, m.classIndex, m.batch);
        port.postMessage({ id: m.id, ok: true, scores } satisfies WorkerReply, [scores.buffer as ArrayBuffer]);
      } else if (m.op === 'stage') {
        if (!runner) throw new Error('no model loaded');
        await runner.stage(m.n, m.feeds);
        port.postMessage({ id: m.id, ok: true } satisfies WorkerReply);
      } else {
        await runner?.release();
        runner = null;
        port.postMessage({ id: m.id, ok: true } satisfies WorkerReply);
      }
    } catch (e) {
      port.postMessage({ id: m.id, ok: false, error: String((e as Error)?.message ?? e) } satisfies WorkerReply);
    }
  };
  port.on('message', (m: WorkerRequest) => {
    queue = queue.then(() => handle(m));
  });
}

if (!isMainThread && parentPort && (workerData as Record<string, unknown> | null)?.[WORKER_MARK]) serve(parentPort);
