import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { Client, type ConnectConfig, type SFTPWrapper } from 'ssh2';
import { MldeskError } from '../../../../shared/contract/errors';
import { objectKey, SHA_RE, type Credentials, type RemoteConfig, type RemoteStore } from './types';

const CHUNK = 32 * 1024;
/** Outstanding SFTP read/write requests per transfer: ~2 MiB in flight hides the round trip. */
const DEPTH = 64;
const NO_SUCH_FILE = 2;

/** `SHA256:<base64, no padding>` of a host key blob, as `ssh-keygen -lf` and OpenSSH's prompts print it. */
export function hostKeyFingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** Host keys this user accepted on first use (`<dataDir>/ssh_known_hosts.json`), for remotes without a pinned `hostKey`. */
export class KnownHosts {
  private readonly file: string;
  constructor(dataDir: string) {
    this.file = path.join(dataDir, 'ssh_known_hosts.json');
  }
  private read(): Record<string, string> {
    try {
      return JSON.parse(fs.readFileSync(this.file, 'utf8')) as Record<string, string>;
    } catch {
      return {};
    }
  }
  get(hostPort: string): string | undefined {
    return this.read()[hostPort];
  }
  set(hostPort: string, fingerprint: string): void {
    const all = this.read();
    all[hostPort] = fingerprint;
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.tmp-${randomUUID()}`;
    fs.writeFileSync(tmp, JSON.stringify(all, null, 2) + '\n', { mode: 0o600 });
    fs.renameSync(tmp, this.file);
  }
}

export interface SftpTarget {
  host: string;
  port: number;
  user: string | undefined;
  /** Remote folder: absolute, or relative to the login's home folder (`sftp://host/~/data`). */
  root: string;
}

export function parseSftpUrl(u: URL): SftpTarget {
  let p = decodeURIComponent(u.pathname);
  if (p === '/~' || p.startsWith('/~/')) p = p.slice(3) || '.';
  else if (p === '') p = '/';
  return { host: u.hostname.replace(/^\[|\]$/g, ''), port: u.port ? Number(u.port) : 22, user: u.username ? decodeURIComponent(u.username) : undefined, root: p.replace(/\/+$/, '') || '/' };
}

const defaultKeys = () => ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((n) => path.join(os.homedir(), '.ssh', n)).filter((f) => fs.existsSync(f));

const sftpCode = (e: unknown) => (e as { code?: unknown }).code;

/**
 * SFTP over SSH (ssh2, pure JavaScript): password, private key (file, passphrase) or ssh-agent. The server's host key
 * must match the remote's pinned `hostKey`, else the one this user accepted the first time (trust on first use).
 * Reads and writes are pipelined (many requests in flight), so throughput is not bound by the round trip.
 */
export class SftpRemote implements RemoteStore {
  readonly kind = 'sftp' as const;
  private dirs = new Set<string>();

  private constructor(
    private readonly client: Client,
    private readonly sftp: SFTPWrapper,
    readonly target: SftpTarget,
    private readonly root: string,
    /** The server's host key fingerprint as this session saw (and verified) it. */
    readonly hostKey: string | null,
  ) {}

