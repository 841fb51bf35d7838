import os from 'node:os';
import path from 'node:path';
import { checkPathSyntax } from './confine';

export function expandHome(p: string): string {
  if (p === '~') return os.homedir();
  if (p.startsWith('~/')) return path.join(os.homedir(), p.slice(2));
  return p;
}

/**
 * A path typed on THIS machine's command line (`--data-dir`, `mldesk data … FILE`): relative to the process's
 * working folder, as a shell user expects. Never for paths that arrive in a request: those go through
 * `resolveRequestPath` / `confine` in ./confine, which never resolve against the server's working folder.
 */
export function resolveUserPath(p: string): string {
  const trimmed = p.trim();
  checkPathSyntax(trimmed);
  return path.resolve(expandHome(trimmed));
}

export function defaultDataDir(): string {
  return process.env.MLDESK_DATA_DIR ? resolveUserPath(process.env.MLDESK_DATA_DIR) : path.join(os.homedir(), '.mldesk');
}

export { packageRoot, resourcePath } from './packageRoot';
