import { afterAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { tmpDir } from './helpers';
import { Duck } from '../electron/core/data/duck';
import { openSource } from '../electron/core/data/source';
import { diffSources, type DiffOptions } from '../electron/core/data/diff';
import { profileSource } from '../electron/core/data/profile';

const dir = tmpDir();
const duck = new Duck(path.join(dir, 'duck-tmp'));
afterAll(() => duck.close());
const write = (name: string, text: string | Buffer) => {
  const f = path.join(dir, name);
  fs.writeFileSync(f, text);
  return f;
};
const opts = (o: Partial<DiffOptions> = {}): DiffOptions => ({ key: [], offset: 0, limit: 100, kinds: ['added', 'removed', 'changed'], ...o });

describe('data diff', () => {
  it('keyed: added, removed, changed rows with per-cell old → new, and schema changes', async () => {
    const a = write('a.csv', 'id,name,score,city\n1,ann,0.5,Oslo\n2,bob,0.7,Rome\n3,cy,0.9,Lima\n4,di,"1,5",Kyiv\n');
    const b = write('b.csv', 'id;name;score;zip\n1;ann;0.5;0150\n2;bob;0.75;0100\n4;di;1,5;0200\n5;ed;0.1;0300\n');
    const r = await diffSources(duck, openSource(a), openSource(b), opts({ key: ['id'] }));
    expect(r.rows).toEqual({ added: 1, removed: 1, changed: 1, unchanged: 2 });
    expect(r.schema.added.map((c) => c.name)).toEqual(['zip']);
    expect(r.schema.removed.map((c) => c.name)).toEqual(['city']);
    expect(r.changedByColumn).toEqual({ name: 0, score: 1 });
    const changed = r.samples.rows.find((x) => x.kind === 'changed')!;
    expect(changed.key).toEqual({ id: '2' });
    expect(changed.changes).toEqual([{ column: 'score', old: '0.7', new: '0.75' }]);
    expect(r.samples.rows.find((x) => x.kind === 'added')!.key).toEqual({ id: '5' });
    expect(r.samples.rows.find((x) => x.kind === 'removed')!.cells.city).toBe('Lima');
  });

  it('unkeyed: row multiset diff by row hash', async () => {
    const a = write('m1.csv', 'x,y\n1,a\n1,a\n2,b\n');
    const b = write('m2.csv', 'x,y\n1,a\n2,b\n3,c\n');
    const r = await diffSources(duck, openSource(a), openSource(b), opts());
    expect(r.rows).toEqual({ added: 1, removed: 1, changed: 0, unchanged: 2 });
    expect(r.samples.rows.map((x) => `${x.kind}:${x.cells.x}`).sort()).toEqual(['added:3', 'removed:1']);
  });

  it('bad input names the file, line and problem', async () => {
    const good = write('good.csv', 'id,v\n1,2\n');
    const cases: Array<[string, string | Buffer, RegExp]> = [
      ['ragged.csv', 'id,v\n1,2\n3\n4,5\n', /ragged\.csv: line 3: ragged row: expected 2 fields, found 1/],
      ['quote.csv', 'id,v\n1,2\n3,"open\n4,5\n', /quote\.csv: line \d+: unterminated quoted field/],
      ['utf8.csv', Buffer.concat([Buffer.from('id,v\n1,'), Buffer.from([0xff, 0xfe]), Buffer.from('\n')]), /utf8\.csv: line 2: invalid UTF-8/],
      ['empty.csv', '', /empty\.csv: the file is empty/],
      ['binary.csv', Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0x00, 0x10]), /binary\.csv: line 1: binary content/],
    ];
    for (const [name, text, re] of cases) {
      const f = write(name, text);
      await expect((async () => diffSources(duck, openSource(good), openSource(f), opts()))(), name).rejects.toThrow(re);
    }
    const nokey = write('nokey.csv', 'x,v\n1,2\n');
    await expect(diffSources(duck, openSource(good), openSource(nokey), opts({ key: ['id'] }))).rejects.toThrow(/nokey\.csv: key column "id" is missing/);
    const dup = write('dup.csv', 'id,v\n1,2\n1,3\n');
    await expect(diffSources(duck, openSource(good), openSource(dup), opts({ key: ['id'] }))).rejects.toThrow(/dup\.csv: duplicate key \(id=1\) appears 2 times/);
  });

  it('profiles columns: types, missing, distinct, quantiles, histogram, top values', async () => {
    const f = write('p.csv', 'n,c,f\n1,x,0.5\n2,y,\n3,x,1.5\n4,,2.5\n');
    const p = await profileSource(duck, openSource(f), 'sha');
    expect(p.rows).toBe(4);
    const [n, c, fl] = p.columns;
    expect(n).toMatchObject({ name: 'n', type: 'integer', missing: 0, min: 1, max: 4, mean: 2.5 });
    expect(n!.quantiles!.p50).toBe(2.5);
    expect(n!.histogram!.reduce((s, h) => s + h.count, 0)).toBe(4);
    expect(c).toMatchObject({ type: 'string', missing: 1 });
    expect(c!.top![0]).toEqual({ value: 'x', count: 2 });
    expect(fl).toMatchObject({ type: 'float', missing: 1, min: 0.5, max: 2.5 });
  });
});

