import fs from 'node:fs';
import path from 'node:path';
import git from 'isomorphic-git';
import { Engine } from '../core/engine';
import { resolveUserPath } from '../core/paths';
import { EXPECTATIONS_SUFFIX, type DataTarget } from '../core/data';
import { parseExpectationsFile } from '../core/data/reference';
import type { Expectations } from '../core/data/validate';
import { addDataset, cachedFile, checkoutDataset, datasetVersions, pointerAt, projectRelative } from '../core/data/versions';
import { MldeskError } from '../../shared/contract/errors';
import type { DataFormat } from '../core/data/source';
import { warmScanWorkers } from '../core/data/scanDiff';
import { projectStatus } from '../core/data/status';
import { dataRemoteCommand, REMOTE_COMMANDS } from './dataRemoteCli';
import { cliPath, dataDirOf, DataUsageError, parseCli, type Subcommand, subcommandUsage } from './cliCommon';

/** `mldesk data <sub>`: what `mldesk help`, `mldesk data --help` and `mldesk data <sub> --help` print. */
export const DATA_SUBCOMMANDS: readonly Subcommand[] = [
  { name: 'add', synopsis: '<file> [--project DIR]', summary: 'snapshot into .mldesk/cache and commit a pointer file' },
  { name: 'versions', synopsis: '<file> [--project DIR] [--json]', summary: 'versions (git history of the pointer)' },
  { name: 'checkout', synopsis: '<file> --version <commit> [--force] [--project DIR]', summary: 'restore a version (and its pointer) into the working tree; refused when the file has changes never added, unless --force' },
  { name: 'status', synopsis: '[--project DIR] [--json]', summary: 'each dataset: current, modified, missing, not-cached or not-added (like dvc status); exit 0' },
  { name: 'profile', synopsis: '<file[@commit]> [--json]', summary: 'per-column statistics' },
  { name: 'diff', synopsis: '<a[@commit]> <b[@commit]> [--key col[,col]] [--json] [--limit N] [--engine auto|scan|duckdb]', summary: 'schema, row and cell changes between two files or versions' },
  { name: 'expect', synopsis: '<file> [--commit] [--project DIR]', summary: `infer expectations → <file>${EXPECTATIONS_SUFFIX}` },
  {
    name: 'validate',
    synopsis: '<file[@commit]> [--reference <file> | --expectations <file>] [--json]',
    summary: 'check a file against the expectations of its reference (default: a {"reference"} declaration, its own, or the training reference); exit 1 when a check fails',
  },
  {
    name: 'remote',
    synopsis: 'add <name> <url> [--default] [--endpoint URL] [--region R] [--host-key SHA256:…] [credentials] [--check] | list [--json] | remove <name> | default <name> | login <name> [credentials] | logout <name> | check <name>',
    summary:
      'where the cache is shared: a folder (path or file:///path), sftp://user@host:port/path, s3://bucket/prefix, mldesk://host:port or http(s)://… (a team server);\n' +
      '      kept in .mldesk/config.json (committed); credentials (--user, --key FILE, --password, --passphrase, --access-key-id, --secret-access-key, --session-token,\n' +
      '      --token, or --secret-stdin for the kind\'s secret) are stored encrypted in the data dir, never in the project',
  },
  { name: 'push', synopsis: '[files] [--remote NAME] [--jobs N] [--json]', summary: "send the cached versions of the datasets (every version in the history) that the remote lacks" },
  { name: 'pull', synopsis: '[files] [--remote NAME] [--force] [--jobs N] [--json]', summary: 'download what the pointers name (verified by sha256, resumable) and write the files; locally changed files are left alone unless --force' },
  { name: 'fetch', synopsis: '[files] [--remote NAME] [--all-versions] [--jobs N] [--json]', summary: 'download into the cache only; the working tree is not touched' },
];

export const DATA_USAGE =
  subcommandUsage('data', DATA_SUBCOMMANDS) +
  '\n  With --project DIR, relative file paths are relative to DIR (else to the current folder).';

/** A file named on the command line: relative to `--project DIR` when given, else to the shell's current folder. */
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
async function resolveArg(arg: string, project?: string): Promise<{ file: string; format?: DataFormat }> {
  const abs = cliPath(arg, project);
  const m = /^(.*)@([0-9a-f]{4,40})$/.exec(arg);
  if (fs.existsSync(abs) || !m) return { file: abs };
  const file = cliPath(m[1]!, project);
  const dir = await projectDirOf(file, project);
  const p = await pointerAt(dir, projectRelative(dir, file), m[2]!);
  return { file: cachedFile(dir, p), format: p.format };
}

/** `file` or `file@commit` → a DataTarget: readable file, plus its project dataset when inside a git project. */
async function datasetArg(arg: string, explicitProject?: string): Promise<DataTarget> {
  const { file, format } = await resolveArg(arg, explicitProject);
  const m = /^(.*)@([0-9a-f]{4,40})$/.exec(arg);
  const named = file === cliPath(arg, explicitProject) || !m ? cliPath(arg, explicitProject) : cliPath(m[1]!, explicitProject);
  const dir = explicitProject ? resolveUserPath(explicitProject) : await git.findRoot({ fs, filepath: path.dirname(named) }).catch(() => null);
  if (!dir) return { file, format, label: arg };
  try {
    return { file, format, label: arg, dir, rel: projectRelative(dir, named), version: named === file ? undefined : m?.[2] };
  } catch {
    return { file, format, label: arg };
  }
}

