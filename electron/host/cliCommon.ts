import path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { checkPathSyntax } from '../core/confine';
import { defaultDataDir, expandHome, resolveUserPath } from '../core/paths';
import { MldeskError } from '../../shared/contract/errors';

/** A usage error on the command line: the CLI prints it with the command's usage and exits 2. */
export class DataUsageError extends Error {}

/** One subcommand of `mldesk <command> …`, as its usage lists it. */
export interface Subcommand {
  name: string;
  synopsis: string;
  summary: string;
}

/** A top-level `mldesk <name>` command as cli.ts lists, documents and runs it. */
export interface CliCommand {
  name: string;
  synopsis: string;
  summary: string;
  /** Printed under the summary by `mldesk <name> --help` / `mldesk help <name>`. */
  details?: string;
  subcommands?: readonly Subcommand[];
  run(args: string[]): Promise<number>;
}

/** The usage lines of a command's subcommands: `  mldesk <command> <name> <synopsis>` and the summary under it. */
export const subcommandUsage = (command: string, subcommands: readonly Subcommand[]): string =>
  subcommands.map(({ name, synopsis, summary }) => `  mldesk ${command} ${name} ${synopsis}\n      ${summary}`).join('\n');

/** `--data-dir DIR` when given, else the default data dir (MLDESK_DATA_DIR, else ~/.mldesk). */
export const dataDirOf = (v: { 'data-dir'?: string }): string => (v['data-dir'] ? resolveUserPath(v['data-dir']) : defaultDataDir());

/** Strict parseArgs with positionals; a parse error becomes a DataUsageError, prefixed with `label: ` when given. */
export function parseCli<const O extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: O, label?: string) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new DataUsageError(label ? `${label}: ${(e as Error).message}` : (e as Error).message);
  }
}

/** A file argument: relative to `--project DIR` when given (checked like a request path), else to the working folder. */
export function cliPath(arg: string, project?: string): string {
  if (!project) return resolveUserPath(arg);
  return path.resolve(resolveUserPath(project), expandHome(checkPathSyntax(arg.trim())));
}

/** Rows as aligned columns (two spaces apart, the last column unpadded), the first row being the header. */
export function printTable(rows: string[][]): void {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  for (const r of rows) console.log(r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd());
}

/**
 * The exit code of a command that failed with `e`: an engine refusal (an MldeskError other than INVALID_INPUT) is
 * printed as `mldesk: <message>` and exits 1; anything else is rethrown (bad input exits 2 with the usage).
 */
export function failedWith(e: unknown): number {
  if (e instanceof MldeskError && e.code !== 'INVALID_INPUT') {
    console.error(`mldesk: ${e.message}`);
    return 1;
  }
  throw e;
}
