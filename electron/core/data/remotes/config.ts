import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import { MldeskError } from '../../../../shared/contract/errors';
import { commitFiles } from '../../projects/git';
import { registerSecret, SecretStore } from '../../secrets';
import { SECRET_FIELDS, type Credentials, type RemoteConfig, type RemoteKind } from './types';

/** The project's mldesk settings, committed with the project (never a credential: those live in the user's data dir). */
export const CONFIG_REL = '.mldesk/config.json';

export interface ProjectConfig {
  remotes?: Record<string, RemoteConfig>;
  defaultRemote?: string;
  [other: string]: unknown;
}

export const REMOTE_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function readProjectConfig(projectDir: string): ProjectConfig {
  const file = path.join(projectDir, CONFIG_REL);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw e;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new MldeskError('INVALID_INPUT', `${CONFIG_REL} is not valid JSON`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new MldeskError('INVALID_INPUT', `${CONFIG_REL} must hold a JSON object`);
  return parsed as ProjectConfig;
}

/** Writes the config (other keys kept as they are) and commits it when the project is a git repository. */
export async function writeProjectConfig(projectDir: string, cfg: ProjectConfig, message: string): Promise<string | null> {
  const file = path.join(projectDir, CONFIG_REL);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${randomUUID()}`;
  fs.writeFileSync(tmp, JSON.stringify(cfg, null, 2) + '\n');
  fs.renameSync(tmp, file);
  if (!fs.existsSync(path.join(projectDir, '.git'))) return null;
  return commitFiles(projectDir, [CONFIG_REL], message);
}

export interface ParsedRemoteUrl {
  kind: RemoteKind;
  /** The URL as stored in the project: any password, key or token it carried is taken out. */
  url: string;
  /** Credentials found inside the URL (moved to the user's encrypted store, never committed). */
  creds: Credentials;
}

/**
 * Recognises a remote URL: `file:///path` or a plain path (folder), `sftp://user@host:port/path`, `s3://bucket/prefix`,
 * `mldesk://host:port` / `mldesk+https://host` / `http(s)://host:port` (a team's mldesk serve). A password, key or
 * token written inside the URL is taken out of it (it must never reach the committed config).
 */
export function parseRemoteUrl(raw: string): ParsedRemoteUrl {
  const s = raw.trim();
  if (s === '' || s.includes('\0')) throw new MldeskError('INVALID_INPUT', 'A remote URL is required');
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(s)?.[1]?.toLowerCase();
  if (!scheme || (scheme.length === 1 && process.platform === 'win32')) return { kind: 'folder', url: s, creds: {} };
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    throw new MldeskError('INVALID_INPUT', `Malformed remote URL`);
  }
  const creds: Credentials = {};
  const strip = () => {
    if (u.password) creds[scheme === 's3' ? 'secretAccessKey' : scheme === 'sftp' ? 'password' : 'token'] = decodeURIComponent(u.password);
    if (scheme === 's3' && u.username) creds.accessKeyId = decodeURIComponent(u.username);
    u.password = '';
    if (scheme === 's3') u.username = '';
  };
  switch (scheme) {
    case 'file':
      if (u.host && u.host !== 'localhost') throw new MldeskError('INVALID_INPUT', 'file: remote URLs name a local folder (file:///path); mount a network share and give its path');
      return { kind: 'folder', url: `file://${u.pathname}`, creds };
    case 'sftp':
      if (!u.hostname) throw new MldeskError('INVALID_INPUT', 'An SFTP remote looks like sftp://user@host:port/path');
      strip();
      return { kind: 'sftp', url: u.toString(), creds };
    case 's3':
      strip();
      return { kind: 's3', url: u.toString().replace(/\/+$/, ''), creds };
    case 'mldesk':
    case 'mldesk+https':
    case 'http':
    case 'https': {
      if (!u.hostname) throw new MldeskError('INVALID_INPUT', 'A team-server remote looks like mldesk://host:port or https://host');
      strip();
      u.username = '';
      const t = u.searchParams.get('token');
      if (t) creds.token = t;
      u.search = '';
      u.hash = '';
      return { kind: 'mldesk', url: u.toString().replace(/\/+$/, ''), creds };
    }
    default:
      throw new MldeskError('INVALID_INPUT', `Unknown remote kind "${scheme}:" (use a folder path, file://, sftp://, s3://, mldesk:// or http(s)://)`);
  }
}

/** A folder remote's absolute path: `file:` URLs as they are; plain paths from the project root (so they work in every clone). */
export function folderPath(projectDir: string, url: string): string {
  if (url.startsWith('file:')) return fileURLToPath(url);
  const p = url === '~' ? os.homedir() : url.startsWith('~/') ? path.join(os.homedir(), url.slice(2)) : url;
  return path.resolve(projectDir, p);
}

/** The key credentials are stored under: the remote's URL (the same bucket in two projects shares one login). */
export const credentialKey = (url: string) => `remote:${url}`;

export function loadCredentials(dataDir: string, url: string): Credentials {
  const text = new SecretStore(dataDir).get(credentialKey(url));
  if (!text) return {};
  const c = JSON.parse(text) as Credentials;
  for (const f of SECRET_FIELDS) registerSecret(c[f]);
  return c;
}

/** Merges `creds` into what is stored for `url` (empty strings remove a field); returns the fields now stored. */
export function storeCredentials(dataDir: string, url: string, creds: Credentials): string[] {
  for (const f of SECRET_FIELDS) registerSecret(creds[f]);
  const store = new SecretStore(dataDir);
  const key = credentialKey(url);
  const cur = store.has(key) ? (JSON.parse(store.get(key)!) as Credentials) : {};
  const next: Credentials = { ...cur };
  for (const [k, v] of Object.entries(creds) as Array<[keyof Credentials, string | undefined]>) {
    if (v === undefined) continue;
    if (v === '') delete next[k];
    else next[k] = v;
  }
  const fields = Object.keys(next).sort();
  if (fields.length === 0) store.delete(key);
  else store.set(key, JSON.stringify(next));
  return fields;
}

export function forgetCredentials(dataDir: string, url: string): boolean {
  return new SecretStore(dataDir).delete(credentialKey(url));
}

export function storedCredentialFields(dataDir: string, url: string): string[] {
  try {
    return Object.keys(loadCredentials(dataDir, url)).sort();
  } catch {
    return ['(unreadable)'];
  }
}

/** Environment fallbacks, so CI can pull without a stored login. */
export function credentialsFromEnv(kind: RemoteKind): Credentials {
  const env = process.env;
  const c: Credentials = {};
  if (kind === 'sftp' && env.MLDESK_REMOTE_PASSWORD) c.password = env.MLDESK_REMOTE_PASSWORD;
  if (kind === 'mldesk' && env.MLDESK_REMOTE_TOKEN) c.token = env.MLDESK_REMOTE_TOKEN;
  for (const f of SECRET_FIELDS) registerSecret(c[f]);
  return c;
}

export function remoteNamed(cfg: ProjectConfig, name: string | undefined): { name: string; remote: RemoteConfig } {
  const remotes = cfg.remotes ?? {};
  const chosen = name ?? cfg.defaultRemote;
  if (!chosen) {
    const names = Object.keys(remotes);
    throw new MldeskError(
      'FAILED_PRECONDITION',
      names.length ? `No default remote: pass --remote (${names.join(', ')}) or run \`mldesk data remote default <name>\`` : 'No remote configured: add one with `mldesk data remote add <name> <url> --default`',
    );
  }
  const remote = remotes[chosen];
  if (!remote || typeof remote.url !== 'string') throw new MldeskError('NOT_FOUND', `No remote named "${chosen}" in ${CONFIG_REL}`);
  return { name: chosen, remote };
}
