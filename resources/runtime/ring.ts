// Bounded on-disk ring of inference records: a directory of append-only JSONL segment files
// (seg-<firstSeq>.jsonl). A segment is sealed at `segmentBytes`; whole oldest segments are dropped
// while the ring holds more than `maxBytes` or `maxSegments`. seq continues across restarts.
import fs from 'node:fs';
import path from 'node:path';
import type { InferenceRecord } from '../../shared/runtime';

export interface RingOptions {
  dir: string;
  segmentBytes: number;
  maxBytes: number;
  maxSegments: number;
}

interface Segment {
  first: number;
  file: string;
  bytes: number;
}

const SEG = /^seg-(\d{16})\.jsonl$/;

/** A ring of JSON lines with a `seq` each (inference records by default; the feedback ring stores labels). */
export class RecordRing<T extends { seq: number } = InferenceRecord> {
  private segments: Segment[] = [];
  private fd: number | null = null;
  private lastSeq = 0;

  constructor(private readonly opts: RingOptions) {
    fs.mkdirSync(opts.dir, { recursive: true });
    for (const name of fs.readdirSync(opts.dir).sort()) {
      const m = SEG.exec(name);
      if (!m) continue;
      const file = path.join(opts.dir, name);
      this.segments.push({ first: Number(m[1]), file, bytes: fs.statSync(file).size });
    }
    const last = this.segments.at(-1);
    if (last) {
      // A torn last line (crash mid-write) is ignored; the seq resumes after the last whole record.
      const recs = readSegment<T>(last.file);
      this.lastSeq = recs.length ? recs[recs.length - 1]!.seq : last.first - 1;
    }
  }

  get seq(): number {
    return this.lastSeq;
  }

  append(rec: Omit<T, 'seq'>): number {
    const seq = ++this.lastSeq;
    const line = JSON.stringify({ seq, ...rec }) + '\n';
    let cur = this.segments.at(-1);
    if (!cur || this.fd === null || cur.bytes >= this.opts.segmentBytes) {
      if (!cur || cur.bytes >= this.opts.segmentBytes) {
        cur = { first: seq, file: path.join(this.opts.dir, `seg-${String(seq).padStart(16, '0')}.jsonl`), bytes: 0 };
        this.segments.push(cur);
      }
      if (this.fd !== null) fs.closeSync(this.fd);
      this.fd = fs.openSync(cur.file, 'a');
    }
    const buf = Buffer.from(line);
    fs.writeSync(this.fd, buf);
    cur.bytes += buf.length;
    this.enforce();
    return seq;
  }

  private enforce(): void {
    let total = this.segments.reduce((n, s) => n + s.bytes, 0);
    while (this.segments.length > 1 && (total > this.opts.maxBytes || this.segments.length > this.opts.maxSegments)) {
      const old = this.segments.shift()!;
      total -= old.bytes;
      fs.rmSync(old.file, { force: true });
    }
  }

  read(after: number, limit: number): { records: T[]; next: number; dropped_before: number } {
    const first = this.segments[0];
    const dropped_before = first && first.first > 1 ? first.first : 0;
    const records: T[] = [];
    for (let i = 0; i < this.segments.length && records.length < limit; i++) {
      const next = this.segments[i + 1];
      if (next && next.first <= after + 1) continue; // the whole segment is at or before `after`
      for (const r of readSegment<T>(this.segments[i]!.file)) {
        if (r.seq > after) records.push(r);
        if (records.length >= limit) break;
      }
    }
    const next = records.length ? records[records.length - 1]!.seq : Math.max(after, dropped_before ? dropped_before - 1 : 0);
    return { records, next, dropped_before };
  }

  close(): void {
    if (this.fd !== null) {
      fs.fsyncSync(this.fd);
      fs.closeSync(this.fd);
      this.fd = null;
    }
  }
}

function readSegment<T>(file: string): T[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return []; // dropped concurrently
  }
  const out: T[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    try {
      out.push(JSON.parse(line) as T);
    } catch {
      // torn line
    }
  }
  return out;
}
