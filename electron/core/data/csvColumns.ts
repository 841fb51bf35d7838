import fs from 'node:fs';
import { isUtf8 } from 'node:buffer';
import { ScanFailure } from './csvScan';
import { sortedCopy } from '../monitor/drift/sort';

/**
 * One streaming pass over a CSV file keeping, per column, what the drift engine needs and nothing per row:
 * numeric columns as a Float64Array of their values (sorted at the end), text columns as a dictionary of
 * distinct values with counts (hashed from the bytes; a JS string is made once per distinct value). Strict like
 * the diff's scanner (csvScan.ts): ragged rows, unterminated quotes, text after a closing quote, bare CRs and
 * invalid UTF-8 fail with the line (and, for UTF-8, the column). Buffers without a quote character (most
 * files) are read in one fused pass that parses numbers while scanning them; others in two (field bounds, then
 * values). Worker-safe: no zod; its one import outside data/ is the drift engine's dependency-free sort.
 *
 * Types: a column is read as numbers until its first value that is not one (as csvTypes/DuckDB's sniffer
 * name numbers: optional minus, digits, optional fraction and exponent, no leading zero); from there on as text.
 * An empty field (quoted or not) is a missing value.
 */

export interface ColumnsSpec {
  file: string;
  delimiter: string;
  /** Field names from the header (its width is the record width). */
  columns: string[];
  /** Per field: 0 skip, 1 read (numbers until a non-number, then text), 2 text from the start. */
  modes: number[];
  rowsHint?: number;
}

export interface ParsedColumn {
  name: string;
  missing: number;
  /** Every non-missing value was a number: the values, sorted ascending. Null once the column turned to text. */
  numeric: Float64Array | null;
  /** Text: the distinct values and their counts (numbers read before the first text value are not in them: see `partial`). */
  categories: string[] | null;
  counts: number[] | null;
  /** Every value looks like a number, counting leading zeros and plus signs ("007", "+1"): a code, not a different type. */
  looseNumeric: boolean;
  /** The first value that is not a number, for messages about mismatched types. */
  firstText: { value: string; line: number } | null;
  /** Became text after `partial` numbers: read it again as text (mode 2) to count those as categories. */
  partial: number;
}

export interface ParsedTable {
  rows: number;
  columns: ParsedColumn[];
}

type Decoder = InstanceType<typeof TextDecoder>;

const LF = 10;
const CR = 13;
const QUOTE = 34;
const CHUNK = 4 << 20;
const LOOSE_NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const POW10 = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));

/** Distinct byte strings of one text column: open addressing on a 32-bit hash, bytes kept in a pool. */
class Dict {
  slots = new Int32Array(1024);
  mask = 1023;
  hashes = new Int32Array(256);
  offs = new Int32Array(256);
  lens = new Int32Array(256);
  counts = new Float64Array(256);
  pool = new Uint8Array(1 << 14);
  poolLen = 0;
  n = 0;
  values: string[] = [];
  loose = true;

  add(bytes: Uint8Array, s: number, e: number, h: number, decoder: Decoder): void {
    const len = e - s;
    let slot = h & this.mask;
    for (;;) {
      const code = this.slots[slot]! - 1;
      if (code < 0) break;
      if (this.hashes[code] === h && this.lens[code] === len) {
        const o = this.offs[code]!;
        let k = 0;
        while (k < len && this.pool[o + k] === bytes[s + k]) k++;
        if (k === len) {
          this.counts[code]!++;
          return;
        }
      }
      slot = (slot + 1) & this.mask;
    }
    // A new value.
    const code = this.n++;
    if (code === this.hashes.length) {
      const grow = <T extends Int32Array | Float64Array>(a: T): T => {
        const b = new (a.constructor as new (n: number) => T)(a.length * 2);
        b.set(a);
        return b;
      };
      this.hashes = grow(this.hashes);
      this.offs = grow(this.offs);
      this.lens = grow(this.lens);
      this.counts = grow(this.counts);
    }
    if (this.poolLen + len > this.pool.length) {
      const p = new Uint8Array(Math.max(this.pool.length * 2, this.poolLen + len));
      p.set(this.pool.subarray(0, this.poolLen));
      this.pool = p;
    }
    this.pool.set(bytes.subarray(s, e), this.poolLen);
    this.hashes[code] = h;
    this.offs[code] = this.poolLen;
    this.lens[code] = len;
    this.counts[code] = 1;
    this.poolLen += len;
    this.slots[slot] = code + 1;
    const value = decoder.decode(bytes.subarray(s, e));
    this.values.push(value);
    if (this.loose && !LOOSE_NUMBER.test(value)) this.loose = false;
    if (this.n * 2 > this.slots.length) this.rehash();
  }

