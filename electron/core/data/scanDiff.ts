import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { DiffResult, DiffRow } from '../../../shared/contract/data';
import { splitRecord } from '../../../shared/lib/csv';
import { indexKeys, lookupKey, scanCsv, ScanFailure, type ScanResult, type ScanSpec } from './csvScan';
import { diffColumns } from './duckDiff';
import { dataError, type DataSource } from './source';

/**
 * The in-memory CSV diff: each file is scanned once (in parallel worker threads when large) into key and
 * row hashes, joined on typed-array hash tables, and only the differing rows are read back in full.
 * Holds ~40 bytes per row, so `scanFits` sends files beyond the memory budget to the DuckDB diff, which
 * spills to disk. Keys are matched by 64-bit hash and checked against the rows read back; a hash collision
 * between different keys (about once in 10^10 million-row diffs) is detected and answered by DuckDB.
 */

/** Two different keys with equal 64-bit hashes: this diff goes to DuckDB instead. */
export class KeyHashCollision extends Error {}

export type Kind = 'added' | 'removed' | 'changed';
const KINDS: Kind[] = ['added', 'removed', 'changed'];

export interface DiffPlan {
  key: string[];
  colsA: string[];
  colsB: string[];
  /** Common non-key columns, in A's order: the compared values. */
  values: string[];
}

/** A computed diff: counts plus every difference as row ranges in the two files, sorted by key. */
export interface DiffIndex {
  plan: DiffPlan;
  a: DataSource;
  b: DataSource;
  rows: DiffResult['rows'];
  changedByColumn: Record<string, number>;
  kind: Uint8Array;
  /** Byte ranges of each difference's row in A / B (-1: none). */
  startA: Float64Array;
  endA: Float64Array;
  startB: Float64Array;
  endB: Float64Array;
  /** Per difference, one bit per value column that changed. */
  changedBits: Uint8Array;
  bitBytes: number;
}

/** Scan arrays (20 B), key table and join state per row, with room for growth. */
const ROW_BYTES = 40;

/** Whether both files are CSV and their scan fits the memory budget (`MLDESK_DIFF_MEMORY_MB`, default ¼ of RAM). */
export function scanFits(a: DataSource, b: DataSource): boolean {
  if (!a.csv || !b.csv) return false;
  const budget = Number(process.env.MLDESK_DIFF_MEMORY_MB ?? os.totalmem() / 4 / 1048576) * 1048576;
  return (a.csv.estimatedRows + b.csv.estimatedRows) * ROW_BYTES <= budget;
}

function specOf(src: DataSource, plan: DiffPlan, cols: string[]): ScanSpec {
  const valueIndex = new Map(plan.values.map((c, i) => [c, i]));
  const inOrder = (list: string[]) => list.filter((c) => valueIndex.has(c)).every((c, i) => valueIndex.get(c) === i);
  return {
    chain: inOrder(plan.colsA) && inOrder(plan.colsB),
    rowsHint: src.csv!.estimatedRows,
    file: src.file,
    delimiter: src.csv!.delimiter,
    width: cols.length,
    keyCols: plan.key.map((k) => cols.indexOf(k)),
    valuePos: cols.map((c) => valueIndex.get(c) ?? -1),
  };
}

type Scanned = { result: ScanResult; dup: { row: number; other: number } | null };

/** Worker bundle next to this one (dist/); absent when running from sources (tests), then scans run inline. */
function workerFile(): string | null {
  const f = path.join(__dirname.replace(/app\.asar([\\/]|$)/, 'app.asar.unpacked$1'), 'scanWorker.js');
  return fs.existsSync(f) ? f : null;
}

type WorkerReply = Scanned & { error?: { file?: string; problem?: string; line?: number; message?: string } };

/**
 * Scan workers stay up for a while after a diff (a worker takes ~50 ms to start), unref'd so they never keep
 * the process alive.
 */
