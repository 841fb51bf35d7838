import fs from 'node:fs';
import type { DiffResult } from '../../../shared/contract/data';
import type { Duck } from './duck';
import { prepareDuckDiff, requireKeyColumns, schemaDiff } from './duckDiff';
import { diffPage, KeyHashCollision, scanDiff, scanFits, type DiffPlan } from './scanDiff';
import { csvTypes, dataError, type DataSource } from './source';

export interface PageOptions {
  offset: number;
  limit: number;
  kinds: Array<'added' | 'removed' | 'changed'>;
  column?: string;
}

export interface DiffOptions extends PageOptions {
  key: string[];
  /** `auto`: the in-memory scan for CSVs that fit its budget, else DuckDB (out-of-core). */
  engine?: 'auto' | 'scan' | 'duckdb';
}

/** A computed diff: everything but the page of rows, which `page` reads on demand. */
export interface PreparedDiff extends Pick<DiffResult, 'schema' | 'rows' | 'keyed' | 'key' | 'changedByColumn' | 'engine'> {
  /** Columns in both files (the ones a column filter may name). */
  common: string[];
  page(opts: PageOptions): Promise<DiffResult['samples']>;
  /** Frees what the diff holds (DuckDB's result tables). */
  dispose(): void;
}

/**
 * Computed diffs by file identity (path, size, mtime), key and engine, so paging through a diff in the UI
 * reads only the page's rows instead of diffing again. Evicted diffs are disposed.
 */
export class DiffCache {
  private readonly map = new Map<string, Promise<PreparedDiff>>();
  constructor(private readonly size = 4) {}

  get(id: string, make: () => Promise<PreparedDiff>): Promise<PreparedDiff> {
    let hit = this.map.get(id);
    if (hit) this.map.delete(id);
    else {
      hit = make();
      hit.catch(() => this.map.delete(id));
    }
    this.map.set(id, hit);
    while (this.map.size > this.size) {
      const [oldest, p] = this.map.entries().next().value!;
      this.map.delete(oldest);
      p.then((d) => d.dispose()).catch(() => undefined);
    }
    return hit;
  }

  clear(): void {
    for (const p of this.map.values()) p.then((d) => d.dispose()).catch(() => undefined);
    this.map.clear();
  }
}

const identity = (src: DataSource) => {
  const st = fs.statSync(src.file);
  return `${src.file}\u0000${st.size}\u0000${st.mtimeMs}\u0000${src.format}`;
};

/** The in-memory scan as a prepared diff (schema types sniffed from the files' heads while the workers scan). */
async function prepareScan(a: DataSource, b: DataSource, key: string[]): Promise<PreparedDiff> {
  const colsA = a.csv!.columns;
  const colsB = b.csv!.columns;
  requireKeyColumns(a, colsA, b, colsB, key);
  const common = colsA.filter((c) => colsB.includes(c));
  const plan: DiffPlan = { key, colsA, colsB, values: common.filter((c) => !key.includes(c)) };
  const pending = scanDiff(a, b, plan);
  const schema = schemaDiff(colsA, colsB, csvTypes(a), csvTypes(b));
  const index = await pending;
  return {
    schema,
    common,
    rows: index.rows,
    keyed: key.length > 0,
    key,
    changedByColumn: key.length ? index.changedByColumn : {},
    engine: 'scan',
    page: async (opts) => diffPage(index, { ...opts, kinds: key.length ? opts.kinds : opts.kinds.filter((k) => k !== 'changed') }),
    dispose: () => undefined,
  };
}

/**
 * Data diff of two files: schema (added / removed / type-changed columns), rows keyed (added / removed /
 * changed with per-cell old → new) or, without a key, as row multisets. CSVs go through the in-memory scan
 * (scanDiff.ts); Parquet, JSONL and CSVs too big for memory through DuckDB (duckDiff.ts).
 */
export async function diffSources(duck: Duck, a: DataSource, b: DataSource, opts: DiffOptions, shared?: DiffCache): Promise<DiffResult> {
  const started = performance.now();
  // Without a shared cache the diff lives for this call only.
  const cache = shared ?? new DiffCache(1);
  try {
    return await diffCached(duck, a, b, opts, cache, started);
  } finally {
    if (!shared) cache.clear();
  }
}

async function diffCached(duck: Duck, a: DataSource, b: DataSource, opts: DiffOptions, cache: DiffCache, started: number): Promise<DiffResult> {
  const choice = opts.engine ?? 'auto';
  const engine = choice === 'duckdb' || !a.csv || !b.csv || (choice === 'auto' && !scanFits(a, b)) ? 'duckdb' : 'scan';
  const id = [identity(a), identity(b), opts.key.join('\u0000'), engine].join('\u0001');
  const prepared = await cache.get(id, async () => {
    if (engine === 'duckdb') return prepareDuckDiff(duck, a, b, opts.key);
    try {
      return await prepareScan(a, b, opts.key);
    } catch (e) {
      if (e instanceof KeyHashCollision) return prepareDuckDiff(duck, a, b, opts.key);
      throw e;
    }
  });
  if (opts.column && !prepared.common.includes(opts.column)) throw dataError(b.file, `no column "${opts.column}" in both files`);
  const { schema, rows, keyed, key, changedByColumn } = prepared;
  return { schema, rows, keyed, key, changedByColumn, engine: prepared.engine, samples: await prepared.page(opts), elapsedMs: Math.round(performance.now() - started) };
}
