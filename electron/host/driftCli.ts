import fs from 'node:fs';
import path from 'node:path';
import git from 'isomorphic-git';
import { Engine } from '../core/engine';
import { resolveUserPath } from '../core/paths';
import type { ColumnSource } from '../core/data';
import { warmColumnWorkers } from '../core/data/columns';
import { cachedFile, pointerAt, projectRelative } from '../core/data/versions';
import { driftFiles } from '../core/monitor/batch';
import type { ColumnOptions } from '../core/monitor/drift';
import { driftMethod, type ColumnDrift, type DriftReport } from '../../shared/contract/monitor';
import { MldeskError } from '../../shared/contract/errors';
import { cliPath, dataDirOf, DataUsageError, parseCli } from './cliCommon';

/**
 * `mldesk drift <reference> <current>`: batch drift of two datasets (CSV, Parquet, JSONL; files or
 * `file@commit` versions) — per column the method, statistic, p-value or distance, threshold and verdict,
 * then the dataset's. Exit 0 when the dataset did not drift, 1 when it did (for CI), 2 for usage errors and
 * inputs that cannot be compared (missing files, different columns or types).
 */

export const DRIFT_SYNOPSIS = '<reference[@commit]> <current[@commit]> [--json] [--column-map cur=ref,…] [--method col=ks,…] [--threshold col=0.1,…] [--all] [--project DIR] [--data-dir DIR]';
export const DRIFT_SUMMARY =
  "Data drift between a reference and a current dataset (CSV, Parquet, JSONL; files or file@commit), per column with Evidently's\n" +
  'automatic choice (≤ 1000 reference rows: KS / chi-squared / Z-test, p < 0.05; more: Wasserstein/std / Jensen–Shannon, ≥ 0.1) and PSI;\n' +
  'dataset drift when ≥ 50 % of the columns drifted. Exit 0: no dataset drift, 1: dataset drift, 2: usage or input errors.';
export const DRIFT_DETAILS = `Options:
  --json                    the report as JSON (DriftReport)
  --column-map cur=ref,…    current column → reference column, for renamed columns (repeatable)
  --method col=M,…          the method of a column instead of the automatic one: ${driftMethod.options.join(', ')} (repeatable)
  --threshold col=T,…       a column's threshold (a p-value for ks/chisquare/ztest, a distance otherwise) (repeatable)
  --all                     every statistic that applies to each column too (JSON: statistics), not only the chosen one
  --project DIR             relative paths (and file@commit versions) are in the project DIR
  --data-dir DIR            data dir (default: MLDESK_DATA_DIR, else ~/.mldesk)
  --stats                   time and peak memory on stderr (benchmarks)
  -h, --help                show this help`;

const VERSIONED = /^(.*)@([0-9a-f]{4,40})$/;

/** A file named on the command line: relative to `--project DIR` when given, else to the shell's current folder. */
/** `file` or `file@commit` (a dataset version inside a git project, as `mldesk data` resolves it); `mldesk fairness` too. */
export async function resolveArg(arg: string, project?: string): Promise<ColumnSource> {
  const abs = cliPath(arg, project);
  const m = VERSIONED.exec(arg);
  if (fs.existsSync(abs) || !m) return { file: abs, label: arg };
  const file = cliPath(m[1]!, project);
  let dir: string;
  if (project) dir = resolveUserPath(project);
  else {
    try {
      dir = await git.findRoot({ fs, filepath: path.dirname(file) });
    } catch {
      throw new MldeskError('INVALID_INPUT', `${m[1]} is not inside a git project; pass --project DIR to read version ${m[2]}`);
    }
  }
  const p = await pointerAt(dir, projectRelative(dir, file), m[2]!);
  return { file: cachedFile(dir, p), format: p.format, label: arg };
}

/** `a=b,c=d` (repeatable) → pairs; `what` names the option in errors. */
function pairs(values: string[] | undefined, what: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const v of values ?? []) {
    for (const part of v.split(',')) {
      if (!part.trim()) continue;
      const eq = part.lastIndexOf('=');
      if (eq <= 0 || eq === part.length - 1) throw new DataUsageError(`mldesk drift: ${what} takes column=value pairs (got "${part}")`);
      out.push([part.slice(0, eq).trim(), part.slice(eq + 1).trim()]);
    }
  }
  return out;
}

const num = (x: number | null, digits = 4) => (x === null ? '—' : x === 0 ? '0' : Math.abs(x) < 1e-4 || Math.abs(x) >= 1e6 ? x.toExponential(2) : x.toFixed(digits));

