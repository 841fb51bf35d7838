import fs from 'node:fs';
import type { DiffResult } from '../../../shared/contract/data';
import type { Duck } from './duck';
import { duckDiff, schemaDiff } from './duckDiff';
import { diffPage, KeyHashCollision, scanDiff, scanFits, type DiffIndex, type DiffPlan } from './scanDiff';
import { csvTypes, dataError, type DataSource } from './source';

export interface DiffOptions {
  key: string[];
  offset: number;
  limit: number;
  kinds: Array<'added' | 'removed' | 'changed'>;
  column?: string;
  /** `auto`: the in-memory scan for CSVs that fit its budget, else DuckDB (out-of-core). */
  engine?: 'auto' | 'scan' | 'duckdb';
}

/**
 * Computed diffs by file identity (path, size, mtime) and key, so paging through a diff in the UI reads
 * only the page's rows instead of diffing again.
 */
export class DiffCache {
  private readonly map = new Map<string, Promise<DiffIndex>>();
  constructor(private readonly size = 4) {}

  get(id: string, make: () => Promise<DiffIndex>): Promise<DiffIndex> {
    let hit = this.map.get(id);
    if (hit) this.map.delete(id);
    else {
      hit = make();
      hit.catch(() => this.map.delete(id));
    }
    this.map.set(id, hit);
    while (this.map.size > this.size) this.map.delete(this.map.keys().next().value!);
    return hit;
  }
}

const identity = (src: DataSource) => {
  const st = fs.statSync(src.file);
  return `${src.file}\u0000${st.size}\u0000${st.mtimeMs}\u0000${src.format}`;
};

/**
 * Data diff of two files: schema (added / removed / type-changed columns), rows keyed (added / removed /
 * changed with per-cell old → new) or, without a key, as row multisets. CSVs go through the in-memory scan
 * (scanDiff.ts); Parquet, JSONL and CSVs too big for memory through DuckDB (duckDiff.ts).
 */
export async function diffSources(duck: Duck, a: DataSource, b: DataSource, opts: DiffOptions, cache = new DiffCache(1)): Promise<DiffResult> {
  const engine = opts.engine ?? 'auto';
  if (engine === 'duckdb' || !a.csv || !b.csv || (engine === 'auto' && !scanFits(a, b))) return duckDiff(duck, a, b, opts);
  const started = performance.now();
  const colsA = a.csv.columns;
  const colsB = b.csv.columns;
  const setA = new Set(colsA);
  const setB = new Set(colsB);
  for (const k of opts.key) {
    if (!setA.has(k)) throw dataError(a.file, `key column "${k}" is missing (columns: ${colsA.join(', ')})`);
    if (!setB.has(k)) throw dataError(b.file, `key column "${k}" is missing (columns: ${colsB.join(', ')})`);
  }
  const common = colsA.filter((c) => setB.has(c));
  if (opts.column && !common.includes(opts.column)) throw dataError(b.file, `no column "${opts.column}" in both files`);
  const plan: DiffPlan = { key: opts.key, colsA, colsB, values: common.filter((c) => !opts.key.includes(c)) };
  let index: DiffIndex;
  let types: Array<Map<string, string>>;
  try {
    const pending = cache.get(`${identity(a)}\u0001${identity(b)}\u0001${opts.key.join('\u0000')}`, () => scanDiff(a, b, plan));
    // Column types for the schema diff, sniffed here while the workers scan.
    types = [csvTypes(a), csvTypes(b)];
    index = await pending;
  } catch (e) {
    if (e instanceof KeyHashCollision) return duckDiff(duck, a, b, opts);
    throw e;
  }
  const samples = diffPage(index, { offset: opts.offset, limit: opts.limit, kinds: opts.key.length ? opts.kinds : opts.kinds.filter((k) => k !== 'changed'), column: opts.column });
  return {
    schema: schemaDiff(colsA, colsB, types[0]!, types[1]!),
    rows: index.rows,
    keyed: opts.key.length > 0,
    key: opts.key,
    changedByColumn: opts.key.length ? index.changedByColumn : {},
    samples,
    elapsedMs: Math.round(performance.now() - started),
    engine: 'scan',
  };
}
