import fs from 'node:fs';
import path from 'node:path';
import { createCipheriv, createDecipheriv, randomBytes, randomUUID, scryptSync } from 'node:crypto';
import { MldeskError } from '../../shared/contract/errors';

/**
 * Credentials at rest (remote passwords, access keys, tokens): one file `<dataDir>/secrets.json` whose values are
 * encrypted, never written anywhere else (not the project, not the SQLite file, not a log), and redacted from every
 * message that could carry them.
 *
 * The default cipher is AES-256-GCM with a key from MLDESK_SECRET_KEY (64 hex digits or base64 of 32 bytes; any
 * other text is a passphrase stretched with scrypt), else a random key in `<dataDir>/secret.key` created 0600.
 * An Electron build may plug in the OS keychain (safeStorage) with `useSecretCipher`.
 */
export interface SecretCipher {
  /** Written in front of each value, so a value says which cipher can open it. */
  readonly id: string;
  /** `aad` names the entry: a value copied onto another entry does not decrypt. A cipher without AAD may ignore it. */
  encrypt(plain: Buffer, aad: string): Buffer;
  decrypt(sealed: Buffer, aad: string): Buffer;
}

const KEY_FILE = 'secret.key';
const SECRETS_FILE = 'secrets.json';

/** AES-256-GCM: 12-byte random IV ‖ 16-byte tag ‖ ciphertext. */
export function aesGcmCipher(key: Buffer): SecretCipher {
  if (key.length !== 32) throw new MldeskError('INVALID_INPUT', 'The secret key must be 32 bytes');
  return {
    id: 'aes256gcm',
    encrypt(plain, aad) {
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', key, iv);
      c.setAAD(Buffer.from(aad, 'utf8'));
      const body = Buffer.concat([c.update(plain), c.final()]);
      return Buffer.concat([iv, c.getAuthTag(), body]);
    },
    decrypt(sealed, aad) {
      if (sealed.length < 28) throw new Error('sealed value too short');
      const d = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12));
      d.setAAD(Buffer.from(aad, 'utf8'));
      d.setAuthTag(sealed.subarray(12, 28));
      return Buffer.concat([d.update(sealed.subarray(28)), d.final()]);
    },
  };
}