describe('profiles of large files', () => {
  it('switches to bounded-memory estimates above the exact-size threshold, and says so', async () => {
    const f = write('approx.csv', 'id,g\n' + Array.from({ length: 5000 }, (_, i) => `${i},${i % 40}`).join('\n') + '\n');
    const exact = await profileSource(duck, openSource(f), 'e');
    expect(exact.approximate).toBeUndefined();
    expect(exact.columns[0]!.distinct).toBe(5000);
    process.env.MLDESK_PROFILE_EXACT_BYTES = '0';
    try {
      const est = await profileSource(duck, openSource(f), 'a');
      expect(est.approximate).toBe(true);
      expect(Math.abs(est.columns[0]!.distinct - 5000) / 5000).toBeLessThan(0.1);
      expect(Math.abs(est.columns[0]!.quantiles!.p50! - exact.columns[0]!.quantiles!.p50!)).toBeLessThan(100);
      expect(est.columns[1]!.histogram!.reduce((a, h) => a + h.count, 0)).toBe(5000);
    } finally {
      delete process.env.MLDESK_PROFILE_EXACT_BYTES;
    }
  });

  it('falls back to text when a value deep in the file breaks the sniffed type', async () => {
    const rows = Array.from({ length: 30000 }, (_, i) => `${i},${i % 9}`);
    rows.push('30000,not-a-number');
    const f = write('late.csv', 'id,n\n' + rows.join('\n') + '\n');
    const p = await profileSource(duck, openSource(f), 'l');
    expect(p.rows).toBe(30001);
    expect(p.columns.find((c) => c.name === 'n')).toMatchObject({ type: 'string', sqlType: 'VARCHAR' });
    expect(p.columns.find((c) => c.name === 'n')!.top!.length).toBe(10);
  });
});

describe('Parquet and JSONL', () => {
  it('profiles and diffs Parquet and JSONL files like CSV', async () => {
    const pa = path.join(dir, 'a.parquet');
    await duck.run(`COPY (SELECT i AS id, i * 0.5 AS v, CASE WHEN i % 2 = 0 THEN 'x' ELSE 'y' END AS c FROM range(100) t(i)) TO '${pa}' (FORMAT parquet)`);
    const jb = write('b.jsonl', Array.from({ length: 100 }, (_, i) => JSON.stringify({ id: i, v: i === 7 ? 99 : i * 0.5, c: i % 2 === 0 ? 'x' : 'y' })).join('\n') + '\n');
    const prof = await profileSource(duck, openSource(pa), 'p');
    expect(prof.rows).toBe(100);
    expect(prof.columns.map((c) => c.type)).toEqual(['integer', 'float', 'string']);
    const r = await diffSources(duck, openSource(pa), openSource(jb), opts({ key: ['id'] }));
    expect(r.rows).toEqual({ added: 0, removed: 0, changed: 1, unchanged: 99 });
    expect(r.samples.rows[0]!.changes).toEqual([{ column: 'v', old: '3.5', new: '99.0' }]);
    const badJson = write('bad.jsonl', '{"id": 1}\n{"id": \n');
    await expect(profileSource(duck, openSource(badJson), 'b')).rejects.toThrow(/bad\.jsonl/);
    const notParquet = write('fake.parquet', 'id,v\n1,2\n');
    expect(() => openSource(notParquet)).toThrow(/fake\.parquet: not a Parquet file/);
  });
});
