import { parentPort } from 'node:worker_threads';
import { indexKeys, scanCsv, ScanFailure, type ScanSpec } from './csvScan';

// Worker entry (dist/scanWorker.js): scans one side of a diff so both files are read in parallel; pooled,
// so it serves one request after another. Imports nothing heavy (no zod): its start-up is on the critical path.
parentPort!.on('message', ({ spec, index }: { spec: ScanSpec; index: boolean }) => {
  try {
    const t0 = performance.now();
    const r = scanCsv(spec);
    const t1 = performance.now();
    const dup = index ? indexKeys(r) : null;
    if (process.env.MLDESK_DIFF_TRACE) console.error(`[diff] worker ${spec.file}: scan ${(t1 - t0).toFixed(0)} ms, index ${(performance.now() - t1).toFixed(0)} ms`);
    parentPort!.postMessage({ result: r, dup }, [r.hashes.buffer, r.offsets.buffer, r.table.buffer] as ArrayBuffer[]);
  } catch (e) {
    parentPort!.postMessage({ error: e instanceof ScanFailure ? { file: e.file, problem: e.problem, line: e.line } : { message: String((e as Error)?.message ?? e) } });
  }
});
