import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import git from 'isomorphic-git';
import { Engine } from '../core/engine';
import { defaultDataDir, resolveUserPath } from '../core/paths';
import { EXPECTATIONS_SUFFIX } from '../core/data';
import { inferExpectations, type Expectations } from '../core/data/validate';
import { addDataset, cachedFile, checkoutDataset, datasetVersions, pointerAt, projectRelative } from '../core/data/versions';
import { MldeskError } from '../../shared/contract/errors';
import type { DataFormat } from '../core/data/source';
import { warmScanWorkers } from '../core/data/scanDiff';

/** `mldesk data <sub>`: what `mldesk help`, `mldesk data --help` and `mldesk data <sub> --help` print. */
export const DATA_SUBCOMMANDS: readonly { name: string; synopsis: string; summary: string }[] = [
  { name: 'add', synopsis: '<file> [--project DIR]', summary: 'snapshot into .mldesk/cache and commit a pointer file' },
  { name: 'versions', synopsis: '<file> [--project DIR] [--json]', summary: 'versions (git history of the pointer)' },
  { name: 'checkout', synopsis: '<file> --version <commit> [--project DIR]', summary: 'restore a version into the working tree' },
  { name: 'profile', synopsis: '<file[@commit]> [--json]', summary: 'per-column statistics' },
  { name: 'diff', synopsis: '<a[@commit]> <b[@commit]> [--key col[,col]] [--json] [--limit N] [--engine auto|scan|duckdb]', summary: 'schema, row and cell changes between two files or versions' },
  { name: 'expect', synopsis: '<file> [--commit] [--project DIR]', summary: `infer expectations → <file>${EXPECTATIONS_SUFFIX}` },
  { name: 'validate', synopsis: '<file> [--reference <file> | --expectations <file>] [--json]', summary: 'check a file; exit 1 when a check fails' },
];

export const DATA_USAGE = DATA_SUBCOMMANDS.map(({ name, synopsis, summary }) => `  mldesk data ${name} ${synopsis}\n      ${summary}`).join('\n');

export class DataUsageError extends Error {}

async function projectDirOf(file: string, explicit?: string): Promise<string> {
  if (explicit) return resolveUserPath(explicit);
  const start = fs.existsSync(file) && fs.statSync(file).isDirectory() ? file : path.dirname(file);
  try {
    return await git.findRoot({ fs, filepath: start });
  } catch {
    throw new MldeskError('INVALID_INPUT', `${file} is not inside a git project; pass --project DIR (a folder opened with mldesk)`);
  }
}

/** `file` or `file@commit` (a dataset version inside a project) → a readable file. */
async function resolveArg(arg: string): Promise<{ file: string; format?: DataFormat }> {
  const abs = resolveUserPath(arg);
  const m = /^(.*)@([0-9a-f]{4,40})$/.exec(arg);
  if (fs.existsSync(abs) || !m) return { file: abs };
  const file = resolveUserPath(m[1]!);
  const dir = await projectDirOf(file);
  const p = await pointerAt(dir, projectRelative(dir, file), m[2]!);
  return { file: cachedFile(dir, p), format: p.format };
}

const fmt = (n: number) => n.toLocaleString('en');

const sizeOf = (file: string) => {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
};

