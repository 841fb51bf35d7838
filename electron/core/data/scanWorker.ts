import { parentPort } from 'node:worker_threads';
import { indexKeys, scanCsv, ScanFailure, type ScanSpec } from './csvScan';
import { parseCsvColumns, type ColumnsSpec } from './csvColumns';

// Worker entry (dist/scanWorker.js): scans one side of a diff so both files are read in parallel; pooled,
// so it serves one request after another. Imports nothing heavy (no zod): its start-up is on the critical path.
// It also reads one side of a drift comparison as columns (`{ columns }`, csvColumns.ts).
type Request = { spec: ScanSpec; index: boolean; columns?: undefined } | { columns: ColumnsSpec };

const failure = (e: unknown) => (e instanceof ScanFailure ? { file: e.file, problem: e.problem, line: e.line } : { message: String((e as Error)?.message ?? e) });

parentPort!.on('message', (msg: Request) => {
  if (msg.columns) {
    try {
      const table = parseCsvColumns(msg.columns);
      const buffers = table.columns.flatMap((c) => (c.numeric ? [c.numeric.buffer as ArrayBuffer] : []));
      parentPort!.postMessage({ table }, buffers);
    } catch (e) {
      parentPort!.postMessage({ error: failure(e) });
    }
    return;
  }
  const { spec, index } = msg;
  try {
    const t0 = performance.now();
    const r = scanCsv(spec);
    const t1 = performance.now();
    const dup = index ? indexKeys(r) : null;
    if (process.env.MLDESK_DIFF_TRACE) console.error(`[diff] worker ${spec.file}: scan ${(t1 - t0).toFixed(0)} ms, index ${(performance.now() - t1).toFixed(0)} ms`);
    parentPort!.postMessage({ result: r, dup }, [r.hashes.buffer, r.offsets.buffer, r.table.buffer] as ArrayBuffer[]);
  } catch (e) {
    parentPort!.postMessage({ error: failure(e) });
  }
});