const pool = {
  idle: [] as Worker[],
  timer: null as NodeJS.Timeout | null,
  spawn(file: string): Worker {
    const w = new Worker(file);
    // A worker that dies while idle must not be handed out again.
    w.on('exit', () => {
      const i = this.idle.indexOf(w);
      if (i >= 0) this.idle.splice(i, 1);
    });
    return w;
  },
  take(file: string): Worker {
    const w = this.idle.pop() ?? this.spawn(file);
    w.ref();
    return w;
  },
  give(w: Worker): void {
    w.unref();
    this.idle.push(w);
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.idle.splice(0).forEach((x) => void x.terminate()), 30_000);
    this.timer.unref();
  },
};

const workerMinBytes = () => Number(process.env.MLDESK_SCAN_WORKER_MIN_BYTES ?? 32 << 20);

/** Starts the scan workers ahead of a diff of about `bytes` (the CLI does, while the engine opens). */
export function warmScanWorkers(bytes: number): void {
  const f = workerFile();
  if (f && bytes >= workerMinBytes()) while (pool.idle.length < 2) pool.give(pool.spawn(f));
}

function scanInWorker(file: string, spec: ScanSpec, index: boolean): Promise<Scanned> {
  return new Promise((resolve, reject) => {
    const w = pool.take(file);
    const onError = (e: Error) => reject(e);
    const onExit = (code: number) => reject(new Error(`the scan worker stopped (exit code ${code})`));
    w.once('error', onError);
    w.once('exit', onExit);
    w.once('message', (m: WorkerReply) => {
      w.off('error', onError);
      w.off('exit', onExit);
      pool.give(w);
      const e = m.error;
      if (e) reject(e.file ? dataError(e.file, e.problem!, e.line) : new Error(e.message));
      else resolve(m);
    });
    w.postMessage({ spec, index });
  });
}

/** Scans both files (in two workers when large); A's key table is built too (B's rows probe it). */
async function scanSides(a: DataSource, b: DataSource, specA: ScanSpec, specB: ScanSpec): Promise<[Scanned, Scanned]> {
  const keyed = specA.keyCols.length > 0;
  const wf = workerFile();
  if (wf && a.size + b.size >= workerMinBytes()) return Promise.all([scanInWorker(wf, specA, keyed), scanInWorker(wf, specB, false)]);
  const inline = (spec: ScanSpec, index: boolean): Scanned => {
    try {
      const result = scanCsv(spec);
      return { result, dup: index ? indexKeys(result) : null };
    } catch (e) {
      throw e instanceof ScanFailure ? dataError(e.file, e.problem, e.line) : e;
    }
  };
  return [inline(specA, keyed), inline(specB, false)];
}

/** Line of the record at a byte offset (for error messages only: counts newlines up to it). */
function lineAt(file: string, offset: number): number {
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.allocUnsafe(1 << 20);
  let line = 1;
  try {
    for (let at = 0; at < offset; ) {
      const n = fs.readSync(fd, buf, 0, Math.min(buf.length, offset - at), at);
      if (n === 0) break;
      for (let i = 0; i < n; i++) if (buf[i] === 10) line++;
      at += n;
    }
  } finally {
    fs.closeSync(fd);
  }
  return line;
}

/** Rows read back at a time. */
const READ_BATCH = 50_000;
const rangeOf = (s: ScanResult, r: number): [number, number] => [s.offsets[r]!, s.offsets[r + 1]!];
const keyOf = (rec: string[], idx: number[]) => idx.map((i) => rec[i] ?? '');

/** Rows x and y of one file have equal key hashes: a duplicate key (an error) or a hash collision. */
function duplicate(src: DataSource, s: ScanResult, key: string[], idx: number[], x: number, y: number): never {
  const [rx, ry] = readRecords(src, [rangeOf(s, x), rangeOf(s, y)]);
  const kx = keyOf(rx!, idx);
  if (kx.join('\u0000') !== keyOf(ry!, idx).join('\u0000')) throw new KeyHashCollision();
  let times = 0;
  for (let r = 0; r < s.rows; r++) if (s.hashes[r * 4] === s.hashes[x * 4] && s.hashes[r * 4 + 1] === s.hashes[x * 4 + 1]) times++;
  const k = key.map((c, i) => `${c}=${kx[i]}`).join(', ');
  const lines = `lines ${lineAt(src.file, Math.min(s.offsets[x]!, s.offsets[y]!))} and ${lineAt(src.file, Math.max(s.offsets[x]!, s.offsets[y]!))}`;
  throw dataError(src.file, `duplicate key (${k}) appears ${times} times (${lines}) — a keyed diff needs unique keys`);
}

