import { Engine } from '../core/engine';
import { resolveUserPath } from '../core/paths';
import { DataUsageError, dataDirOf, parseCli, type CliCommand } from './cliCommon';
import { call, dockerReady, startJob } from './engineCall';
import { MldeskError, type JobInfo, type ModelImage } from '../../shared/contract';

/**
 * `mldesk build <model> (--version N | --alias A)`: builds a model version's image only (no container) through the
 * same contract method as the app (`containers.build`, a job), shows its progress — a one-line bar on a terminal,
 * plain lines otherwise — and prints the image reference and digest. Exit 1 with the reason (Docker unavailable: at
 * once, with how to fix it), 2 for usage errors.
 */


const OPTIONS = {
  version: { type: 'string', arg: 'N', help: 'the model version to build' },
  alias: { type: 'string', arg: 'A', help: 'or the version an alias points to (champion, challenger…)' },
  context: { type: 'string', arg: 'DIR', help: 'build with your own Dockerfile and this context folder (models without ONNX)' },
  dockerfile: { type: 'string', arg: 'FILE', help: 'the Dockerfile inside the context (default: Dockerfile)' },
  json: { type: 'boolean', help: 'print the image as JSON' },
  'data-dir': { type: 'string', arg: 'DIR', help: 'data dir (default: MLDESK_DATA_DIR, else ~/.mldesk)' },
} as const;

const rows = [
  ...Object.entries(OPTIONS).map(([k, o]) => [`    --${k}${'arg' in o ? ` ${o.arg}` : ''}`, o.help] as const),
  ['-h, --help', 'show this help'] as const,
];
const width = Math.max(...rows.map(([a]) => a.length)) + 2;

const MB = 1024 * 1024;

/** Progress on stderr: a redrawn bar on a TTY, the job's lines as they come otherwise. */
class Progress {
  private readonly tty = Boolean(process.stderr.isTTY);
  private bar = '';

  update(p: JobInfo & { lines?: string[] }): void {
    for (const line of p.lines ?? []) this.line(line);
    if (this.tty && p.state === 'running') this.draw(p.phase, p.fraction);
  }

  private line(text: string): void {
    if (this.tty) {
      process.stderr.write(`\r\x1b[2K${text}\n`);
      if (this.bar) process.stderr.write(this.bar);
    } else process.stderr.write(`${text}\n`);
  }

  private draw(phase: string, fraction: number | null): void {
    const cols = Math.max(40, process.stderr.columns ?? 80);
    const n = 24;
    const filled = fraction === null ? 0 : Math.round(fraction * n);
    const pct = fraction === null ? ' …  ' : `${String(Math.round(fraction * 100)).padStart(3)}%`;
    const head = `[${'#'.repeat(filled)}${'-'.repeat(n - filled)}] ${pct} `;
    const text = phase.length > cols - head.length - 1 ? `${phase.slice(0, cols - head.length - 2)}…` : phase;
    this.bar = `\r\x1b[2K${head}${text}`;
    process.stderr.write(this.bar);
  }

  end(): void {
    if (this.tty && this.bar) process.stderr.write('\r\x1b[2K');
    this.bar = '';
  }
}

async function buildCommand(args: string[]): Promise<number> {
  const { values: v, positionals: pos } = parseCli(args, OPTIONS, 'mldesk build');
  if (pos.length !== 1) throw new DataUsageError('mldesk build: expected one <model>');
  if ((v.version === undefined) === (v.alias === undefined)) throw new DataUsageError('mldesk build: give --version N or --alias A');
  if (v.version !== undefined && !/^\d+$/.test(v.version)) throw new DataUsageError(`mldesk build: --version must be a number (got "${v.version}")`);
  if (v.dockerfile !== undefined && v.context === undefined) throw new DataUsageError('mldesk build: --dockerfile needs --context DIR');
  const engine = new Engine({ dataDir: dataDirOf(v), host: 'web' });
  const progress = new Progress();
  try {
    if (!(await dockerReady(engine))) return 1;
    const input = {
      model: pos[0],
      ...(v.version !== undefined ? { version: v.version } : { alias: v.alias }),
      ...(v.context !== undefined ? { runtime: { kind: 'dockerfile', context: resolveUserPath(v.context), dockerfile: v.dockerfile ?? 'Dockerfile' } } : {}),
    };
    const started = Date.now();
    let image: ModelImage;
    try {
      const { done } = await startJob(engine, () => call(engine, 'containers.build', input), (p) => progress.update(p));
      image = (await done) as ModelImage;
    } finally {
      progress.end();
    }
    const secs = (Date.now() - started) / 1000;
    if (v.json) console.log(JSON.stringify({ ...image, seconds: Number(secs.toFixed(2)) }, null, 2));
    else {
      console.log(`Built ${image.model} v${image.version} in ${secs.toFixed(1)} s`);
      console.log(`  ref     ${image.ref}`);
      console.log(`  digest  ${image.digest}`);
      console.log(`  size    ${(image.sizeBytes / MB).toFixed(1)} MB`);
      console.log(`  base    ${image.base || '—'}`);
      console.log(`  model   ${image.modelDigest}`);
    }
    return 0;
  } catch (e) {
    progress.end();
    if (e instanceof MldeskError && e.code !== 'INVALID_INPUT') {
      console.error(`mldesk: ${e.message}`);
      const hint = (e.details as { hint?: unknown } | undefined)?.hint;
      if (typeof hint === 'string') console.error(`  How to fix: ${hint}`);
      return 1;
    }
    throw e;
  } finally {
    await engine.close();
  }
}

export const BUILD_COMMAND: CliCommand = {
  name: 'build',
  synopsis: '<model> (--version N | --alias A) [--context DIR [--dockerfile FILE]] [--json] [--data-dir DIR]',
  summary:
    'Build the image of a model version (nothing is started) and print its reference and digest.\n' +
    'ONNX models get the built-in runtime; others need --context with your Dockerfile.',
  details: `Options:\n${rows.map(([a, b]) => `  ${a.padEnd(width)}${b}`).join('\n')}`,
  run: buildCommand,
};
