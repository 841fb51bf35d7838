import fs from 'node:fs';
import type { parseArgs } from 'node:util';
import git from 'isomorphic-git';
import { MldeskError } from '../../shared/contract/errors';
import { resolveUserPath } from '../core/paths';
import { redact, redactError, registerSecret } from '../core/secrets';
import {
  CONFIG_REL,
  fetchObjects,
  forgetCredentials,
  openStore,
  parseRemoteUrl,
  pull,
  push,
  readProjectConfig,
  REMOTE_NAME_RE,
  remoteNamed,
  storeCredentials,
  storedCredentialFields,
  writeProjectConfig,
  type Credentials,
  type RemoteConfig,
  type TransferProgress,
} from '../core/data/remotes';
import { cliPath, dataDirOf, DataUsageError, parseCli } from './cliCommon';

/** `mldesk data remote|push|pull|fetch` (listed in dataCli's DATA_SUBCOMMANDS, which dispatches here). */
export const REMOTE_COMMANDS = ['remote', 'push', 'pull', 'fetch'] as const;

const OPTIONS = {
  project: { type: 'string' },
  'data-dir': { type: 'string' },
  remote: { type: 'string' },
  jobs: { type: 'string' },
  json: { type: 'boolean' },
  force: { type: 'boolean' },
  'all-versions': { type: 'boolean' },
  default: { type: 'boolean' },
  check: { type: 'boolean' },
  endpoint: { type: 'string' },
  region: { type: 'string' },
  'host-key': { type: 'string' },
  user: { type: 'string' },
  key: { type: 'string' },
  password: { type: 'string' },
  passphrase: { type: 'string' },
  'access-key-id': { type: 'string' },
  'secret-access-key': { type: 'string' },
  'session-token': { type: 'string' },
  token: { type: 'string' },
  'secret-stdin': { type: 'boolean' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true; strict: true }>>['values'];

const MB = 1024 * 1024;
const mb = (n: number) => `${(n / MB).toFixed(1)} MB`;
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const rate = (bytes: number, ms: number) => (ms > 0 && bytes > 0 ? `, ${(bytes / MB / (ms / 1000)).toFixed(1)} MB/s` : '');

async function projectDir(v: Values): Promise<string> {
  if (v.project) return resolveUserPath(v.project);
  try {
    return await git.findRoot({ fs, filepath: process.cwd() });
  } catch {
    throw new MldeskError('INVALID_INPUT', 'The current folder is not inside a git project; pass --project DIR');
  }
}

/** A file on the command line: relative to --project DIR when given, else to the current folder (as in dataCli). */
function readStdin(): string {
  try {
    return fs.readFileSync(0, 'utf8').replace(/\r?\n$/, '');
  } catch {
    throw new DataUsageError('--secret-stdin: could not read the secret from standard input');
  }
}

/** Credentials given on the command line; `--secret-stdin` supplies the kind's secret (password, secret access key, token). */
function credentialsFrom(v: Values, kind: string): Credentials {
  const c: Credentials = {};
  if (v.user !== undefined) c.user = v.user;
  if (v.key !== undefined) c.keyFile = v.key === '' ? '' : resolveUserPath(v.key);
  if (v.password !== undefined) c.password = v.password;
  if (v.passphrase !== undefined) c.passphrase = v.passphrase;
  if (v['access-key-id'] !== undefined) c.accessKeyId = v['access-key-id'];
  if (v['secret-access-key'] !== undefined) c.secretAccessKey = v['secret-access-key'];
  if (v['session-token'] !== undefined) c.sessionToken = v['session-token'];
  if (v.token !== undefined) c.token = v.token;
  if (v['secret-stdin']) {
    const s = readStdin();
    if (kind === 'sftp') c[v.key ? 'passphrase' : 'password'] = s;
    else if (kind === 's3') c.secretAccessKey = s;
    else if (kind === 'mldesk') c.token = s;
    else throw new DataUsageError('--secret-stdin: a folder remote has no credentials');
  }
  for (const x of Object.values(c)) registerSecret(x);
  const allowed: Record<string, Array<keyof Credentials>> = {
    folder: [],
    sftp: ['user', 'keyFile', 'password', 'passphrase'],
    s3: ['accessKeyId', 'secretAccessKey', 'sessionToken'],
    mldesk: ['token'],
  };
  const wrong = (Object.keys(c) as Array<keyof Credentials>).filter((k) => !allowed[kind]!.includes(k));
  if (wrong.length) throw new DataUsageError(`a ${kind} remote takes no ${wrong.join(', ')}`);
  return c;
}

function describeRemote(name: string, r: RemoteConfig, isDefault: boolean, dataDir: string): string {
  const kind = safeKind(r.url);
  const extra = [kind, r.endpoint ? `endpoint ${r.endpoint}` : '', r.region ? `region ${r.region}` : '', r.hostKey ? `host key ${r.hostKey}` : ''].filter(Boolean).join(', ');
  const creds = kind === 'folder' ? '' : `  credentials: ${storedCredentialFields(dataDir, parseRemoteUrl(r.url).url).join(', ') || 'none stored'}`;
  return `${isDefault ? '*' : ' '} ${name.padEnd(12)} ${r.url}  (${extra})${creds}`;
}

const safeKind = (url: string) => {
  try {
    return parseRemoteUrl(url).kind;
  } catch {
    return 'invalid';
  }
};

/** Progress on stderr: one redrawn line on a terminal, a line per object otherwise. */
function progressPrinter(json: boolean): { onProgress: (p: TransferProgress) => void; end(): void } {
  const tty = process.stderr.isTTY && !json;
  let drawn = false;
  const started = Date.now();
  return {
    onProgress(p) {
      if (json) return;
      const arrow = p.op === 'push' ? '↑' : '↓';
      const line = `${arrow} ${p.objectsDone}/${p.objectsTotal} objects  ${mb(p.bytesDone)} / ${mb(p.bytesTotal)}${rate(p.bytesDone, Date.now() - started)}`;
      if (tty) {
        process.stderr.write(`\r${line}\u001b[K`);
        drawn = true;
      } else if (p.last) {
        const resumed = p.last.resumedFrom ? ` (resumed at ${mb(p.last.resumedFrom)})` : '';
        process.stderr.write(`  ${arrow} ${p.last.paths.join(', ')}  sha256 ${p.last.sha.slice(0, 12)}  ${mb(p.last.bytes)}${resumed}  [${p.objectsDone}/${p.objectsTotal}]\n`);
      }
    },
    end() {
      if (drawn) process.stderr.write('\n');
    },
  };
}

export async function dataRemoteCommand(sub: string, args: string[]): Promise<number> {
  const { values: v, positionals: pos } = parseCli(args, OPTIONS, `mldesk data ${sub}`);
  const dataDir = dataDirOf(v);
  let jobs = 4;
  if (v.jobs !== undefined) {
    jobs = Number(v.jobs);
    if (!Number.isInteger(jobs) || jobs < 1 || jobs > 64) throw new DataUsageError('--jobs must be an integer 1–64');
  }
  try {
    if (sub === 'remote') return await remoteCommand(v, pos, dataDir);
    const dir = await projectDir(v);
    const files = pos.map((f) => cliPath(f, v.project));
    const prog = progressPrinter(Boolean(v.json));
    try {
      switch (sub) {
        case 'push': {
          const r = await push(dir, { dataDir, remote: v.remote, files, jobs, onProgress: prog.onProgress });
          prog.end();
          if (v.json) console.log(JSON.stringify(r));
          else {
            console.log(`pushed ${r.uploaded} object(s), ${mb(r.bytes)} to ${r.remote} in ${secs(r.ms)}${rate(r.bytes, r.ms)}; ${r.present} already there`);
            if (r.notInCache.length) console.log(`  ${r.notInCache.length} older version(s) are not in this clone's cache (not pushed): ${r.notInCache.map((x) => `${x.paths.join(', ')} ${x.sha.slice(0, 12)}`).join('; ')}`);
          }
          return 0;
        }
        case 'fetch': {
          const r = await fetchObjects(dir, { dataDir, remote: v.remote, files, jobs, onProgress: prog.onProgress, allVersions: v['all-versions'] });
          prog.end();
          if (v.json) console.log(JSON.stringify(r));
          else console.log(`fetched ${r.downloaded} object(s), ${mb(r.bytes)} from ${r.remote} in ${secs(r.ms)}${rate(r.bytes, r.ms)}; ${r.cached} already cached${r.resumed ? `; ${r.resumed} resumed` : ''}`);
          return 0;
        }
        case 'pull': {
          const r = await pull(dir, { dataDir, remote: v.remote, files, jobs, onProgress: prog.onProgress, force: v.force });
          prog.end();
          if (v.json) console.log(JSON.stringify(r));
          else {
            console.log(`pulled ${r.downloaded} object(s), ${mb(r.bytes)} from ${r.remote} in ${secs(r.ms)}${rate(r.bytes, r.ms)}; ${r.cached} already cached${r.resumed ? `; ${r.resumed} resumed` : ''}`);
            for (const f of r.restored) console.log(`  ${f}`);
            if (r.modified.length) console.log(`  left alone (changed locally; --force overwrites): ${r.modified.join(', ')}`);
          }
          return r.modified.length ? 1 : 0;
        }
        default:
          throw new DataUsageError(`mldesk data: unknown subcommand "${sub}"`);
      }
    } finally {
      prog.end();
    }
  } catch (e) {
    if (e instanceof DataUsageError) throw new DataUsageError(redact(e.message));
    throw redactError(e);
  }
}

async function remoteCommand(v: Values, pos: string[], dataDir: string): Promise<number> {
  const [action, ...rest] = pos;
  const need = (n: number, what: string) => {
    if (rest.length !== n) throw new DataUsageError(`mldesk data remote ${action}: expected ${what}`);
  };
  const dir = await projectDir(v);
  const cfg = readProjectConfig(dir);
  const remotes = { ...(cfg.remotes ?? {}) };
  switch (action) {
    case 'list': {
      need(0, 'no arguments');
      if (v.json) {
        console.log(JSON.stringify(Object.entries(remotes).map(([name, r]) => ({ name, ...r, kind: safeKind(r.url), default: cfg.defaultRemote === name, credentials: storedCredentialFields(dataDir, parseRemoteUrl(r.url).url) }))));
      } else if (Object.keys(remotes).length === 0) console.log('no remotes (add one: mldesk data remote add <name> <url> --default)');
      else for (const [name, r] of Object.entries(remotes)) console.log(describeRemote(name, r, cfg.defaultRemote === name, dataDir));
      return 0;
    }
    case 'add': {
      need(2, '<name> <url>');
      const [name, rawUrl] = rest as [string, string];
      if (!REMOTE_NAME_RE.test(name)) throw new DataUsageError('a remote name is letters, digits, ".", "_" or "-" (at most 64)');
      if (remotes[name]) throw new MldeskError('ALREADY_EXISTS', `Remote "${name}" exists already (remove it first)`);
      const parsedUrl = parseRemoteUrl(rawUrl);
      for (const x of Object.values(parsedUrl.creds)) registerSecret(x);
      if (v.endpoint !== undefined || v.region !== undefined) {
        if (parsedUrl.kind !== 's3') throw new DataUsageError('--endpoint and --region are for s3:// remotes');
      }
      if (v['host-key'] !== undefined && parsedUrl.kind !== 'sftp') throw new DataUsageError('--host-key is for sftp:// remotes');
      if (v['host-key'] !== undefined && !/^SHA256:[A-Za-z0-9+/]{43}$/.test(v['host-key'])) throw new DataUsageError('--host-key looks like SHA256:<43 base64 characters> (ssh-keygen -lf <host key>.pub)');
      if (v.endpoint !== undefined) {
        try {
          const u = new URL(v.endpoint);
          if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error();
          if (u.username || u.password) throw new DataUsageError('--endpoint must not carry credentials');
        } catch (e) {
          if (e instanceof DataUsageError) throw e;
          throw new DataUsageError('--endpoint must be an http(s) URL');
        }
      }
      const creds = { ...parsedUrl.creds, ...credentialsFrom(v, parsedUrl.kind) };
      const remote: RemoteConfig = { url: parsedUrl.url };
      if (v.endpoint) remote.endpoint = v.endpoint;
      if (v.region) remote.region = v.region;
      if (v['host-key']) remote.hostKey = v['host-key'];
      // Tried first (with --check), stored only once they work.
      if (v.check) await check(dir, dataDir, name, remote, creds);
      const fields = Object.keys(creds).length ? storeCredentials(dataDir, parsedUrl.url, creds) : [];
      remotes[name] = remote;
      const makeDefault = v.default || !cfg.defaultRemote;
      const next = { ...cfg, remotes, ...(makeDefault ? { defaultRemote: name } : {}) };
      const commit = await writeProjectConfig(dir, next, `data: remote add ${name} (${parsedUrl.url})`);
      console.log(`remote ${name} → ${parsedUrl.url} (${parsedUrl.kind})${makeDefault ? ', default' : ''}; ${CONFIG_REL}${commit ? ` committed ${commit.slice(0, 8)}` : ' written'}`);
      if (fields.length) console.log(`  credentials (${fields.join(', ')}) stored encrypted in the data dir, never in the project`);
      return 0;
    }
    case 'login': {
      need(1, '<name>');
      const { name, remote } = remoteNamed(cfg, rest[0]);
      const parsedUrl = parseRemoteUrl(remote.url);
      const creds = credentialsFrom(v, parsedUrl.kind);
      if (Object.keys(creds).length === 0) throw new DataUsageError('give the credentials to store (e.g. --secret-stdin, --user, --key FILE, --access-key-id)');
      if (v.check) await check(dir, dataDir, name, remote, creds);
      const fields = storeCredentials(dataDir, parsedUrl.url, creds);
      console.log(`${name}: credentials (${fields.join(', ') || 'none'}) stored encrypted in the data dir`);
      return 0;
    }
    case 'logout': {
      need(1, '<name>');
      const { name, remote } = remoteNamed(cfg, rest[0]);
      const gone = forgetCredentials(dataDir, parseRemoteUrl(remote.url).url);
      console.log(gone ? `${name}: stored credentials removed` : `${name}: no stored credentials`);
      return 0;
    }
    case 'default': {
      need(1, '<name>');
      const { name } = remoteNamed(cfg, rest[0]);
      const commit = await writeProjectConfig(dir, { ...cfg, defaultRemote: name }, `data: default remote ${name}`);
      console.log(`default remote: ${name}${commit ? ` (committed ${commit.slice(0, 8)})` : ''}`);
      return 0;
    }
    case 'remove': {
      need(1, '<name>');
      const name = rest[0]!;
      if (!remotes[name]) throw new MldeskError('NOT_FOUND', `No remote named "${name}"`);
      delete remotes[name];
      const next = { ...cfg, remotes };
      if (next.defaultRemote === name) delete next.defaultRemote;
      const commit = await writeProjectConfig(dir, next, `data: remote remove ${name}`);
      console.log(`remote ${name} removed${commit ? ` (committed ${commit.slice(0, 8)})` : ''}; its stored credentials stay until \`mldesk data remote logout\` (other projects may use them)`);
      return 0;
    }
    case 'check': {
      need(1, '<name>');
      const { name, remote } = remoteNamed(cfg, rest[0]);
      await check(dir, dataDir, name, remote);
      return 0;
    }
    default:
      throw new DataUsageError(`mldesk data remote: expected add, list, remove, default, login, logout or check (got "${action ?? ''}")`);
  }
}

/** Connects and lists: proves the URL and the credentials work (and shows the SSH host key accepted). */
async function check(dir: string, dataDir: string, name: string, remote: RemoteConfig, given: Credentials = {}): Promise<void> {
  const started = Date.now();
  const store = await openStore(dir, dataDir, remote, given);
  try {
    await store.stat(['0'.repeat(64)]);
    const hostKey = (store as { hostKey?: string | null }).hostKey;
    console.log(`${name}: reachable (${store.kind}, ${Date.now() - started} ms)${hostKey ? `; SSH host key ${hostKey}${remote.hostKey ? ' (pinned)' : ' (trusted on first use for this user; pin it for the team with --host-key)'}` : ''}`);
  } finally {
    await store.close();
  }
}