/** Reads whole records by byte range, through a sliding window so nearby rows share one read. */
export function readRecords(src: DataSource, ranges: Array<[number, number]>): Array<string[] | null> {
  const out: Array<string[] | null> = new Array(ranges.length).fill(null);
  const order = ranges.map((_, i) => i).filter((i) => ranges[i]![0] >= 0);
  order.sort((x, y) => ranges[x]![0] - ranges[y]![0]);
  const delim = src.csv!.delimiter;
  const fd = fs.openSync(src.file, 'r');
  let win = Buffer.allocUnsafe(1 << 20);
  let winStart = 0;
  let winLen = 0;
  try {
    for (const i of order) {
      const [s, e] = ranges[i]!;
      if (s < winStart || e > winStart + winLen) {
        if (e - s > win.length) win = Buffer.allocUnsafe(e - s);
        winStart = s;
        winLen = fs.readSync(fd, win, 0, win.length, s);
      }
      out[i] = splitRecord(win.toString('utf8', s - winStart, e - winStart), delim);
    }
  } finally {
    fs.closeSync(fd);
  }
  return out;
}

/** Differences as parallel lists: kind (0 added, 1 removed, 2 changed), row in A, row in B (-1: none). */
interface Diffs {
  kinds: number[];
  rowsA: number[];
  rowsB: number[];
}

function push(d: Diffs, kind: number, rowA: number, rowB: number): void {
  d.kinds.push(kind);
  d.rowsA.push(rowA);
  d.rowsB.push(rowB);
}

/** Keyed join: B's rows probe A's key table; `dup` is called with two B rows of equal key hash. */
function joinKeyed(A: ScanResult, B: ScanResult, dup: (x: number, y: number) => never): Diffs {
  const d: Diffs = { kinds: [], rowsA: [], rowsB: [] };
  const ha = A.hashes;
  const hb = B.hashes;
  // B row (+1) that matched each A row; B's own duplicates show up as a second match or a repeated added key.
  const matchedBy = new Int32Array(A.rows);
  const addedKeys = new Map<string, number>();
  let next = 0; // files are usually in the same order: try the row after the last match first
  for (let i = 0; i < B.rows; i++) {
    const j = lookupKey(A, B, i, next);
    if (j < 0) {
      const id = `${hb[i * 4]},${hb[i * 4 + 1]}`;
      const prev = addedKeys.get(id);
      if (prev !== undefined) dup(prev, i);
      addedKeys.set(id, i);
      push(d, 0, -1, i);
      continue;
    }
    if (matchedBy[j] !== 0) dup(matchedBy[j]! - 1, i);
    matchedBy[j] = i + 1;
    next = j + 1;
    if (ha[j * 4 + 2] !== hb[i * 4 + 2] || ha[j * 4 + 3] !== hb[i * 4 + 3]) push(d, 2, j, i);
  }
  for (let j = 0; j < A.rows; j++) if (matchedBy[j] === 0) push(d, 1, j, -1);
  return d;
}

/** Row multisets: count A's row hashes, let each B row consume one copy; leftovers are the differences. */
function joinRows(A: ScanResult, B: ScanResult): Diffs {
  const d: Diffs = { kinds: [], rowsA: [], rowsB: [] };
  const ha = A.hashes;
  const hb = B.hashes;
  let cap = 2;
  while (cap < A.rows * 2) cap <<= 1;
  const mask = cap - 1;
  const slotRow = new Int32Array(cap);
  const count = new Int32Array(cap);
  const slotOf = (h: Int32Array, r: number, insert: boolean): number => {
    let s = h[r * 4 + 2]! & mask;
    for (;;) {
      const o = slotRow[s]!;
      if (o === 0) {
        if (insert) slotRow[s] = r + 1;
        return insert ? s : -1;
      }
      if (ha[(o - 1) * 4 + 2] === h[r * 4 + 2] && ha[(o - 1) * 4 + 3] === h[r * 4 + 3]) return s;
      s = (s + 1) & mask;
    }
  };
  for (let j = 0; j < A.rows; j++) count[slotOf(ha, j, true)]!++;
  for (let i = 0; i < B.rows; i++) {
    const s = slotOf(hb, i, false);
    if (s >= 0 && count[s]! > 0) count[s]!--;
    else push(d, 0, -1, i);
  }
  for (let j = 0; j < A.rows; j++) {
    const s = slotOf(ha, j, false);
    if (count[s]! > 0) {
      count[s]!--;
      push(d, 1, j, -1);
    }
  }
  return d;
}

