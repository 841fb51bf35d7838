import { parseArgs } from 'node:util';
import { z } from 'zod';
import { defaultDataDir, resolveUserPath } from '../core/paths';
import { VERSION } from '../core/version';
import { Engine } from '../core/engine';
import { createDemoProject } from '../core/projects/demo';
import { startServer } from './serve';
import { MldeskError } from '../../shared/contract/errors';

const USAGE = `mldesk ${VERSION} — local-first ML workbench

Usage:
  mldesk serve [--port N] [--host H] [--data-dir DIR] [--token T]
      Web UI + API + MLflow-compatible tracking server. Binds 127.0.0.1 by default;
      a non-loopback --host needs --token (or MLDESK_TOKEN).
  mldesk demo [--dir DIR] [--data-dir DIR]
      Create the credit-risk demo project and add it to the project list.
  mldesk version
  mldesk help

Data dir: --data-dir, else MLDESK_DATA_DIR, else ~/.mldesk`;

class UsageError extends Error {}

const portSchema = z.coerce.number().int().min(0).max(65535);

function parse<T extends Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }>>(args: string[], options: T) {
  try {
    return parseArgs({ args, options, allowPositionals: false, strict: true }).values;
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

async function serve(args: string[]): Promise<number> {
  const v = parse(args, {
    port: { type: 'string', short: 'p' },
    host: { type: 'string' },
    'data-dir': { type: 'string' },
    token: { type: 'string' },
  });
  const port = portSchema.safeParse(v.port ?? process.env.MLDESK_PORT ?? '5000');
  if (!port.success) throw new UsageError(`--port must be an integer 0–65535 (got "${v.port}")`);
  const host = v.host ?? '127.0.0.1';
  const token = v.token ?? process.env.MLDESK_TOKEN ?? undefined;
  const dataDir = v['data-dir'] ? resolveUserPath(v['data-dir']) : defaultDataDir();
  const served = await startServer({ dataDir, host, port: port.data, token });
  const shown = token ? `${served.url}/?token=${encodeURIComponent(token)}` : `${served.url}/`;
  console.log(`mldesk ${VERSION} serving at ${shown}`);
  console.log(`  data dir:     ${dataDir}`);
  console.log(`  tracking URI: MLFLOW_TRACKING_URI=${served.url}`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await served.close();
  return 0;
}

async function demo(args: string[]): Promise<number> {
  const v = parse(args, { dir: { type: 'string' }, 'data-dir': { type: 'string' } });
  const dataDir = v['data-dir'] ? resolveUserPath(v['data-dir']) : defaultDataDir();
  const engine = new Engine({ dataDir, host: 'web' });
  try {
    const started = Date.now();
    const project = await createDemoProject(engine, v.dir);
    console.log(`Demo project ready: ${project.path} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    console.log(`  commit ${project.git?.lastCommit?.oid.slice(0, 8) ?? '—'} on ${project.git?.branch ?? '—'}`);
  } finally {
    engine.close();
  }
  return 0;
}

/** Entry used by bin/mldesk.js; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      case 'serve':
        return await serve(rest);
      case 'demo':
        return await demo(rest);
      case 'version':
      case '--version':
      case '-v':
        console.log(VERSION);
        return 0;
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        console.log(USAGE);
        return 0;
      default:
        throw new UsageError(`Unknown command "${cmd}"`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`mldesk: ${e.message}\n\n${USAGE}`);
      return 2;
    }
    if (e instanceof MldeskError) {
      console.error(`mldesk: ${e.message}`);
      return e.code === 'INVALID_INPUT' ? 2 : 1;
    }
    throw e;
  }
}