const AGAINST_WHY: Record<string, string> = {
  explicit: '--reference',
  declared: 'declared in the expectations file',
  own: 'its own expectations',
  training: "the project's training reference",
};

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
  if ((REMOTE_COMMANDS as readonly string[]).includes(sub ?? '')) return dataRemoteCommand(sub!, rest);
  const { values: v, positionals: pos } = parseCli(rest, {
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
    force: { type: 'boolean' },
  });
  const need = (n: number, what: string) => {
    if (pos.length !== n) throw new DataUsageError(`mldesk data ${sub}: expected ${what}`);
  };
  // Usage errors come before the data dir is opened (a usage error must not depend on the data dir's state).
  const ARITY: Record<string, [number, string]> = {
    add: [1, '<file>'],
    versions: [1, '<file>'],
    checkout: [1, '<file>'],
    status: [0, 'no file (it reports every dataset of the project)'],
    profile: [1, '<file>'],
    diff: [2, '<a> <b>'],
    expect: [1, '<file>'],
    validate: [1, '<file>'],
  };
  const arity = ARITY[sub ?? ''];
  if (arity) need(...arity);
  // Scan workers boot (~50 ms) while the engine opens.
  if (sub === 'diff') warmScanWorkers(pos.reduce((n, p) => n + sizeOf(cliPath(p.replace(/@[0-9a-f]{4,40}$/, ''), v.project)), 0));
  const engine = new Engine({ dataDir: dataDirOf(v), host: 'web' });
  const data = engine.data;
  const started = performance.now();
  try {
    switch (sub) {
      case 'add': {
        const file = cliPath(pos[0]!, v.project);
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
        const file = cliPath(pos[0]!, v.project);
        const dir = await projectDirOf(file, v.project);
        const list = await datasetVersions(dir, projectRelative(dir, file));
        if (v.json) console.log(JSON.stringify(list, null, 2));
        else for (const x of list) console.log(`${x.commit.slice(0, 8)}  ${new Date(x.timestamp).toISOString()}  ${fmt(x.pointer.rows).padStart(10)} rows  ${x.pointer.sha256.slice(0, 12)}  ${x.message}`);
        return 0;
      }
      case 'checkout': {
        if (!v.version) throw new DataUsageError('mldesk data checkout: --version <commit> is required');
        const file = cliPath(pos[0]!, v.project);
        const dir = await projectDirOf(file, v.project);
        const p = await checkoutDataset(dir, file, v.version, { force: v.force, duck: data.duck, dataDir: engine.ctx.dataDir });
        console.log(`${p.path}: restored version ${v.version.slice(0, 8)} (${fmt(p.rows)} rows, sha256 ${p.sha256.slice(0, 12)})`);
        return 0;
      }
      case 'status': {
        // Informational like `git status`: exit 0 whatever the states.
        const dir = await projectDirOf(process.cwd(), v.project);
        if (!fs.existsSync(dir)) throw new MldeskError('NOT_FOUND', `Project folder ${v.project ?? dir} does not exist`);
        if (!fs.existsSync(path.join(dir, '.git'))) throw new MldeskError('INVALID_INPUT', `${v.project ?? dir} is not a git project (datasets live in one)`);
        const st = await projectStatus(data.duck, dir);
        if (v.json) console.log(JSON.stringify(st, null, 2));
        else if (st.datasets.length === 0) console.log('no datasets (mldesk data add <file> adds one)');
        else for (const d of st.datasets) console.log(`${d.state.padEnd(10)}  ${d.path}  ${d.state === 'current' ? '' : d.message.replace(`${d.path} `, '').replace(`${d.path}: `, '')}`.trimEnd());
        return 0;
      }
      case 'profile': {
        const target = await resolveArg(pos[0]!, v.project);
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
        const limit = v.limit === undefined ? 20 : Number(v.limit);
        if (!Number.isInteger(limit) || limit < 0 || limit > 100_000) throw new DataUsageError('--limit must be an integer 0–100000');
        const key = v.key ? v.key.split(',').map((k) => k.trim()).filter(Boolean) : [];
        const [a, b] = [await resolveArg(pos[0]!, v.project), await resolveArg(pos[1]!, v.project)];
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
        const file = cliPath(pos[0]!, v.project);
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
        // Against the expectations of the dataset the file is declared against (core/data/reference.ts):
        // --expectations as given, --reference's, a {"reference"} declaration, its own, or the training reference.
        if (v.reference && v.expectations) throw new DataUsageError('mldesk data validate: give --reference or --expectations, not both');
        const target = await datasetArg(pos[0]!, v.project);
        const reference = v.reference ? await datasetArg(v.reference, v.project) : undefined;
        let expectations: Expectations | undefined;
        if (v.expectations) {
          const f = cliPath(v.expectations, v.project);
          if (!fs.existsSync(f)) throw new MldeskError('NOT_FOUND', `No expectations: ${v.expectations} does not exist`);
          const parsed = parseExpectationsFile(fs.readFileSync(f, 'utf8'), v.expectations);
          if (parsed.kind === 'expectations') expectations = parsed.expectations;
          else throw new DataUsageError(`${v.expectations} declares a reference (${parsed.reference}): pass --reference ${parsed.reference} instead`);
        }
        const report = await data.validateTarget(target, { expectations, reference });
        if (v.json) console.log(JSON.stringify(report, null, 2));
        else {
          const a = report.against;
          if (a && a.rule !== 'given') console.log(`against ${a.reference} (${AGAINST_WHY[a.rule]}; ${a.source === 'committed' ? 'committed' : 'inferred'} expectations; ${a.rowCount === 'band' ? 'row-count band checked' : 'batch: no row-count band'})`);
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