  static async connect(target: SftpTarget, cfg: RemoteConfig, creds: Credentials, known: KnownHosts | null): Promise<SftpRemote> {
    const hostPort = `${target.host}:${target.port}`;
    const pinned = cfg.hostKey ?? known?.get(hostPort);
    let seen: string | null = null;
    const user = target.user ?? creds.user ?? os.userInfo().username;
    const conf: ConnectConfig = {
      host: target.host,
      port: target.port,
      username: user,
      readyTimeout: 20_000,
      keepaliveInterval: 15_000,
      hostVerifier: (key: Buffer) => {
        seen = hostKeyFingerprint(key);
        return pinned === undefined || pinned === seen;
      },
    };
    if (creds.password) conf.password = creds.password;
    const keyFile = creds.keyFile ?? (creds.password ? undefined : defaultKeys()[0]);
    if (keyFile) {
      try {
        conf.privateKey = fs.readFileSync(keyFile);
      } catch {
        throw new MldeskError('NOT_FOUND', `SSH key file ${keyFile} cannot be read`);
      }
      if (creds.passphrase) conf.passphrase = creds.passphrase;
    }
    if (!creds.password && process.env.SSH_AUTH_SOCK) conf.agent = process.env.SSH_AUTH_SOCK;
    const client = new Client();
    const sftp = await new Promise<SFTPWrapper>((resolve, reject) => {
      const fail = (e: Error & { level?: string }) => {
        client.end();
        if (seen && pinned && seen !== pinned) {
          reject(new MldeskError('FORBIDDEN', `SSH host key of ${hostPort} is ${seen}, not the expected ${pinned}: refusing to connect (if the server's key really changed, update the remote's host key)`));
        } else if (e.level === 'client-authentication') {
          reject(new MldeskError('UNAUTHORIZED', `SSH login to ${user}@${hostPort} was refused: store a password or key with \`mldesk data remote login <name> --password-stdin | --key FILE\``));
        } else reject(new MldeskError('UNAVAILABLE', `SSH connection to ${hostPort} failed: ${e.message}`));
      };
      client.once('error', fail);
      client.once('ready', () => {
        client.sftp((err, s) => {
          if (err) return fail(err);
          client.off('error', fail);
          client.on('error', () => {});
          resolve(s);
        });
      });
      client.connect(conf);
    });
    if (!pinned && seen && known) known.set(hostPort, seen);
    let root = target.root;
    if (!root.startsWith('/')) {
      const home = await new Promise<string>((resolve, reject) => sftp.realpath('.', (e, p) => (e ? reject(e) : resolve(p))));
      root = root === '.' ? home : `${home.replace(/\/+$/, '')}/${root}`;
    }
    return new SftpRemote(client, sftp, target, root, seen);
  }

  private call<T>(fn: (cb: (err: Error | undefined | null, v?: T) => void) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => fn((err, v) => (err ? reject(err) : resolve(v as T))));
  }

  private file(sha: string): string {
    return `${this.root}/${objectKey(sha)}`;
  }

  async stat(shas: readonly string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    const wanted = new Set(shas);
    const prefixes = [...new Set(shas.map((s) => s.slice(0, 2)))];
    for (const pre of prefixes) {
      let list: Array<{ filename: string; attrs: { size: number } }>;
      try {
        list = await this.call((cb) => this.sftp.readdir(`${this.root}/${pre}`, cb));
      } catch (e) {
        if (sftpCode(e) === NO_SUCH_FILE) continue;
        throw e;
      }
      for (const f of list) {
        const sha = pre + f.filename;
        if (SHA_RE.test(sha) && wanted.has(sha)) out.set(sha, f.attrs.size);
      }
    }
    return out;
  }

  /** mkdir -p, remembering what exists. */
  private async ensureDir(dir: string): Promise<void> {
    if (this.dirs.has(dir) || dir === '/' || dir === '') return;
    try {
      const st = await this.call<{ isDirectory(): boolean }>((cb) => this.sftp.stat(dir, cb));
      if (!st.isDirectory()) throw new MldeskError('INVALID_INPUT', `${dir} on the SFTP server is not a folder`);
    } catch (e) {
      if (sftpCode(e) !== NO_SUCH_FILE) throw e;
      await this.ensureDir(dir.slice(0, dir.lastIndexOf('/')));
      await this.call((cb) => this.sftp.mkdir(dir, cb)).catch(async (err: unknown) => {
        // Created meanwhile by a teammate's push?
        await this.call((cb) => this.sftp.stat(dir, cb)).catch(() => {
          throw err;
        });
      });
    }
    this.dirs.add(dir);
  }

  async put(sha: string, body: Readable, _size: number): Promise<void> {
    const dest = this.file(sha);
    const tmpDir = `${this.root}/tmp`;
    await this.ensureDir(tmpDir);
    await this.ensureDir(dest.slice(0, dest.lastIndexOf('/')));
    const tmp = `${tmpDir}/${sha}.${randomUUID()}.part`;
    const handle = await this.call<Buffer>((cb) => this.sftp.open(tmp, 'wx', cb));
    let closed = false;
    try {
      // Up to DEPTH writes in flight; one waiter is woken as each completes.
      let inflight = 0;
      let firstError: unknown = null;
      let wake: (() => void) | null = null;
      const settle = (err: Error | undefined | null) => {
        if (err) firstError ??= err;
        inflight--;
        const w = wake;
        wake = null;
        w?.();
      };
      let pos = 0;
      for await (const chunk of body) {
        const buf = chunk as Buffer;
        for (let off = 0; off < buf.length; off += CHUNK) {
          while (inflight >= DEPTH && !firstError) await new Promise<void>((r) => (wake = r));
          if (firstError) throw firstError;
          const piece = buf.subarray(off, Math.min(buf.length, off + CHUNK));
          inflight++;
          this.sftp.write(handle, piece, 0, piece.length, pos, settle);
          pos += piece.length;
        }
      }
      while (inflight > 0) await new Promise<void>((r) => (wake = r));
      if (firstError) throw firstError;
      await this.call((cb) => this.sftp.close(handle, cb));
      closed = true;
      await this.rename(tmp, dest);
    } catch (e) {
      if (!closed) await this.call((cb) => this.sftp.close(handle, cb)).catch(() => {});
      await this.call((cb) => this.sftp.unlink(tmp, cb)).catch(() => {});
      throw e;
    }
  }