function table(report: DriftReport): string {
  const head = ['column', 'kind', 'method', 'statistic', 'p-value/dist', 'threshold', 'drifted', 'missing ref/cur', 'unseen'];
  const rows = report.columns.map((c: ColumnDrift) => [
    c.column,
    c.kind,
    c.method,
    num(c.statistic),
    c.pValue !== null ? num(c.pValue) : num(c.statistic),
    String(c.threshold),
    c.note && c.statistic === null && c.pValue === null ? 'n/a' : c.drifted ? 'DRIFT' : 'no',
    `${c.missing.reference}/${c.missing.current}`,
    c.unseen.rows ? `${c.unseen.rows} (${c.unseen.values.slice(0, 3).join(', ')}${c.unseen.values.length > 3 ? ', …' : ''})` : '0',
  ]);
  const width = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((x, i) => x.padEnd(width[i]!)).join('  ').trimEnd();
  const notes = report.columns.filter((c) => c.note).map((c) => `  ${c.column}: ${c.note}`);
  return [line(head), line(width.map((w) => '─'.repeat(w))), ...rows.map(line), ...(notes.length ? ['', 'notes:', ...notes] : [])].join('\n');
}

export async function driftCommand(args: string[]): Promise<number> {
  const { values: v, positionals: pos } = parseCli(
    args,
    {
      json: { type: 'boolean' },
      'column-map': { type: 'string', multiple: true },
      method: { type: 'string', multiple: true },
      threshold: { type: 'string', multiple: true },
      project: { type: 'string' },
      'data-dir': { type: 'string' },
      stats: { type: 'boolean' },
      all: { type: 'boolean' },
    },
    'mldesk drift',
  );
  if (pos.length !== 2) throw new DataUsageError('mldesk drift: expected <reference> <current>');
  const columnMap = Object.fromEntries(pairs(v['column-map'], '--column-map'));
  const columns: Record<string, ColumnOptions> = {};
  for (const [c, m] of pairs(v.method, '--method')) {
    const ok = driftMethod.safeParse(m);
    if (!ok.success) throw new DataUsageError(`mldesk drift: --method ${c}=${m}: the methods are ${driftMethod.options.join(', ')}`);
    (columns[c] ??= {}).method = ok.data;
  }
  for (const [c, t] of pairs(v.threshold, '--threshold')) {
    const x = Number(t);
    if (!Number.isFinite(x) || x < 0) throw new DataUsageError(`mldesk drift: --threshold ${c}=${t} must be a number ≥ 0`);
    (columns[c] ??= {}).threshold = x;
  }

  const started = performance.now();
  let engine: Engine | null = null;
  try {
    const [ref, cur] = [await resolveArg(pos[0]!, v.project), await resolveArg(pos[1]!, v.project)];
    // The CSV readers' threads start while the engine opens.
    warmColumnWorkers([ref, cur].reduce((n, s) => n + (fs.existsSync(s.file) ? fs.statSync(s.file).size : 0), 0));
    engine = new Engine({ dataDir: dataDirOf(v), host: 'web' });
    const report = await driftFiles(engine.data, ref, cur, { columnMap, columns, allStatistics: v.all });
    if (v.json) console.log(JSON.stringify(report));
    else {
      console.log(`reference ${report.reference.source} (${report.reference.rows.toLocaleString('en')} rows)  vs  current ${report.current.source} (${report.current.rows.toLocaleString('en')} rows)\n`);
      console.log(table(report));
      const tested = report.columns.filter((c) => c.statistic !== null || c.pValue !== null).length;
      console.log(
        `\n${report.datasetDrift ? 'DATASET DRIFT' : 'no dataset drift'}: ${report.driftedColumns} of ${tested} tested columns drifted (${(report.driftShare * 100).toFixed(1)} %; dataset drift at ≥ ${report.shareThreshold * 100} %)`,
      );
    }
    return report.datasetDrift ? 1 : 0;
  } catch (e) {
    // Exit 1 means "drifted": inputs that cannot be compared are exit 2, whatever the error.
    console.error(`mldesk: ${e instanceof MldeskError ? e.message : `drift failed: ${e instanceof Error ? e.message : String(e)}`}`);
    return 2;
  } finally {
    if (v.stats) console.error(JSON.stringify({ ms: Math.round(performance.now() - started), maxRssKb: process.resourceUsage().maxRSS }));
    await engine?.close();
  }
}

/** The `mldesk drift` entry of the CLI's command table (cli.ts). */
export const DRIFT_COMMAND = { name: 'drift', synopsis: DRIFT_SYNOPSIS, summary: DRIFT_SUMMARY, details: DRIFT_DETAILS, run: driftCommand };
