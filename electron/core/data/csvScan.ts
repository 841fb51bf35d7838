import fs from 'node:fs';
import { isUtf8 } from 'node:buffer';

/** A reading problem at a line; the engine turns it into an INVALID_INPUT error naming the file (no zod here: workers load this). */
export class ScanFailure extends Error {
  constructor(
    readonly file: string,
    readonly problem: string,
    readonly line?: number,
  ) {
    super(`${file}${line !== undefined ? `: line ${line}` : ''}: ${problem}`);
  }
}

/**
 * One streaming pass over a CSV file keeping, per row, only what a diff needs: a 64-bit hash of the key
 * fields, a 64-bit hash of the value fields and the row's byte offset (20 bytes a row). Values are hashed
 * after unquoting, so `"a"` and `a` are equal. Strict like the DuckDB reader used elsewhere: ragged rows,
 * unterminated quotes, text after a closing quote, bare CRs and invalid UTF-8 fail with the line.
 */
export interface ScanSpec {
  file: string;
  delimiter: string;
  /** Fields per record (the header's width). */
  width: number;
  /** Field indices of the key columns, in key order (empty: unkeyed). */
  keyCols: number[];
  /**
   * Field index → canonical value-column position (or -1: not hashed). Both sides use the same positions for
   * the same column names, so column order in the file does not matter.
   */
  valuePos: number[];
  /**
   * Value columns appear in canonical order in both files: hash the row's values as one stream (cheaper)
   * instead of combining per-field hashes by position.
   */
  chain?: boolean;
  /** Expected rows, to size the arrays once (growing them costs page faults and copies). */
  rowsHint?: number;
}

export interface ScanResult {
  rows: number;
  /** Per row: key hash lo, key hash hi, value hash lo, value hash hi. */
  hashes: Int32Array;
  /** Byte offset of each row's first byte; `offsets[rows]` = the file's size. */
  offsets: Float64Array;
  /** Rows with an empty key field. */
  emptyKeys: number;
  /** Open-addressing table over key hashes (slot → row + 1), built by `indexKeys`. */
  table: Int32Array;
}

const LF = 10;
const CR = 13;
const QUOTE = 34;
const CHUNK = 1 << 20;

const fmix = (h: number) => {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
};

interface Layout {
  file: string;
  D: number;
  stop: Uint8Array;
  /** Per field: 0 skip, 1 value (canonical position pos), 2 key (k-th key field at keyAt). */
  role: Uint8Array;
  pos: Int32Array;
  keyAt: Int32Array;
  width: number;
  chain: boolean;
}

interface ScanState {
  rows: number;
  cap: number;
  hashes: Int32Array;
  offsets: Float64Array;
  emptyKeys: number;
  line: number;
  header: boolean;
  /** File offset of buf[0]. */
  base: number;
}

