import { Engine } from '../core/engine';
import { fairnessOfRows, loadRows } from '../core/insight/fairnessData';
import type { FairnessReport, Interval, SummaryMetric } from '../core/insight/fairness';
import { onnxPredict } from '../core/insight/predict';
import { MldeskError } from '../../shared/contract/errors';
import { dataDirOf, DataUsageError, failedWith, parseCli, printTable, type CliCommand } from './cliCommon';
import { resolveArg } from './driftCli';

/**
 * `mldesk fairness <model>@<version> --data <file[@commit]> --sensitive <col>`: scores the rows with the registered
 * version's ONNX model and prints Fairlearn's group metrics (selection rate, TPR, FPR, precision, calibration) per
 * group of one sensitive attribute or the intersection of two, then the disparities, with bootstrap intervals.
 */

export const FAIRNESS_SYNOPSIS =
  '<model>@<version|alias> --data <file[@commit]> --sensitive <col> [--sensitive <col2>] [--label <col>] [--threshold 0.5] [--bootstrap N] [--seed N] [--reference GROUP] [--json] [--project DIR] [--data-dir DIR]';
export const FAIRNESS_SUMMARY =
  "Fairness of a registered model version on a dataset (CSV, Parquet, JSONL; a file or file@commit) by a sensitive attribute (or two: their\n" +
  'intersections): per group size, selection rate, TPR, FPR, precision and calibration; demographic-parity difference and ratio,\n' +
  'equal-opportunity and equalized-odds differences (Fairlearn’s definitions), with 95 % bootstrap intervals. Exit 0, 1 on errors, 2 for usage.';
export const FAIRNESS_DETAILS = `Options:
  --data FILE[@COMMIT]      the rows to score: a file, or a committed dataset version (file@commit)
  --sensitive COL           the sensitive attribute (repeat once for intersections of two)
  --label COL               the label column (default: the label the version's run trained on, else a column named like a label)
  --threshold T             score ≥ T is a positive prediction (default 0.5)
  --bootstrap N             bootstrap resamples for the intervals (default 200; 0: none)
  --seed N                  the bootstrap's seed (default 1)
  --reference GROUP         the group the per-group differences are taken against, e.g. "sex=M" (default: the largest)
  --json                    the report as JSON
  --project DIR             relative paths (and file@commit versions) are in the project DIR
  --data-dir DIR            data dir (default: MLDESK_DATA_DIR, else ~/.mldesk)
  -h, --help                show this help`;

const LABEL_NAMES = ['label', 'target', 'y', 'class', 'outcome', 'default'];

/** `name@3` (a version) or `name@champion` (an alias). */
function modelRef(arg: string): { model: string; version?: string; alias?: string } {
  const at = arg.lastIndexOf('@');
  if (at <= 0 || at === arg.length - 1) throw new DataUsageError(`mldesk fairness: expected <model>@<version> (got "${arg}")`);
  const model = arg.slice(0, at);
  const v = arg.slice(at + 1);
  return /^\d+$/.test(v) ? { model, version: v } : { model, alias: v };
}

function numberOpt(raw: string | undefined, what: string, integer: boolean): number | undefined {
  if (raw === undefined) return undefined;
  const x = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(x) || (integer && (!Number.isInteger(x) || x < 0))) throw new DataUsageError(`mldesk fairness: ${what} must be ${integer ? 'a whole number ≥ 0' : 'a number'} (got "${raw}")`);
  return x;
}

const f3 = (x: number | null) => (x === null ? '—' : x.toFixed(3));
const withCi = (x: number | null, ci: Interval | null) => (x === null ? '—' : ci ? `${f3(x)} [${f3(ci[0])}, ${f3(ci[1])}]` : f3(x));

function printReport(title: string, r: FairnessReport): void {
  console.log(title);
  console.log(
    `${r.rows.toLocaleString('en')} rows (${r.positives.toLocaleString('en')} positive), positive prediction: score ≥ ${r.threshold}; ` +
      (r.bootstrap.samples ? `95 % intervals from ${r.bootstrap.samples} bootstrap resamples (seed ${r.bootstrap.seed})` : 'no intervals (--bootstrap 0)') +
      '\n',
  );
  printTable([
    ['group', 'rows', 'positives', 'selection rate', 'TPR', 'FPR', 'precision', 'mean score', 'observed', 'ECE'],
    ...r.groups.map((g) => [
      g.key,
      g.size.toLocaleString('en'),
      g.positives.toLocaleString('en'),
      withCi(g.selectionRate, g.ci.selectionRate),
      withCi(g.tpr, g.ci.tpr),
      withCi(g.fpr, g.ci.fpr),
      withCi(g.precision, g.ci.precision),
      f3(g.calibration.meanScore),
      f3(g.calibration.observedRate),
      f3(g.calibration.ece),
    ]),
  ]);
  const line = (name: string, m: SummaryMetric) => [name, withCi(m.value, m.ci), m.value === null ? '' : `max ${m.max}, min ${m.min} (${m.groups} groups)`];
  console.log('');
  printTable([
    ['disparity', 'value [95 % CI]', 'between'],
    line('demographic parity difference', r.summary.demographicParityDifference),
    line('demographic parity ratio', r.summary.demographicParityRatio),
    line('equal opportunity difference', r.summary.equalOpportunityDifference),
    line('equalized odds difference', r.summary.equalizedOddsDifference),
  ]);
  if (r.reference) console.log(`\nper-group differences in the JSON are against ${r.reference}`);
  if (r.notes.length) console.log(`\nnotes:\n${r.notes.map((n) => `  - ${n}`).join('\n')}`);
}