  private rehash(): void {
    const slots = new Int32Array(this.slots.length * 2);
    const mask = slots.length - 1;
    for (let code = 0; code < this.n; code++) {
      let slot = this.hashes[code]! & mask;
      while (slots[slot] !== 0) slot = (slot + 1) & mask;
      slots[slot] = code + 1;
    }
    this.slots = slots;
    this.mask = mask;
  }
}

interface ColState {
  mode: number; // 0 skip, 1 numbers, 2 text
  vals: Float64Array;
  len: number;
  missing: number;
  dict: Dict | null;
  firstText: { value: string; line: number } | null;
  partial: number;
}

/**
 * The number a field's bytes spell (the grammar csvTypes accepts), or NaN when they spell none. Up to 15
 * significant digits and a power of ten within ±22 the result is exact arithmetic on exact doubles, i.e.
 * correctly rounded like strtod; longer spellings go through Number().
 */
function parseNumber(b: Uint8Array, s: number, e: number): number {
  let i = s;
  let neg = false;
  if (b[i] === 45) {
    neg = true;
    i++;
  }
  if (b[i] === 48 && i + 1 < e && b[i + 1]! >= 48 && b[i + 1]! <= 57) return NaN; // leading zero: a code
  let mant = 0;
  let sig = 0;
  let digits = 0;
  let exp = 0;
  let c = b[i]!;
  while (i < e && c >= 48 && c <= 57) {
    if (mant !== 0 || c !== 48) {
      mant = mant * 10 + (c - 48);
      sig++;
    }
    digits++;
    c = b[++i]!;
  }
  if (i < e && c === 46) {
    c = b[++i]!;
    while (i < e && c >= 48 && c <= 57) {
      if (mant !== 0 || c !== 48) {
        mant = mant * 10 + (c - 48);
        sig++;
      }
      exp--;
      digits++;
      c = b[++i]!;
    }
  }
  if (digits === 0) return NaN;
  if (i < e && (c === 101 || c === 69)) {
    c = b[++i]!;
    let eneg = false;
    if (c === 43 || c === 45) {
      eneg = c === 45;
      c = b[++i]!;
    }
    let ev = 0;
    let ed = 0;
    while (i < e && c >= 48 && c <= 57) {
      if (ev < 100_000) ev = ev * 10 + (c - 48);
      ed++;
      c = b[++i]!;
    }
    if (ed === 0) return NaN;
    exp += eneg ? -ev : ev;
  }
  if (i !== e) return NaN;
  let v: number;
  if (sig <= 15 && exp >= -22 && exp <= 22) v = exp >= 0 ? mant * POW10[exp]! : mant / POW10[-exp]!;
  else {
    let str = '';
    for (let k = s; k < e; k++) str += String.fromCharCode(b[k]!);
    return Number(str);
  }
  return neg ? -v : v;
}

