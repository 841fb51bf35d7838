import type { Readable } from 'node:stream';

export type RemoteKind = 'folder' | 'sftp' | 's3' | 'mldesk';

/** A remote as committed in `.mldesk/config.json`: where it is, never how to log in. */
export interface RemoteConfig {
  url: string;
  /** s3: endpoint of an S3-compatible service (MinIO, Ceph, R2, …); absent = AWS. */
  endpoint?: string;
  /** s3: region (default us-east-1). */
  region?: string;
  /** sftp: the server's host key, `SHA256:<base64>` as `ssh-keygen -lf` prints it (pinned for the whole team). */
  hostKey?: string;
}

/** What a user logs in with, stored encrypted in their data dir (secrets.ts), keyed by the remote's URL. */
export interface Credentials {
  /** sftp: user name when the URL has none. */
  user?: string;
  /** sftp: password. */
  password?: string;
  /** sftp: private key file (OpenSSH format). */
  keyFile?: string;
  /** sftp: the private key's passphrase. */
  passphrase?: string;
  /** s3 */
  accessKeyId?: string;
  secretAccessKey?: string;
  sessionToken?: string;
  /** mldesk: a user token (`mldesk users add`). */
  token?: string;
}

export const SECRET_FIELDS = ['password', 'passphrase', 'secretAccessKey', 'sessionToken', 'token', 'accessKeyId'] as const;

/**
 * One kind of remote storage. Objects are named by their sha256 and laid out as `<root>/<sha[0:2]>/<sha[2:]>`
 * (the cache's own layout). Implementations never leave a partial object under its final name.
 */
export interface RemoteStore {
  readonly kind: RemoteKind;
  /** Which of `shas` the remote holds, with their sizes: one listing per 2-hex prefix or one batch request, not a probe per object. */
  stat(shas: readonly string[]): Promise<Map<string, number>>;
  /**
   * Uploads `body` (exactly `size` bytes, the verified content of object `sha`) under a temporary name and gives it
   * its final name only once complete. `body` errors on its last chunk when the bytes do not hash to `sha`: the
   * upload must then fail and leave nothing.
   */
  put(sha: string, body: Readable, size: number): Promise<void>;
  /** The object's bytes from `offset` on (resuming a partial download). */
  get(sha: string, offset: number): Promise<Readable>;
  /** Removes an object (tests, repair). */
  remove?(sha: string): Promise<void>;
  close(): Promise<void>;
}

export interface TransferProgress {
  op: 'push' | 'pull';
  objectsDone: number;
  objectsTotal: number;
  bytesDone: number;
  bytesTotal: number;
  /** The object that just finished (or failed), and the dataset paths that name it. */
  last?: { sha: string; paths: string[]; bytes: number; resumedFrom?: number };
}

export type ProgressFn = (p: TransferProgress) => void;

/** Layout shared by every kind (and by the cache): `<sha[0:2]>/<sha[2:]>`. */
export const objectKey = (sha: string): string => `${sha.slice(0, 2)}/${sha.slice(2)}`;

export const SHA_RE = /^[0-9a-f]{64}$/;