  /** posix-rename (replaces an existing object) where the server has it; plain SFTP rename refuses an existing target. */
  private async rename(from: string, to: string): Promise<void> {
    try {
      await this.call((cb) => this.sftp.ext_openssh_rename(from, to, cb));
      return;
    } catch (e) {
      if (!(e instanceof Error) || !/does not support/.test(e.message)) throw e;
    }
    try {
      await this.call((cb) => this.sftp.rename(from, to, cb));
    } catch (e) {
      // The object arrived meanwhile (a teammate's push): same name, same bytes.
      const there = await this.call((cb) => this.sftp.stat(to, cb)).then(() => true, () => false);
      if (!there) throw e;
      await this.call((cb) => this.sftp.unlink(from, cb)).catch(() => {});
    }
  }

  async get(sha: string, offset: number): Promise<Readable> {
    const file = this.file(sha);
    let handle: Buffer;
    try {
      handle = await this.call<Buffer>((cb) => this.sftp.open(file, 'r', cb));
    } catch (e) {
      if (sftpCode(e) === NO_SUCH_FILE) throw new MldeskError('NOT_FOUND', `Object ${sha.slice(0, 12)}… is not on the SFTP remote`);
      throw e;
    }
    const size = (await this.call<{ size: number }>((cb) => this.sftp.fstat(handle, cb))).size;
    const readAt = async (at: number, len: number): Promise<Buffer> => {
      const parts: Buffer[] = [];
      let got = 0;
      while (got < len) {
        const buf = Buffer.allocUnsafe(len - got);
        const n = await new Promise<number>((resolve, reject) =>
          this.sftp.read(handle, buf, 0, buf.length, at + got, (err, bytes) => (err ? reject(err) : resolve(bytes))),
        );
        if (n === 0) throw new MldeskError('CONFLICT', `Object ${sha.slice(0, 12)}… shrank on the SFTP remote while it was read`);
        parts.push(buf.subarray(0, n));
        got += n;
      }
      return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    };
    const sftp = this.sftp;
    async function* chunks(): AsyncGenerator<Buffer> {
      let pos = offset;
      const queue: Array<Promise<Buffer>> = [];
      const issue = () => {
        const len = Math.min(CHUNK, size - pos);
        const p = readAt(pos, len);
        p.catch(() => {}); // awaited in order below; an abandoned generator must not leave an unhandled rejection
        queue.push(p);
        pos += len;
      };
      try {
        while (pos < size && queue.length < DEPTH) issue();
        while (queue.length) {
          const buf = await queue.shift()!;
          if (pos < size) issue();
          yield buf;
        }
      } finally {
        sftp.close(handle, () => {});
      }
    }
    return Readable.from(chunks(), { objectMode: false });
  }

  async remove(sha: string): Promise<void> {
    await this.call((cb) => this.sftp.unlink(this.file(sha), cb)).catch(() => {});
  }

  /** Removes temp files of interrupted uploads older than `maxAgeMs`. */
  async cleanStaleTemps(maxAgeMs: number): Promise<number> {
    let list: Array<{ filename: string; attrs: { mtime: number } }>;
    try {
      list = await this.call((cb) => this.sftp.readdir(`${this.root}/tmp`, cb));
    } catch {
      return 0;
    }
    let n = 0;
    for (const f of list) {
      if (Date.now() - f.attrs.mtime * 1000 > maxAgeMs) {
        await this.call((cb) => this.sftp.unlink(`${this.root}/tmp/${f.filename}`, cb)).then(() => n++, () => {});
      }
    }
    return n;
  }

  async close(): Promise<void> {
    this.client.end();
  }
}
