import fs from 'node:fs';
import path from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import type { SafeStorage } from 'electron';
import { aesGcmCipher, useSecretCipher, type SecretCipher } from '../core/secrets';

/**
 * The desktop app's secrets key, protected by the OS keychain (Electron `safeStorage`: Keychain on macOS, DPAPI on
 * Windows, libsecret/kwallet on Linux). Values stay AES-256-GCM sealed with their entry name as AAD (secrets.ts); what
 * changes is where the 32-byte key lives: `<dataDir>/secret.key.safe`, readable only through the OS keychain,
 * instead of the plain 0600 `secret.key` of web mode.
 *
 * - MLDESK_SECRET_KEY set: that key, as in web mode (a key the user manages wins).
 * - No usable keychain (safeStorage unavailable, or Linux's `basic_text` fallback, a fixed password): the key file.
 * - A plain `secret.key` from before is moved into the keychain-protected file (same key: stored values still open)
 *   and deleted.
 */

const SAFE_KEY_FILE = 'secret.key.safe';
const PLAIN_KEY_FILE = 'secret.key';

type SafeStorageLike = Pick<SafeStorage, 'isEncryptionAvailable' | 'encryptString' | 'decryptString'> & { getSelectedStorageBackend?: () => string };

/** Whether the OS keychain really protects what safeStorage encrypts. */
export function keychainUsable(safe: SafeStorageLike): boolean {
  if (!safe.isEncryptionAvailable()) return false;
  if (process.platform === 'linux' && safe.getSelectedStorageBackend?.() === 'basic_text') return false;
  return true;
}

function writeExclusive0600(file: string, data: Buffer): void {
  const tmp = `${file}.tmp-${randomUUID()}`;
  try {
    fs.writeFileSync(tmp, data, { mode: 0o600 });
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

/** The data dir's key through safeStorage (created, or migrated from the plain key file, on first use). */
export function keychainKey(safe: SafeStorageLike, dataDir: string): Buffer {
  fs.mkdirSync(dataDir, { recursive: true });
  const sealedFile = path.join(dataDir, SAFE_KEY_FILE);
  const plainFile = path.join(dataDir, PLAIN_KEY_FILE);
  if (fs.existsSync(sealedFile)) {
    const hex = safe.decryptString(fs.readFileSync(sealedFile));
    if (!/^[0-9a-f]{64}$/.test(hex)) throw new Error(`${SAFE_KEY_FILE} does not hold a key`);
    return Buffer.from(hex, 'hex');
  }
  let hex: string;
  try {
    hex = fs.readFileSync(plainFile, 'utf8').trim();
    if (!/^[0-9a-f]{64}$/.test(hex)) throw new Error(`${PLAIN_KEY_FILE} does not hold a key`);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    hex = randomBytes(32).toString('hex');
  }
  writeExclusive0600(sealedFile, safe.encryptString(hex));
  // The key is now in the keychain-protected file only (read back first: never lose the only copy).
  if (safe.decryptString(fs.readFileSync(sealedFile)) === hex) fs.rmSync(plainFile, { force: true });
  return Buffer.from(hex, 'hex');
}

/** Plugs the keychain-protected key into SecretStore (call once the app is ready, before the engine starts). */
export function useSafeStorageSecrets(safe: SafeStorageLike): 'keychain' | 'env' | 'file' {
  const env = process.env.MLDESK_SECRET_KEY;
  if (env) return 'env';
  if (!keychainUsable(safe)) return 'file';
  const ciphers = new Map<string, SecretCipher>();
  useSecretCipher((dataDir) => {
    let c = ciphers.get(dataDir);
    if (!c) ciphers.set(dataDir, (c = aesGcmCipher(keychainKey(safe, dataDir))));
    return c;
  });
  return 'keychain';
}