export async function fairnessCommand(args: string[]): Promise<number> {
  const { values: v, positionals: pos } = parseCli(
    args,
    {
      data: { type: 'string' },
      sensitive: { type: 'string', multiple: true },
      label: { type: 'string' },
      threshold: { type: 'string' },
      bootstrap: { type: 'string' },
      seed: { type: 'string' },
      reference: { type: 'string' },
      json: { type: 'boolean' },
      project: { type: 'string' },
      'data-dir': { type: 'string' },
    },
    'mldesk fairness',
  );
  if (pos.length !== 1) throw new DataUsageError('mldesk fairness: expected <model>@<version>');
  const ref = modelRef(pos[0]!);
  if (!v.data) throw new DataUsageError('mldesk fairness: --data <file[@commit]> is required');
  const sensitive = v.sensitive ?? [];
  if (sensitive.length < 1 || sensitive.length > 2) throw new DataUsageError('mldesk fairness: give --sensitive <col> once, or twice for intersections');
  const threshold = numberOpt(v.threshold, '--threshold', false);
  const bootstrap = numberOpt(v.bootstrap, '--bootstrap', true);
  const seed = numberOpt(v.seed, '--seed', true);
  if (bootstrap !== undefined && bootstrap > 100_000) throw new DataUsageError('mldesk fairness: --bootstrap is at most 100000');

  let engine: Engine | null = null;
  let model: Awaited<ReturnType<typeof onnxPredict>> | null = null;
  try {
    const data = await resolveArg(v.data, v.project);
    engine = new Engine({ dataDir: dataDirOf(v), host: 'web' });
    const m = await engine.containers.resolveModel(ref);
    if (!m.onnxFile) throw new MldeskError('FAILED_PRECONDITION', `${m.name} v${m.version} has no ONNX file to score the rows with`);
    const { columns, rows } = await loadRows(engine.data.duck, data.file, data.format);
    const names = columns.map((c) => c.name);
    let label = v.label;
    if (label === undefined) {
      let trained: string | undefined;
      try {
        trained = m.runId ? engine.tracking.runs.get(m.runId).data.params.find((p) => p.key === 'label')?.value : undefined;
      } catch {
        trained = undefined; // the run was deleted: fall back to the column names
      }
      label = trained && names.includes(trained) ? trained : names.find((c) => LABEL_NAMES.includes(c.toLowerCase()));
      if (label === undefined) throw new DataUsageError(`mldesk fairness: name the label column with --label (the run of ${m.name} v${m.version} logged none, and no column is named like one)`);
    }
    model = await onnxPredict(m.onnxFile);
    const missing = model.features.map((f) => f.name).filter((f) => !names.includes(f));
    if (missing.length) throw new MldeskError('INVALID_INPUT', `${data.label} lacks the model's input column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);
    const report = await fairnessOfRows({
      rows,
      predict: model.predict,
      label,
      sensitive,
      ...(threshold !== undefined ? { threshold } : {}),
      ...(bootstrap !== undefined ? { bootstrap } : {}),
      ...(seed !== undefined ? { seed } : {}),
      ...(v.reference !== undefined ? { reference: v.reference } : {}),
    });
    if (v.json) console.log(JSON.stringify({ model: { name: m.name, version: m.version, digest: m.modelDigest }, data: data.label, label, ...report }, null, 2));
    else printReport(`${m.name} v${m.version} on ${data.label} (label "${label}")`, report);
    return 0;
  } catch (e) {
    return failedWith(e);
  } finally {
    await model?.close();
    await engine?.close();
  }
}

/** The `mldesk fairness` entry of the CLI's command table (cli.ts). */
export const FAIRNESS_COMMAND: CliCommand = { name: 'fairness', synopsis: FAIRNESS_SYNOPSIS, summary: FAIRNESS_SUMMARY, details: FAIRNESS_DETAILS, run: fairnessCommand };