export function scanCsv(spec: ScanSpec): ScanResult {
  const { file, width } = spec;
  const D = spec.delimiter.charCodeAt(0);
  const stop = new Uint8Array(256);
  stop[D] = 1;
  stop[LF] = 1;
  stop[CR] = 1;
  const role = new Uint8Array(width + 1);
  const pos = new Int32Array(width + 1);
  const keyAt = new Int32Array(width + 1);
  for (let f = 0; f < width; f++) {
    pos[f] = spec.valuePos[f] ?? -1;
    if (pos[f]! >= 0) role[f] = 1;
  }
  spec.keyCols.forEach((f, k) => {
    role[f] = 2;
    keyAt[f] = k;
  });
  const layout: Layout = { file, D, stop, role, pos, keyAt, width, chain: spec.chain === true };
  const cap = Math.max(1024, Math.ceil((spec.rowsHint ?? 0) * 1.05));
  const st: ScanState = { rows: 0, cap, hashes: new Int32Array(cap * 4), offsets: new Float64Array(cap + 1), emptyKeys: 0, line: 1, header: true, base: 0 };

  const fd = fs.openSync(file, 'r');
  // Records are parsed whole within the buffer; one cut by the buffer's end is parsed again after a refill.
  let buf = new Uint8Array(Number(process.env.MLDESK_SCAN_CHUNK_BYTES ?? CHUNK) + 1); // the variable lets tests cut records often
  let filled = 0;
  let eof = false;
  let valid = 0; // bytes at the start of buf already checked to be UTF-8
  try {
    for (;;) {
      if (!eof) {
        if (filled === buf.length - 1) {
          const nb = new Uint8Array(buf.length * 2);
          nb.set(buf.subarray(0, filled));
          buf = nb;
        }
        const n = fs.readSync(fd, buf, filled, buf.length - 1 - filled, st.base + filled);
        filled += n;
        if (n === 0) {
          eof = true;
          // A last record without a newline gets one, so it ends through the same path.
          if (filled > 0 && buf[filled - 1] !== LF) buf[filled++] = LF;
        }
      }
      // UTF-8 first (up to the last newline, a character boundary), so the first problem in the file is the one reported.
      const upTo = eof ? filled : buf.lastIndexOf(LF, filled - 1) + 1;
      if (upTo > valid) {
        if (!isUtf8(buf.subarray(valid, upTo))) {
          const bad = firstBadUtf8Line(buf.subarray(0, upTo));
          throw new ScanFailure(file, 'invalid UTF-8 byte sequence', st.line + bad);
        }
        valid = upTo;
      }
      buf[filled] = LF; // sentinel: every loop in parseRecords stops at a newline
      const done = parseRecords(st, layout, buf, filled, eof);
      if (eof) {
        if (done < filled) throw new ScanFailure(file, 'unterminated quoted field', st.line);
        break;
      }
      buf.copyWithin(0, done, filled);
      st.base += done;
      filled -= done;
      valid = Math.max(0, valid - done);
    }
  } finally {
    fs.closeSync(fd);
  }
  st.offsets[st.rows] = fs.statSync(file).size;
  return { rows: st.rows, hashes: st.hashes.subarray(0, st.rows * 4), offsets: st.offsets.subarray(0, st.rows + 1), emptyKeys: st.emptyKeys, table: new Int32Array(0) };
}

/**
 * Parses the whole records in buf[0, end) (buf[end] is a newline sentinel) and returns where the last one
 * ends. Kept apart from the reading loop so V8 optimizes it as one hot function.
 */
function parseRecords(st: ScanState, layout: Layout, buf: Uint8Array, end: number, eof: boolean): number {
  const { D, stop, role, pos, keyAt, width, chain } = layout;
  const fail = (problem: string, at: number): never => {
    throw new ScanFailure(layout.file, problem, at);
  };
  let { rows, hashes, offsets, line } = st;
  const base = st.base;
  let i = 0;
  let done = 0; // end of the last complete record
  let doneLine = line;
  records: while (i < end) {
    const recLine = line;
    let c = buf[i]!;
    if (c === LF || (c === CR && buf[i + 1] === LF)) {
      // A blank line is not a record.
      i += c === LF ? 1 : 2;
      if (i > end) break;
      line++;
      done = i;
      doneLine = line;
      continue;
    }
    const recStart = i;
    let field = 0;
    let k1 = 0;
    let k2 = 0;
    let v1 = 0;
    let v2 = 0;
    let h1 = 0x811c9dc5;
    let h2 = 0x2545f491;
    let keyMissing = false;
    for (;;) {
      const r = role[field]!;
      // Field hash lanes: continuing the row's stream (chain), or fresh per field.
      let x1 = chain && r === 1 ? h1 : 0x811c9dc5 ^ pos[field]!;
      let x2 = chain && r === 1 ? h2 : Math.imul(pos[field]! + 1, 0x9e3779b1);
      let len = 0;
      if (c === QUOTE) {
        i++;
        for (;;) {
          c = buf[i++]!;
          if (c === QUOTE) {
            if (buf[i] !== QUOTE) break;
            i++;
          } else if (c === LF) {
            if (i > end) {
              if (eof) fail('unterminated quoted field', recLine);
              break records; // cut by the buffer: refill and parse again
            }
            line++;
          }
          len++;
          x1 = Math.imul(x1 ^ c, 0x01000193);
          x2 = Math.imul(x2 + c, 0x5bd1e995);
        }
        c = buf[i]!;
        if (stop[c] === 0) fail(`unexpected character "${String.fromCharCode(c)}" after a closing quote`, line);
      } else if (r === 0) {
        while (stop[c] === 0) c = buf[++i]!;
      } else {
        // Unquoted: up to a delimiter or line end (a quote inside is a literal, as DuckDB reads it).
        const s = i;
        while (stop[c] === 0) {
          x1 = Math.imul(x1 ^ c, 0x01000193);
          x2 = Math.imul(x2 + c, 0x5bd1e995);
          c = buf[++i]!;
        }
        len = i - s;
      }
      if (r === 1) {
        if (chain) {
          // A non-byte value marks the field's end, so field boundaries are part of the hash.
          h1 = Math.imul(x1 ^ 0x100, 0x01000193);
          h2 = Math.imul(x2 + 0x100, 0x5bd1e995);
        } else {
          v1 = (v1 + fmix(x1 ^ len)) | 0;
          v2 = (v2 + fmix(x2 + Math.imul(len, 0x27d4eb2d))) | 0;
        }
      } else if (r === 2) {
        if (len === 0) keyMissing = true;
        k1 = (k1 + fmix(x1 ^ Math.imul(keyAt[field]! + 1, 0x27d4eb2d))) | 0;
        k2 = (k2 + fmix(x2 ^ len)) | 0;
      }
      field++;
      if (c === D) {
        c = buf[++i]!;
        continue;
      }
      if (c === CR) {
        if (buf[i + 1] !== LF) fail('bare carriage return (mixed line endings)', line);
        i++;
      }
      i++;
      break;
    }
    if (i > end) break; // ran into the sentinel: the record continues after the buffer's end
    line++;
    done = i;
    doneLine = line;
    if (st.header) {
      st.header = false;
      continue;
    }
    if (field !== width) fail(`ragged row: expected ${width} fields, found ${field}`, recLine);
    if (rows === st.cap) {
      st.cap = Math.ceil(st.cap * 1.5);
      const nh = new Int32Array(st.cap * 4);
      nh.set(hashes);
      hashes = st.hashes = nh;
      const no = new Float64Array(st.cap + 1);
      no.set(offsets);
      offsets = st.offsets = no;
    }
    if (keyMissing) st.emptyKeys++;
    const o = rows * 4;
    hashes[o] = k1;
    hashes[o + 1] = k2;
    hashes[o + 2] = chain ? fmix(h1) : v1;
    hashes[o + 3] = chain ? fmix(h2 ^ 0x5bd1e995) : v2;
    offsets[rows] = base + recStart;
    rows++;
  }
  st.rows = rows;
  st.line = doneLine;
  return done;
}