/** Sort key of a key tuple: numbers numerically before other text (as `ORDER BY TRY_CAST(k AS DOUBLE), k`). */
type SortKey = Array<number | string>;
const NUMERIC = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const sortKey = (parts: string[]): SortKey => parts.map((p) => (NUMERIC.test(p) ? Number(p) : p));
function compareSortKeys(x: SortKey, y: SortKey): number {
  for (let i = 0; i < x.length; i++) {
    const a = x[i]!;
    const b = y[i]!;
    if (a === b) continue;
    if (typeof a === 'number') return typeof b === 'number' ? a - b : -1;
    if (typeof b === 'number') return 1;
    return a < b ? -1 : 1;
  }
  return 0;
}

/** Computes the diff of two CSV files (see the module comment). */
export async function scanDiff(a: DataSource, b: DataSource, plan: DiffPlan): Promise<DiffIndex> {
  let t0 = performance.now();
  const lap = (what: string) => {
    if (!process.env.MLDESK_DIFF_TRACE) return;
    const t = performance.now();
    console.error(`[diff] ${what} ${(t - t0).toFixed(0)} ms`);
    t0 = t;
  };
  const [sa, sb] = await scanSides(a, b, specOf(a, plan, plan.colsA), specOf(b, plan, plan.colsB));
  const A = sa.result;
  const B = sb.result;
  const keyed = plan.key.length > 0;
  const keyIdxA = plan.key.map((k) => plan.colsA.indexOf(k));
  const keyIdxB = plan.key.map((k) => plan.colsB.indexOf(k));
  if (keyed) {
    for (const [src, s] of [
      [a, A],
      [b, B],
    ] as const) {
      if (s.emptyKeys > 0) throw dataError(src.file, `${s.emptyKeys} row(s) have an empty key (${plan.key.join(', ')})`);
    }
    if (sa.dup) duplicate(a, A, plan.key, keyIdxA, sa.dup.other, sa.dup.row);
  }
  lap('scanned');
  const diffs = keyed
    ? joinKeyed(A, B, (x, y) => duplicate(b, B, plan.key, keyIdxB, x, y))
    : joinRows(A, B);
  const { kinds, rowsA, rowsB } = diffs;
  lap('joined');

  // The differing rows, read back in full — in batches, so a diff where most rows differ stays bounded —
  // for the keys to sort by and the cells of changed rows.
  const n = kinds.length;
  const bitBytes = Math.ceil(plan.values.length / 8);
  const bits = new Uint8Array(n * bitBytes);
  const keys: SortKey[] = new Array(keyed ? n : 0);
  const changedByColumn: Record<string, number> = Object.fromEntries(plan.values.map((c) => [c, 0]));
  const valA = plan.values.map((c) => plan.colsA.indexOf(c));
  const valB = plan.values.map((c) => plan.colsB.indexOf(c));
  for (let s = 0; s < n; s += READ_BATCH) {
    const batch = Array.from({ length: Math.min(READ_BATCH, n - s) }, (_, j) => s + j);
    const recA = readRecords(a, batch.map((e) => (rowsA[e]! >= 0 ? rangeOf(A, rowsA[e]!) : [-1, -1])));
    const recB = readRecords(b, batch.map((e) => (rowsB[e]! >= 0 ? rangeOf(B, rowsB[e]!) : [-1, -1])));
    batch.forEach((e, j) => {
      if (keyed) keys[e] = sortKey(kinds[e] === 0 ? keyOf(recB[j]!, keyIdxB) : keyOf(recA[j]!, keyIdxA));
      if (kinds[e] !== 2) return;
      const ra = recA[j]!;
      const rb = recB[j]!;
      if (keyOf(ra, keyIdxA).join('\u0000') !== keyOf(rb, keyIdxB).join('\u0000')) throw new KeyHashCollision();
      plan.values.forEach((c, v) => {
        if ((ra[valA[v]!] ?? '') !== (rb[valB[v]!] ?? '')) {
          bits[e * bitBytes + (v >> 3)]! |= 1 << (v & 7);
          changedByColumn[c]!++;
        }
      });
    });
  }
  lap('read back');
  const order = Array.from({ length: n }, (_, i) => i);
  if (keyed) order.sort((x, y) => compareSortKeys(keys[x]!, keys[y]!));
  const d: DiffIndex = {
    plan,
    a,
    b,
    rows: { added: 0, removed: 0, changed: 0, unchanged: 0 },
    changedByColumn,
    kind: new Uint8Array(n),
    startA: new Float64Array(n).fill(-1),
    endA: new Float64Array(n).fill(-1),
    startB: new Float64Array(n).fill(-1),
    endB: new Float64Array(n).fill(-1),
    bitBytes,
    changedBits: new Uint8Array(n * bitBytes),
  };
  order.forEach((e, i) => {
    d.kind[i] = kinds[e]!;
    if (rowsA[e]! >= 0) [d.startA[i], d.endA[i]] = rangeOf(A, rowsA[e]!);
    if (rowsB[e]! >= 0) [d.startB[i], d.endB[i]] = rangeOf(B, rowsB[e]!);
    for (let k = 0; k < bitBytes; k++) d.changedBits[i * bitBytes + k] = bits[e * bitBytes + k]!;
  });
  const counted = [0, 0, 0];
  for (const k of kinds) counted[k]!++;
  d.rows = { added: counted[0]!, removed: counted[1]!, changed: counted[2]!, unchanged: A.rows - counted[1]! - counted[2]! };
  lap('sorted');
  return d;
}

