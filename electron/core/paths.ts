import os from 'node:os';
import path from 'node:path';

export function expandHome(p: string): string {
  if (p === '~') return os.homedir();
  if (p.startsWith('~/')) return path.join(os.homedir(), p.slice(2));
  return p;
}

export function resolveUserPath(p: string): string {
  return path.resolve(expandHome(p.trim()));
}

export function defaultDataDir(): string {
  return process.env.MLDESK_DATA_DIR ? resolveUserPath(process.env.MLDESK_DATA_DIR) : path.join(os.homedir(), '.mldesk');
}

export { packageRoot, resourcePath } from './packageRoot';