export async function dataCommand(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      allowPositionals: true,
      strict: true,
      options: {
        project: { type: 'string' },
        version: { type: 'string' },
        key: { type: 'string' },
        json: { type: 'boolean' },
        limit: { type: 'string' },
        reference: { type: 'string' },
        expectations: { type: 'string' },
        commit: { type: 'boolean' },
        'data-dir': { type: 'string' },
        engine: { type: 'string' },
        stats: { type: 'boolean' },
      },
    });
  } catch (e) {
    throw new DataUsageError((e as Error).message);
  }
  const v = parsed.values;
  const pos = parsed.positionals;
  const need = (n: number, what: string) => {
    if (pos.length !== n) throw new DataUsageError(`mldesk data ${sub}: expected ${what}`);
  };
  // Scan workers boot (~50 ms) while the engine opens.
  if (sub === 'diff') warmScanWorkers(pos.reduce((n, p) => n + sizeOf(resolveUserPath(p.replace(/@[0-9a-f]{4,40}$/, ''))), 0));
  const engine = new Engine({ dataDir: v['data-dir'] ? resolveUserPath(v['data-dir']) : defaultDataDir(), host: 'web' });
  const data = engine.data;
  const started = performance.now();
  try {
    switch (sub) {
      case 'add': {
        need(1, '<file>');
        const file = resolveUserPath(pos[0]!);
        const dir = await projectDirOf(file, v.project);
        const r = await addDataset(data.duck, dir, file);
        console.log(
          r.commit
            ? `${r.pointer.path}: ${fmt(r.pointer.rows)} rows × ${r.pointer.columns.length} columns, sha256 ${r.pointer.sha256.slice(0, 12)} → commit ${r.commit.slice(0, 8)} (${r.pointerPath})`
            : `${r.pointer.path}: unchanged (sha256 ${r.pointer.sha256.slice(0, 12)})`,
        );
        return 0;
      }
      case 'versions': {
        need(1, '<file>');
        const file = resolveUserPath(pos[0]!);
        const dir = await projectDirOf(file, v.project);
        const list = await datasetVersions(dir, projectRelative(dir, file));
        if (v.json) console.log(JSON.stringify(list, null, 2));
        else for (const x of list) console.log(`${x.commit.slice(0, 8)}  ${new Date(x.timestamp).toISOString()}  ${fmt(x.pointer.rows).padStart(10)} rows  ${x.pointer.sha256.slice(0, 12)}  ${x.message}`);
        return 0;
      }
      case 'checkout': {
        need(1, '<file>');
        if (!v.version) throw new DataUsageError('mldesk data checkout: --version <commit> is required');
        const file = resolveUserPath(pos[0]!);
        const dir = await projectDirOf(file, v.project);
        const p = await checkoutDataset(dir, file, v.version);
        console.log(`${p.path}: restored version ${v.version.slice(0, 8)} (${fmt(p.rows)} rows, sha256 ${p.sha256.slice(0, 12)})`);
        return 0;
      }
      case 'profile': {
        need(1, '<file>');
        const target = await resolveArg(pos[0]!);
        const p = await data.profileFile(target.file, undefined, target.format);
        if (v.json) console.log(JSON.stringify(p, null, 2));
        else {
          console.log(`${fmt(p.rows)} rows, ${p.columns.length} columns`);
          for (const c of p.columns) {
            const stats = c.mean !== null ? `min ${c.min}  mean ${c.mean.toFixed(4)}  max ${c.max}  std ${c.std?.toFixed(4)}` : `top ${(c.top ?? []).slice(0, 3).map((t) => `${t.value}(${t.count})`).join(' ')}`;
            console.log(`  ${c.name.padEnd(24)} ${c.type.padEnd(9)} missing ${fmt(c.missing).padStart(8)}  distinct ${fmt(c.distinct).padStart(8)}  ${stats}`);
          }
        }
        return 0;
      }
      case 'diff': {
        need(2, '<a> <b>');
        const limit = v.limit === undefined ? 20 : Number(v.limit);
        if (!Number.isInteger(limit) || limit < 0 || limit > 100_000) throw new DataUsageError('--limit must be an integer 0–100000');
        const key = v.key ? v.key.split(',').map((k) => k.trim()).filter(Boolean) : [];
        const [a, b] = [await resolveArg(pos[0]!), await resolveArg(pos[1]!)];
        const engine = (v.engine ?? 'auto') as 'auto' | 'scan' | 'duckdb';
        if (!['auto', 'scan', 'duckdb'].includes(engine)) throw new DataUsageError('--engine must be auto, scan or duckdb');
        const r = await data.diffFiles(a.file, b.file, { key, offset: 0, limit, kinds: ['added', 'removed', 'changed'], engine }, [a.format, b.format]);
        if (v.json) {
          console.log(JSON.stringify({ schema: r.schema, rows: r.rows, keyed: r.keyed, key: r.key, changedByColumn: r.changedByColumn, samples: r.samples, engine: r.engine }));
        } else {
          const s = r.schema;
          console.log(`schema: +${s.added.length} columns ${s.added.map((c) => c.name).join(', ')}  −${s.removed.length} ${s.removed.map((c) => c.name).join(', ')}  ~${s.changed.length} ${s.changed.map((c) => `${c.name} ${c.from}→${c.to}`).join(', ')}`);
          console.log(`rows${r.keyed ? ` (key ${r.key.join(', ')})` : ' (no key: row multisets)'}: +${fmt(r.rows.added)} added  −${fmt(r.rows.removed)} removed  ~${fmt(r.rows.changed)} changed  ${fmt(r.rows.unchanged)} unchanged`);
          for (const row of r.samples.rows) {
            const key = Object.entries(row.key).map(([k, x]) => `${k}=${x}`).join(' ');
            if (row.kind === 'changed') console.log(`  ~ ${key}  ${row.changes.map((c) => `${c.column}: ${c.old} → ${c.new}`).join('; ')}`);
            else console.log(`  ${row.kind === 'added' ? '+' : '−'} ${key || Object.values(row.cells).join(',')}`);
          }
        }
        return 0;
      }
      case 'expect': {
        need(1, '<file>');
        const file = resolveUserPath(pos[0]!);
        const exp = await data.inferFromFile(file);
        const out = file + EXPECTATIONS_SUFFIX;
        if (v.commit) {
          const dir = await projectDirOf(file, v.project);
          const c = await data.saveExpectations(dir, projectRelative(dir, file), exp);
          console.log(`${out}: ${exp.columns.length} columns → commit ${c.slice(0, 8)}`);
        } else {
          fs.writeFileSync(out, JSON.stringify(exp, null, 2) + '\n');
          console.log(`${out}: ${exp.columns.length} columns`);
        }
        return 0;
      }
      case 'validate': {
        need(1, '<file>');
        const target = await resolveArg(pos[0]!);
        let exp: Expectations;
        if (v.reference) {
          const ref = await resolveArg(v.reference);
          exp = inferExpectations(await data.profileFile(ref.file, undefined, ref.format));
        }
        else {
          const f = v.expectations ? resolveUserPath(v.expectations) : resolveUserPath(pos[0]!) + EXPECTATIONS_SUFFIX;
          if (!fs.existsSync(f)) throw new MldeskError('NOT_FOUND', `No expectations: ${f} does not exist (use --reference <file> or mldesk data expect)`);
          exp = JSON.parse(fs.readFileSync(f, 'utf8')) as Expectations;
        }
        const report = await data.validateFile(target.file, exp, target.format);
        if (v.json) console.log(JSON.stringify(report, null, 2));
        else {
          for (const c of report.checks) if (!c.passed || !report.passed) console.log(`${c.passed ? '✔' : '✘'} ${c.column ? `${c.column}: ` : ''}${c.name} — ${c.message}`);
          console.log(report.passed ? `✔ all ${report.checks.length} checks passed` : `✘ ${report.failed} of ${report.checks.length} checks failed`);
        }
        return report.passed ? 0 : 1;
      }
      default:
        throw new DataUsageError(`mldesk data: unknown subcommand "${sub ?? ''}"`);
    }
  } finally {
    // --stats (benchmarks): time in the command and the process's peak memory, on stderr.
    if (v.stats) console.error(JSON.stringify({ ms: Math.round(performance.now() - started), maxRssKb: process.resourceUsage().maxRSS }));
    await engine.close();
  }
}
