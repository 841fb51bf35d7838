import { afterAll, afterEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { tmpDir } from './helpers';
import { Duck } from '../electron/core/data/duck';
import { openSource } from '../electron/core/data/source';
import { DiffCache, diffSources, type DiffOptions } from '../electron/core/data/diff';
import type { DiffResult } from '../shared/contract/data';

// The in-memory CSV scan and the DuckDB diff must agree on every input: random files with quoting, embedded
// delimiters / quotes / newlines, empty cells, unicode, CRLF, blank lines, reordered and added/removed columns.

const dir = tmpDir();
const duck = new Duck(path.join(dir, 'duck-tmp'));
afterAll(() => duck.close());
afterEach(() => {
  delete process.env.MLDESK_SCAN_CHUNK_BYTES;
});

function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0) / 4294967296);
}

type Table = { cols: string[]; rows: string[][] };

function randomValue(r: () => number): string {
  const x = r();
  if (x < 0.1) return '';
  if (x < 0.2) return String(Math.floor(r() * 1000));
  if (x < 0.3) return (r() * 100).toFixed(3);
  if (x < 0.4) return 'with, comma';
  if (x < 0.45) return 'say "hi"';
  if (x < 0.5) return 'line\nbreak';
  if (x < 0.55) return 'ünïcödé ✓';
  if (x < 0.6) return 'ab"c'; // a quote inside an unquoted-looking value
  return ['alpha', 'beta', 'gamma', 'δ'][Math.floor(r() * 4)]!;
}