/** Line (0-based, relative to the region) holding the first invalid UTF-8 sequence. */
function firstBadUtf8Line(region: Uint8Array): number {
  let start = 0;
  let n = 0;
  while (start < region.length) {
    let e = region.indexOf(LF, start);
    if (e < 0) e = region.length;
    if (!isUtf8(region.subarray(start, e))) return n;
    n++;
    start = e + 1;
  }
  return n;
}

const sameKeyHash = (a: Int32Array, i: number, b: Int32Array, j: number) => a[i * 4] === b[j * 4] && a[i * 4 + 1] === b[j * 4 + 1];

/**
 * Builds the key table (linear probing on the 64-bit key hash) and returns the first pair of rows with equal
 * key hashes — a duplicate key, or (about once in 10^10 diffs of a million rows) two keys whose hashes
 * collide, which the caller tells apart by reading both rows.
 */
export function indexKeys(s: ScanResult): { row: number; other: number } | null {
  let cap = 2;
  while (cap < s.rows * 2) cap <<= 1;
  const table = new Int32Array(cap);
  const mask = cap - 1;
  const h = s.hashes;
  for (let r = 0; r < s.rows; r++) {
    let slot = h[r * 4]! & mask;
    for (;;) {
      const o = table[slot]!;
      if (o === 0) {
        table[slot] = r + 1;
        break;
      }
      if (sameKeyHash(h, o - 1, h, r)) return { row: r, other: o - 1 };
      slot = (slot + 1) & mask;
    }
  }
  s.table = table;
  return null;
}

/** Row of `s` whose key hash equals that of row r of `probe` (trying row `hint` first), or -1. */
export function lookupKey(s: ScanResult, probe: ScanResult, r: number, hint: number): number {
  const h = s.hashes;
  const p = probe.hashes;
  if (hint < s.rows && sameKeyHash(h, hint, p, r)) return hint;
  const mask = s.table.length - 1;
  let slot = p[r * 4]! & mask;
  for (;;) {
    const o = s.table[slot]!;
    if (o === 0) return -1;
    if (sameKeyHash(h, o - 1, p, r)) return o - 1;
    slot = (slot + 1) & mask;
  }
}