/** Whether difference i changed value column v. */
const changedAt = (d: DiffIndex, i: number, v: number) => (d.changedBits[i * d.bitBytes + (v >> 3)]! & (1 << (v & 7))) !== 0;

/** One page of a computed diff: filtered by kind (and, for changed rows, by a changed column). */
export function diffPage(d: DiffIndex, opts: { offset: number; limit: number; kinds: Kind[]; column?: string }): DiffResult['samples'] {
  const wanted = new Set(opts.kinds.map((k) => KINDS.indexOf(k)));
  const v = opts.column ? d.plan.values.indexOf(opts.column) : -1;
  const match = (i: number) => wanted.has(d.kind[i]!) && (v < 0 || d.kind[i] !== 2 || changedAt(d, i, v));
  const picked: number[] = [];
  let total = 0;
  for (let i = 0; i < d.kind.length; i++) {
    if (!match(i)) continue;
    if (total >= opts.offset && picked.length < opts.limit) picked.push(i);
    total++;
  }
  const recA = readRecords(d.a, picked.map((i) => [d.startA[i]!, d.endA[i]!]));
  const recB = readRecords(d.b, picked.map((i) => [d.startB[i]!, d.endB[i]!]));
  const { plan } = d;
  const columns = diffColumns(plan.colsA, plan.colsB);
  const cell = (rec: string[] | null, cols: string[], c: string) => {
    const i = cols.indexOf(c);
    const x = rec && i >= 0 ? rec[i] : undefined;
    return x === undefined || x === '' ? null : x;
  };
  const rows: DiffRow[] = picked.map((i, p) => {
    const kind = KINDS[d.kind[i]!]!;
    const ra = recA[p] ?? null;
    const rb = recB[p] ?? null;
    const cells: Record<string, string | null> = {};
    for (const c of columns) cells[c] = kind === 'removed' ? (cell(ra, plan.colsA, c) ?? cell(rb, plan.colsB, c)) : (cell(rb, plan.colsB, c) ?? cell(ra, plan.colsA, c));
    const changes =
      kind === 'changed'
        ? plan.values.filter((_, vi) => changedAt(d, i, vi)).map((c) => ({ column: c, old: cell(ra, plan.colsA, c), new: cell(rb, plan.colsB, c) }))
        : [];
    return { kind, key: Object.fromEntries(plan.key.map((k) => [k, cells[k] ?? null])), cells, changes };
  });
  return { rows, offset: opts.offset, total };
}