function toCsv(t: Table, r: () => number, opts: { crlf?: boolean; quoteAll?: boolean; blankLines?: boolean } = {}): string {
  const nl = opts.crlf ? '\r\n' : '\n';
  const cell = (v: string) => (opts.quoteAll || /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  const lines = [t.cols.join(','), ...t.rows.map((row) => row.map(cell).join(','))];
  let out = '';
  for (const l of lines) {
    out += l + nl;
    if (opts.blankLines && r() < 0.05) out += nl;
  }
  return r() < 0.5 ? out : out.slice(0, -nl.length); // sometimes no final newline
}

/** A random table and a mutated copy: changed cells, removed and added rows, maybe shuffled/renamed columns. */
function pair(seed: number, n: number, schemaChange: boolean): [Table, Table] {
  const r = rng(seed);
  const cols = ['id', 'a', 'b', 'c', 'd'];
  const rows = Array.from({ length: n }, (_, i) => [String(i * 3 + 1), ...cols.slice(1).map(() => randomValue(r))]);
  const A: Table = { cols, rows };
  let bRows = rows
    .filter(() => r() > 0.1)
    .map((row) => (r() < 0.15 ? row.map((v, i) => (i > 0 && r() < 0.5 ? randomValue(r) : v)) : [...row]));
  for (let i = 0; i < n / 10; i++) bRows.push([String(n * 3 + i * 7 + 2), ...cols.slice(1).map(() => randomValue(r))]);
  bRows = bRows.sort(() => r() - 0.5);
  let bCols = [...cols];
  if (schemaChange) {
    // Reorder: d, id, b, a and a new column e; c is removed.
    const order = [4, 0, 2, 1];
    bCols = [...order.map((i) => cols[i]!), 'e'];
    bRows = bRows.map((row) => [...order.map((i) => row[i]!), randomValue(r)]);
  }
  return [A, { cols: bCols, rows: bRows }];
}

const opts = (o: Partial<DiffOptions> = {}): DiffOptions => ({ key: [], offset: 0, limit: 1000, kinds: ['added', 'removed', 'changed'], ...o });
const canon = (d: DiffResult) => ({
  rows: d.rows,
  schema: d.schema,
  changedByColumn: d.changedByColumn,
  total: d.samples.total,
  samples: d.samples.rows.map((x) => JSON.stringify([x.kind, x.key, x.changes, d.keyed ? x.cells : Object.values(x.cells).sort()])).sort(),
});

describe('data diff engines agree (scan vs DuckDB)', () => {
  for (const [seed, schemaChange, fmt] of [
    [1, false, {}],
    [2, false, { crlf: true, blankLines: true }],
    [3, true, {}],
    [4, true, { quoteAll: true }],
    [5, false, { quoteAll: true, crlf: true }],
  ] as const) {
    it(`seed ${seed}${schemaChange ? ', schema change' : ''}${Object.keys(fmt).length ? `, ${Object.keys(fmt).join('+')}` : ''}`, async () => {
      const [A, B] = pair(seed, 400, schemaChange);
      const r = rng(seed + 100);
      const fa = path.join(dir, `a${seed}.csv`);
      const fb = path.join(dir, `b${seed}.csv`);
      fs.writeFileSync(fa, toCsv(A, r));
      fs.writeFileSync(fb, toCsv(B, r, fmt));
      for (const key of [['id'], []]) {
        const scan = await diffSources(duck, openSource(fa), openSource(fb), opts({ key, engine: 'scan' }));
        const ddb = await diffSources(duck, openSource(fa), openSource(fb), opts({ key, engine: 'duckdb' }));
        expect(canon(scan), `key ${key.join(',') || '(none)'}`).toEqual(canon(ddb));
        if (key.length) {
          expect(scan.rows.changed + scan.rows.added + scan.rows.removed).toBeGreaterThan(10);
          // Sorted by key, numerically.
          const ids = scan.samples.rows.map((x) => Number(x.key.id));
          expect(ids).toEqual([...ids].sort((x, y) => x - y));
        }
      }
    });
  }

  it('records cut by the read buffer at every position give the same diff', async () => {
    const [A, B] = pair(7, 120, false);
    const r = rng(9);
    const fa = path.join(dir, 'ca.csv');
    const fb = path.join(dir, 'cb.csv');
    fs.writeFileSync(fa, toCsv(A, r));
    fs.writeFileSync(fb, toCsv(B, r, { crlf: true }));
    const ref = canon(await diffSources(duck, openSource(fa), openSource(fb), opts({ key: ['id'], engine: 'duckdb' })));
    for (const chunk of [7, 64, 333]) {
      process.env.MLDESK_SCAN_CHUNK_BYTES = String(chunk);
      expect(canon(await diffSources(duck, openSource(fa), openSource(fb), opts({ key: ['id'], engine: 'scan' }))), `chunk ${chunk}`).toEqual(ref);
    }
  });

  it('CSV column types for the schema diff match DuckDB’s sniffer', async () => {
    const f = path.join(dir, 'types.csv');
    fs.writeFileSync(
      f,
      'i,neg,f,e,b,tf,d,ts,zip,plus,s,empty,mixed\n' +
        Array.from({ length: 50 }, (_, k) => `${k},-${k},${k}.5,${k}e3,${k % 2 ? 'true' : 'false'},${k % 2 ? 'T' : 'F'},2024-01-${10 + (k % 9)},2024-01-02 10:00:${10 + (k % 40)},0${k + 100},+${k},x${k},,${k % 3 ? k : `${k}.25`}`).join('\n') +
        '\n',
    );
    const { csvTypes } = await import('../electron/core/data/source');
    const { typesOf } = await import('../electron/core/data/duckDiff');
    expect(Object.fromEntries(csvTypes(openSource(f)))).toEqual(Object.fromEntries(await typesOf(duck, openSource(f))));
  });

  it('a diff where every row differs (more than one read-back batch) agrees too', async () => {
    const n = 60_000;
    const fa = path.join(dir, 'alla.csv');
    const fb = path.join(dir, 'allb.csv');
    fs.writeFileSync(fa, 'id,v\n' + Array.from({ length: n }, (_, i) => `${i},a${i}`).join('\n') + '\n');
    fs.writeFileSync(fb, 'id,v\n' + Array.from({ length: n }, (_, i) => `${i + n / 2},b${i}`).join('\n') + '\n');
    for (const key of [['id'], []]) {
      const page = { key, offset: n - 5, limit: 10 };
      const scan = await diffSources(duck, openSource(fa), openSource(fb), opts({ ...page, engine: 'scan' }));
      const ddb = await diffSources(duck, openSource(fa), openSource(fb), opts({ ...page, engine: 'duckdb' }));
      expect(scan.rows).toEqual(key.length ? { added: n / 2, removed: n / 2, changed: n / 2, unchanged: 0 } : { added: n, removed: n, changed: 0, unchanged: 0 });
      // Unkeyed rows have no order to agree on (the scan lists them in file order, DuckDB by row hash): compare the page's shape.
      if (key.length) expect(canon(scan)).toEqual(canon(ddb));
      else expect([scan.samples.total, scan.samples.rows.map((r) => r.kind)]).toEqual([ddb.samples.total, ddb.samples.rows.map((r) => r.kind)]);
    }
  });

  it('multi-column keys in a different column order', async () => {
    const fa = path.join(dir, 'ma.csv');
    const fb = path.join(dir, 'mb.csv');
    fs.writeFileSync(fa, 'region,id,v\nn,1,a\nn,2,b\ns,1,c\ns,2,d\n');
    fs.writeFileSync(fb, 'v,id,region\na,1,n\nB,2,n\nc,1,s\ne,3,s\n');
    for (const engine of ['scan', 'duckdb'] as const) {
      const d = await diffSources(duck, openSource(fa), openSource(fb), opts({ key: ['region', 'id'], engine }));
      expect(d.rows, engine).toEqual({ added: 1, removed: 1, changed: 1, unchanged: 2 });
      expect(d.samples.rows.map((x) => `${x.kind}:${x.key.region}${x.key.id}`), engine).toEqual(['changed:n2', 'removed:s2', 'added:s3']);
    }
  });

  it('quoting and line endings are not changes; text is compared as written', async () => {
    const fa = path.join(dir, 'qa.csv');
    const fb = path.join(dir, 'qb.csv');
    fs.writeFileSync(fa, 'id,v,w\n1,x,1.0\n2,"y",2\n');
    fs.writeFileSync(fb, 'id,v,w\r\n"1","x",1\r\n2,y,2\r\n');
    for (const engine of ['scan', 'duckdb'] as const) {
      const d = await diffSources(duck, openSource(fa), openSource(fb), opts({ key: ['id'], engine }));
      expect(d.rows, engine).toEqual({ added: 0, removed: 0, changed: 1, unchanged: 1 });
      expect(d.samples.rows[0]!.changes, engine).toEqual([{ column: 'w', old: '1.0', new: '1' }]);
    }
  });

  it('bad input fails the same way in both engines', async () => {
    const good = path.join(dir, 'good.csv');
    fs.writeFileSync(good, 'id,v\n1,2\n');
    const cases: Array<[string, string | Buffer, RegExp]> = [
      ['ragged.csv', 'id,v\n1,2\n3\n4,5\n', /ragged\.csv: line 3: ragged row: expected 2 fields, found 1/],
      ['quote.csv', 'id,v\n1,2\n3,"open\n4,5\n', /quote\.csv: line \d+: unterminated quoted field/],
      ['utf8.csv', Buffer.concat([Buffer.from('id,v\n1,2\n3,'), Buffer.from([0xc3, 0x28]), Buffer.from('\n')]), /utf8\.csv: line 3: invalid UTF-8/],
      ['dup.csv', 'id,v\n1,2\n5,6\n1,3\n', /dup\.csv: duplicate key \(id=1\) appears 2 times/],
      ['nullkey.csv', 'id,v\n1,2\n,3\n', /nullkey\.csv: 1 row\(s\) have an empty key \(id\)/],
      // The first problem in the file is the one reported.
      ['first.csv', Buffer.concat([Buffer.from('id,v\n1,2\n3,'), Buffer.from([0xff]), Buffer.from('\n4,5\n6\n')]), /first\.csv: line 3: invalid UTF-8/],
    ];
    for (const [name, text, re] of cases) {
      const f = path.join(dir, name);
      fs.writeFileSync(f, text);
      for (const engine of ['scan', 'duckdb'] as const) {
        await expect(diffSources(duck, openSource(good), openSource(f), opts({ key: ['id'], engine })), `${name} ${engine}`).rejects.toThrow(re);
      }
    }
    // The scan also names both lines of a duplicate key.
    await expect(diffSources(duck, openSource(good), openSource(path.join(dir, 'dup.csv')), opts({ key: ['id'], engine: 'scan' }))).rejects.toThrow(/lines 2 and 4/);
  });

  it('sends CSVs beyond the memory budget of the scan to DuckDB (which spills to disk)', async () => {
    const [A, B] = pair(31, 200, false);
    const r = rng(32);
    const fa = path.join(dir, 'ba.csv');
    const fb = path.join(dir, 'bb.csv');
    fs.writeFileSync(fa, toCsv(A, r));
    fs.writeFileSync(fb, toCsv(B, r));
    const fits = await diffSources(duck, openSource(fa), openSource(fb), opts({ key: ['id'] }));
    expect(fits.engine).toBe('scan');
    process.env.MLDESK_DIFF_MEMORY_MB = '0.01';
    try {
      const over = await diffSources(duck, openSource(fa), openSource(fb), opts({ key: ['id'] }));
      expect(over.engine).toBe('duckdb');
      expect(canon(over)).toEqual(canon(fits));
    } finally {
      delete process.env.MLDESK_DIFF_MEMORY_MB;
    }
  });

  for (const engine of ['scan', 'duckdb'] as const) {
    it(`pages through a cached ${engine} diff without diffing again`, async () => {
      const [A, B] = pair(11, 300, false);
      const r = rng(12);
      const fa = path.join(dir, `pa-${engine}.csv`);
      const fb = path.join(dir, `pb-${engine}.csv`);
      fs.writeFileSync(fa, toCsv(A, r));
      fs.writeFileSync(fb, toCsv(B, r));
      const cache = new DiffCache(2);
      const all = await diffSources(duck, openSource(fa), openSource(fb), opts({ key: ['id'], limit: 1000, engine }), cache);
      const pages: string[] = [];
      for (let offset = 0; offset < all.samples.total; offset += 25) {
        const p = await diffSources(duck, openSource(fa), openSource(fb), opts({ key: ['id'], offset, limit: 25, engine }), cache);
        pages.push(...p.samples.rows.map((x) => JSON.stringify(x)));
      }
      expect(pages).toEqual(all.samples.rows.map((x) => JSON.stringify(x)));
      // A changed file is diffed again, not served from the cache.
      fs.appendFileSync(fb, `${fs.readFileSync(fb, 'utf8').endsWith('\n') ? '' : '\n'}999999,x,x,x,x\n`);
      const again = await diffSources(duck, openSource(fa), openSource(fb), opts({ key: ['id'], engine }), cache);
      expect(again.rows.added).toBe(all.rows.added + 1);
      cache.clear();
    });
  }
});

describe('data diff CLI with scan workers', () => {
  it('diffs in two worker threads and reports errors from them', () => {
    const [A, B] = pair(21, 2000, false);
    const r = rng(22);
    const fa = path.join(dir, 'wa.csv');
    const fb = path.join(dir, 'wb.csv');
    fs.writeFileSync(fa, toCsv(A, r));
    fs.writeFileSync(fb, toCsv(B, r));
    const bin = path.join(__dirname, '..', 'bin', 'mldesk.js');
    const env = { ...process.env, MLDESK_SCAN_WORKER_MIN_BYTES: '0', MLDESK_DIFF_TRACE: '1' };
    const run = (b: string) => spawnSync(process.execPath, [bin, 'data', 'diff', fa, b, '--key', 'id', '--json', '--limit', '5', '--data-dir', path.join(dir, 'cli-data')], { env, encoding: 'utf8' });
    const ok = run(fb);
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stderr).toMatch(/\[diff\] worker .*wa\.csv: scan/);
    const out = JSON.parse(ok.stdout) as DiffResult;
    expect(out.rows.added).toBe(200);
    expect(out.rows.removed + out.rows.unchanged + out.rows.changed).toBe(2000);
    const bad = path.join(dir, 'wbad.csv');
    fs.writeFileSync(bad, fs.readFileSync(fb, 'utf8').replace(/\n(\d+),/, '\n$1,"unterminated,'));
    const err = run(bad);
    expect(err.status).not.toBe(0);
    expect(err.stderr).toMatch(/wbad\.csv: line \d+: /);
  });
});