/** Reads the columns of a CSV file (see the module comment). */
export function parseCsvColumns(spec: ColumnsSpec): ParsedTable {
  const { file, columns } = spec;
  const width = columns.length;
  const D = spec.delimiter.charCodeAt(0);
  const stop = new Uint8Array(256);
  stop[D] = 1;
  stop[LF] = 1;
  stop[CR] = 1;
  const cap = Math.max(1024, Math.ceil((spec.rowsHint ?? 0) * 1.05));
  const cols: ColState[] = columns.map((_, f) => {
    const mode = spec.modes[f] ?? 0;
    return { mode, vals: new Float64Array(mode === 1 ? cap : 0), len: 0, missing: 0, dict: mode === 2 ? new Dict() : null, firstText: null, partial: 0 };
  });
  const decoder = new TextDecoder();
  let scratch = new Uint8Array(4096);
  const fs0 = new Int32Array(width);
  const fe0 = new Int32Array(width);
  const fq0 = new Uint8Array(width);
  const fail = (problem: string, line: number): never => {
    throw new ScanFailure(file, problem, line);
  };

  let rows = 0;
  let line = 1;
  let header = true;

  const pushNumber = (st: ColState, v: number): void => {
    if (v === Infinity || v === -Infinity) {
      st.missing++; // "1e999": a number, but not a finite one (missing, as NaN and ±∞ are everywhere)
      return;
    }
    if (st.len === st.vals.length) {
      const nv = new Float64Array(Math.ceil(st.vals.length * 1.5));
      nv.set(st.vals);
      st.vals = nv;
    }
    st.vals[st.len++] = v;
  };

  /** One field's value (bytes src[s, e), unescaped). */
  const addValue = (st: ColState, src: Uint8Array, s: number, e: number, recLine: number): void => {
    if (e === s) {
      st.missing++;
      return;
    }
    if (st.mode === 1) {
      const v = parseNumber(src, s, e);
      if (v === v) {
        pushNumber(st, v);
        return;
      }
      // The first value that is not a number: text from here on.
      st.firstText = { value: decoder.decode(src.subarray(s, Math.min(e, s + 200))), line: recLine };
      st.partial = st.len;
      st.mode = 2;
      st.dict = new Dict();
      st.vals = new Float64Array(0);
      st.len = 0;
    }
    hashAdd(st.dict!, src, s, e, decoder);
  };

  /**
   * Whole records in buf[from, limit) (no quotes there; limit just past a newline), in one pass: number fields
   * are parsed while they are scanned (the common spelling; anything else goes through addValue).
   */
  const fastRecords = (from: number, limit: number): void => {
    let i = from;
    while (i < limit) {
      const recLine = line;
      let c = buf[i]!;
      if (c === LF || (c === CR && buf[i + 1] === LF)) {
        i += c === LF ? 1 : 2;
        line++;
        continue;
      }
      let field = 0;
      for (;;) {
        const st = field < width ? cols[field]! : null;
        const mode = st ? st.mode : 0;
        const s = i;
        if (mode === 1) {
          let j = i;
          let cc = c;
          let neg = false;
          if (cc === 45) {
            neg = true;
            cc = buf[++j]!;
          }
          const lead0 = cc === 48 && buf[j + 1]! >= 48 && buf[j + 1]! <= 57;
          let mant = 0;
          let sig = 0;
          let digits = 0;
          let exp = 0;
          while (cc >= 48 && cc <= 57) {
            if (mant !== 0 || cc !== 48) {
              mant = mant * 10 + (cc - 48);
              sig++;
            }
            digits++;
            cc = buf[++j]!;
          }
          if (cc === 46) {
            cc = buf[++j]!;
            while (cc >= 48 && cc <= 57) {
              if (mant !== 0 || cc !== 48) {
                mant = mant * 10 + (cc - 48);
                sig++;
              }
              exp--;
              digits++;
              cc = buf[++j]!;
            }
          }
          let expOk = true;
          if (cc === 101 || cc === 69) {
            cc = buf[++j]!;
            let eneg = false;
            if (cc === 43 || cc === 45) {
              eneg = cc === 45;
              cc = buf[++j]!;
            }
            let ev = 0;
            let ed = 0;
            while (cc >= 48 && cc <= 57) {
              if (ev < 100_000) ev = ev * 10 + (cc - 48);
              ed++;
              cc = buf[++j]!;
            }
            expOk = ed > 0;
            exp += eneg ? -ev : ev;
          }
          if (stop[cc] === 1 && digits > 0 && !lead0 && expOk && sig <= 15 && exp >= -22 && exp <= 22) {
            const v = exp >= 0 ? mant * POW10[exp]! : mant / POW10[-exp]!;
            pushNumber(st!, neg ? -v : v);
          } else {
            while (stop[cc] === 0) cc = buf[++j]!;
            addValue(st!, buf, s, j, recLine);
          }
          i = j;
          c = cc;
        } else {
          while (stop[c] === 0) c = buf[++i]!;
          if (mode === 2) addValue(st!, buf, s, i, recLine);
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
      line++;
      if (field !== width) fail(`ragged row: expected ${width} fields, found ${field}`, recLine);
      rows++;
    }
  };
  const fd = fs.openSync(file, 'r');
  let buf = new Uint8Array(Number(process.env.MLDESK_SCAN_CHUNK_BYTES ?? CHUNK) + 1);
  let filled = 0;
  let eof = false;
  let valid = 0;
  let base = 0;
  try {
    for (;;) {
      if (!eof) {
        if (filled === buf.length - 1) {
          const nb = new Uint8Array(buf.length * 2);
          nb.set(buf.subarray(0, filled));
          buf = nb;
        }
        const n = fs.readSync(fd, buf, filled, buf.length - 1 - filled, base + filled);
        filled += n;
        if (n === 0) {
          eof = true;
          if (filled > 0 && buf[filled - 1] !== LF) buf[filled++] = LF;
        }
      }
      const upTo = eof ? filled : buf.lastIndexOf(LF, filled - 1) + 1;
      if (upTo > valid) {
        if (!isUtf8(buf.subarray(valid, upTo))) {
          const at = badUtf8(buf.subarray(0, upTo), D, columns);
          fail(`invalid UTF-8 byte sequence${at.column ? ` in column "${at.column}"` : ''} — is the file in another encoding (Latin-1, Windows-1252)? Save it as UTF-8`, line + at.line);
        }
        valid = upTo;
      }
      buf[filled] = LF; // sentinel
      // Whole records within buf[0, filled); one cut by the buffer's end is parsed again after a refill. Up to
      // the last newline of a buffer without any quote, records cannot be cut: one fused pass reads them.
      const end = filled;
      const quoteFree = buf.subarray(0, upTo).indexOf(QUOTE) < 0;
      let i = 0;
      let done = 0;
      let doneLine = line;
      if (quoteFree && !header) {
        fastRecords(0, upTo);
        done = i = upTo;
        doneLine = line;
      }
      records: while (i < end) {
        const recLine = line;
        let c = buf[i]!;
        if (c === LF || (c === CR && buf[i + 1] === LF)) {
          i += c === LF ? 1 : 2;
          if (i > end) break;
          line++;
          done = i;
          doneLine = line;
          continue;
        }
        // Pass 1: the fields' bounds (nothing is counted until the record is known to be whole).
        let field = 0;
        for (;;) {
          let s = i;
          let e: number;
          let q = 0;
          if (c === QUOTE) {
            i++;
            s = i;
            for (;;) {
              c = buf[i++]!;
              if (c === QUOTE) {
                if (buf[i] !== QUOTE) break;
                q = 2; // holds a doubled quote
                i++;
              } else if (c === LF) {
                if (i > end) {
                  if (eof) fail('unterminated quoted field', recLine);
                  break records; // cut by the buffer: refill and parse again
                }
                line++;
              }
            }
            e = i - 1;
            if (q === 0) q = 1;
            c = buf[i]!;
            if (stop[c] === 0) fail(`unexpected character "${String.fromCharCode(c)}" after a closing quote`, line);
          } else {
            while (stop[c] === 0) c = buf[++i]!;
            e = i;
          }
          if (field < width) {
            fs0[field] = s;
            fe0[field] = e;
            fq0[field] = q;
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
        if (header) {
          header = false;
          if (quoteFree) break;
          continue;
        }
        if (field !== width) fail(`ragged row: expected ${width} fields, found ${field}`, recLine);
        rows++;
        // Pass 2: the values.
        for (let f = 0; f < width; f++) {
          const st = cols[f]!;
          if (st.mode === 0) continue;
          let src = buf;
          let s = fs0[f]!;
          let e = fe0[f]!;
          if (fq0[f] === 2) {
            // Unescape doubled quotes into the scratch buffer.
            if (scratch.length < e - s) scratch = new Uint8Array((e - s) * 2);
            let k = 0;
            for (let j = s; j < e; j++) {
              const b = buf[j]!;
              scratch[k++] = b;
              if (b === QUOTE) j++;
            }
            src = scratch;
            s = 0;
            e = k;
          }
          addValue(st, src, s, e, recLine);
        }
      }
      if (quoteFree && !header && done < upTo) {
        // The header is read: the rest of a buffer without quotes goes through the fast loop.
        line = doneLine;
        fastRecords(done, upTo);
        done = upTo;
        doneLine = line;
      }
      line = doneLine;
      if (eof) {
        if (done < filled) fail('unterminated quoted field', line);
        break;
      }
      buf.copyWithin(0, done, filled);
      base += done;
      filled -= done;
      valid = Math.max(0, valid - done);
    }
  } finally {
    fs.closeSync(fd);
  }
  return {
    rows,
    columns: cols.map((st, f) => ({
      name: columns[f]!,
      missing: st.missing,
      numeric: st.mode === 1 ? sortedCopy(st.vals.subarray(0, st.len)) : null,
      categories: st.dict ? st.dict.values : null,
      counts: st.dict ? Array.from(st.dict.counts.subarray(0, st.dict.n)) : null,
      looseNumeric: st.dict ? st.dict.loose : true,
      firstText: st.firstText,
      partial: st.partial,
    })),
  };
}

function hashAdd(d: Dict, b: Uint8Array, s: number, e: number, decoder: Decoder): void {
  let h = 0x811c9dc5;
  for (let k = s; k < e; k++) h = Math.imul(h ^ b[k]!, 0x01000193);
  d.add(b, s, e, h ^ (e - s), decoder);
}

/** Line (0-based within the region) and column of the first invalid UTF-8 sequence. */
function badUtf8(region: Uint8Array, D: number, columns: string[]): { line: number; column: string | null } {
  let start = 0;
  let n = 0;
  while (start < region.length) {
    let e = region.indexOf(LF, start);
    if (e < 0) e = region.length;
    const lineBytes = region.subarray(start, e);
    if (!isUtf8(lineBytes)) {
      // The field holding it (quotes are ASCII, so splitting the raw bytes is safe enough for a message).
      let f = 0;
      let s = 0;
      let q = false;
      for (let k = 0; k <= lineBytes.length; k++) {
        const c = k < lineBytes.length ? lineBytes[k]! : D;
        if (c === QUOTE) q = !q;
        else if (c === D && !q) {
          if (!isUtf8(lineBytes.subarray(s, k))) return { line: n, column: columns[f] ?? null };
          f++;
          s = k + 1;
        }
      }
      return { line: n, column: null };
    }
    n++;
    start = e + 1;
  }
  return { line: n, column: null };
}
