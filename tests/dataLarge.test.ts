import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { tmpDir } from './helpers';
import type { DiffResult, Profile } from '../shared/contract/data';

// Out of core: with DuckDB capped at 128 MB and the diff's in-memory scan refused, `data add`, `data profile`
// and `data diff` still work on two CSVs that together hold twice that (2 × ~135 MB).

const ROWS = 3_000_000;
const dir = tmpDir();
const bin = path.join(__dirname, '..', 'bin', 'mldesk.js');

function write(file: string, n: number, changeEvery: number): void {
  const fd = fs.openSync(file, 'w');
  fs.writeSync(fd, 'id,group,amount,score,note,day\n');
  let buf = '';
  for (let i = 0; i < n; i++) {
    const v = i % changeEvery === 0 ? i * 7 : i * 3;
    buf += `${i},g${i % 97},${(v % 100000) / 100},${(i * 31) % 1000},"text, ${i % 1009}",2024-0${1 + (i % 9)}-1${i % 10}\n`;
    if (buf.length > 1 << 20) {
      fs.writeSync(fd, buf);
      buf = '';
    }
  }
  fs.writeSync(fd, buf);
  fs.closeSync(fd);
}

function mldesk(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [bin, 'data', ...args, '--data-dir', path.join(dir, 'data')], { env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 64 << 20 });
  expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r.stdout;
}

describe('files larger than the memory they are given', () => {
  it('add, profile and diff stream or spill under a 128 MB DuckDB limit', { timeout: 240_000 }, () => {
    const project = path.join(dir, 'project');
    fs.mkdirSync(project);
    spawnSync('git', ['init', '-q', project]);
    const a = path.join(project, 'a.csv');
    const b = path.join(project, 'b.csv');
    write(a, ROWS, 1_000_000_000);
    write(b, ROWS, 500); // every 500th row changes amount
    const bytes = fs.statSync(a).size + fs.statSync(b).size;
    expect(bytes).toBeGreaterThan(2 * 128 * 1024 * 1024 * 0.8);
    const capped = { MLDESK_DUCKDB_MEMORY: '128MB', MLDESK_DIFF_MEMORY_MB: '1', MLDESK_PROFILE_EXACT_BYTES: '0' };

    expect(mldesk(['add', a, '--project', project], capped)).toMatch(/a\.csv: 3,000,000 rows × 6 columns/);
    const prof = JSON.parse(mldesk(['profile', a, '--json'], capped)) as Profile;
    expect(prof.rows).toBe(ROWS);
    expect(prof.approximate).toBe(true);
    expect(prof.columns.find((c) => c.name === 'group')!.top!.length).toBe(10);

    const viaDuck = JSON.parse(mldesk(['diff', a, b, '--key', 'id', '--json', '--limit', '3'], capped)) as DiffResult;
    expect(viaDuck.engine).toBe('duckdb');
    let changed = 0;
    for (let i = 0; i < ROWS; i += 500) if ((i * 7) % 100000 !== (i * 3) % 100000) changed++;
    expect(viaDuck.rows).toEqual({ added: 0, removed: 0, changed, unchanged: ROWS - changed });
    expect(viaDuck.samples.rows[0]!.changes.map((c) => c.column)).toEqual(['amount']);
    // The default (in-memory scan) agrees.
    const viaScan = JSON.parse(mldesk(['diff', a, b, '--key', 'id', '--json', '--limit', '3'])) as DiffResult;
    expect(viaScan.engine).toBe('scan');
    expect(viaScan.rows).toEqual(viaDuck.rows);
    expect(viaScan.samples.rows).toEqual(viaDuck.samples.rows);
  });
});