/** MLDESK_SECRET_KEY → 32 bytes: hex or base64 of exactly 32 bytes as is, anything else through scrypt. */
export function keyFromEnv(value: string): Buffer {
  const v = value.trim();
  if (/^[0-9a-fA-F]{64}$/.test(v)) return Buffer.from(v, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(v)) {
    const b = Buffer.from(v.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (b.length === 32) return b;
  }
  if (v.length < 8) throw new MldeskError('INVALID_INPUT', 'MLDESK_SECRET_KEY is too short (give 64 hex digits, or a passphrase of 8+ characters)');
  return scryptSync(v, 'mldesk-secrets/1', 32, { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 });
}

/** Reads `<dataDir>/secret.key`, creating it (0600, exclusively: two processes starting at once agree) when absent. */
export function keyFromFile(dataDir: string): Buffer {
  const file = path.join(dataDir, KEY_FILE);
  fs.mkdirSync(dataDir, { recursive: true });
  try {
    const fd = fs.openSync(file, 'wx', 0o600);
    try {
      fs.writeSync(fd, randomBytes(32).toString('hex') + '\n');
    } finally {
      fs.closeSync(fd);
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  if (process.platform !== 'win32') {
    const mode = fs.statSync(file).mode & 0o777;
    if (mode & 0o077) fs.chmodSync(file, 0o600);
  }
  const text = fs.readFileSync(file, 'utf8').trim();
  // A file another process has just created but not yet written: wait for it briefly.
  if (text === '') {
    const until = Date.now() + 2000;
    while (Date.now() < until) {
      const again = fs.readFileSync(file, 'utf8').trim();
      if (again) return keyFromText(again, file);
    }
  }
  return keyFromText(text, file);
}

function keyFromText(text: string, file: string): Buffer {
  if (!/^[0-9a-f]{64}$/.test(text)) throw new MldeskError('FAILED_PRECONDITION', `${path.basename(file)} in the data dir is not a 64-hex-digit key; move it away to start over (stored credentials are then lost)`);
  return Buffer.from(text, 'hex');
}

type CipherFactory = (dataDir: string) => SecretCipher;
let factory: CipherFactory | null = null;

/** Plugs in another cipher (e.g. Electron's safeStorage); `null` restores the default. */
export function useSecretCipher(f: CipherFactory | null): void {
  factory = f;
}

export function defaultCipher(dataDir: string): SecretCipher {
  if (factory) return factory(dataDir);
  const env = process.env.MLDESK_SECRET_KEY;
  return aesGcmCipher(env ? keyFromEnv(env) : keyFromFile(dataDir));
}

// ── redaction ───────────────────────────────────────────────────────────────────────────────────────────────────────

const known = new Set<string>();

/** Remembers a secret value so `redact` hides it wherever it turns up (error messages, CLI output). */
export function registerSecret(value: string | undefined | null): void {
  if (typeof value === 'string' && value.length >= 4) known.add(value);
}

/** Replaces every registered secret (and its percent-encoded form), and passwords inside URLs, with `***`. */
export function redact(text: string): string {
  let out = text;
  for (const s of [...known].sort((a, b) => b.length - a.length)) {
    for (const form of new Set([s, encodeURIComponent(s)])) out = out.split(form).join('***');
  }
  // scheme://user:password@host → scheme://user:***@host
  return out.replace(/\b([a-z][a-z0-9+.-]*:\/\/[^/\s:@]*):[^@\s/]*@/gi, '$1:***@');
}

/** An error whose message has had every secret removed (the stack and cause are dropped: they may quote one). */
export function redactError(e: unknown): Error {
  if (e instanceof MldeskError) return new MldeskError(e.code, redact(e.message), e.details);
  const msg = e instanceof Error ? e.message : String(e);
  return new MldeskError('UNAVAILABLE', redact(msg));
}

// ── the store ───────────────────────────────────────────────────────────────────────────────────────────────────────

interface SecretsFile {
  schema: 'mldesk-secrets/1';
  entries: Record<string, string>;
}

/** Named secrets in `<dataDir>/secrets.json` (0600), each value sealed by the cipher with its name as AAD. */
export class SecretStore {
  readonly file: string;
  private cipher: SecretCipher | null = null;

  constructor(
    readonly dataDir: string,
    private readonly cipherOf: (dataDir: string) => SecretCipher = defaultCipher,
  ) {
    this.file = path.join(dataDir, SECRETS_FILE);
  }

  private getCipher(): SecretCipher {
    return (this.cipher ??= this.cipherOf(this.dataDir));
  }

  private read(): SecretsFile {
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { schema: 'mldesk-secrets/1', entries: {} };
      throw e;
    }
    try {
      const parsed = JSON.parse(text) as SecretsFile;
      if (parsed && typeof parsed.entries === 'object' && parsed.entries) return parsed;
    } catch {
      // fall through
    }
    throw new MldeskError('FAILED_PRECONDITION', `${SECRETS_FILE} in the data dir is not valid; move it away to start over`);
  }

  private write(f: SecretsFile): void {
    fs.mkdirSync(this.dataDir, { recursive: true });
    const tmp = `${this.file}.tmp-${randomUUID()}`;
    try {
      fs.writeFileSync(tmp, JSON.stringify(f, null, 2) + '\n', { mode: 0o600 });
      fs.renameSync(tmp, this.file);
    } catch (e) {
      fs.rmSync(tmp, { force: true });
      throw e;
    }
  }

  has(name: string): boolean {
    return name in this.read().entries;
  }

  get(name: string): string | null {
    const sealed = this.read().entries[name];
    if (sealed === undefined) return null;
    const colon = sealed.indexOf(':');
    const cipher = this.getCipher();
    if (colon < 0 || sealed.slice(0, colon) !== cipher.id) {
      throw new MldeskError('FAILED_PRECONDITION', `A stored credential (${name}) was sealed by another cipher (${sealed.slice(0, Math.max(0, colon)) || 'unknown'}); enter it again`);
    }
    let plain: string;
    try {
      plain = cipher.decrypt(Buffer.from(sealed.slice(colon + 1), 'base64'), name).toString('utf8');
    } catch {
      throw new MldeskError(
        'FAILED_PRECONDITION',
        `A stored credential (${name}) cannot be decrypted: the key changed (MLDESK_SECRET_KEY or the data dir's secret.key); enter it again`,
      );
    }
    registerSecret(plain);
    return plain;
  }

  set(name: string, value: string): void {
    registerSecret(value);
    const f = this.read();
    const cipher = this.getCipher();
    f.entries[name] = `${cipher.id}:${cipher.encrypt(Buffer.from(value, 'utf8'), name).toString('base64')}`;
    this.write(f);
  }

  delete(name: string): boolean {
    const f = this.read();
    if (!(name in f.entries)) return false;
    delete f.entries[name];
    this.write(f);
    return true;
  }

  names(): string[] {
    return Object.keys(this.read().entries).sort();
  }
}

