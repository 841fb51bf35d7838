import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { MldeskError } from '../../../../shared/contract/errors';
import { objectKey, SHA_RE, type Credentials, type RemoteConfig, type RemoteStore } from './types';

const MiB = 1024 * 1024;
const PARTS_IN_FLIGHT = 4;

/**
 * Objects above `multipartAbove` go up in parts (S3's single PUT stops at 5 GB; parts also keep a failure's retry
 * small) of at least `minPart` bytes (S3's floor is 5 MiB). Tests lower both to exercise parts on small files.
 */
export const s3Tuning = { multipartAbove: 64 * MiB, minPart: 16 * MiB };

export interface S3Target {
  bucket: string;
  /** Key prefix, '' or ending in '/'. */
  prefix: string;
}

export function parseS3Url(u: URL): S3Target {
  if (!u.hostname) throw new MldeskError('INVALID_INPUT', 'An S3 remote looks like s3://bucket/prefix');
  const prefix = decodeURIComponent(u.pathname).replace(/^\/+|\/+$/g, '');
  return { bucket: u.hostname, prefix: prefix ? `${prefix}/` : '' };
}

/** S3's part size for an object: 16 MiB, larger when needed to stay within 10,000 parts. */
export function partSizeFor(size: number): number {
  return Math.max(s3Tuning.minPart, Math.ceil(size / 9000 / MiB) * MiB);
}

/** Maps the SDK's errors to mldesk's codes (messages never carry a credential: the SDK never prints one). */
function s3Error(e: unknown, what: string): MldeskError {
  if (e instanceof MldeskError) return e;
  const err = e as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const name = err.name ?? '';
  const status = err.$metadata?.httpStatusCode;
  if (name === 'NoSuchBucket') return new MldeskError('NOT_FOUND', `${what}: the bucket does not exist`);
  if (name === 'NoSuchKey' || status === 404) return new MldeskError('NOT_FOUND', `${what}: not found`);
  if (name === 'CredentialsProviderError' || /Could not load credentials/i.test(err.message ?? '')) {
    return new MldeskError('UNAUTHORIZED', `${what}: no S3 credentials; store them with \`mldesk data remote login <name> --access-key-id ID --secret-access-key-stdin\` (or set AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY)`);
  }
  if (['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'InvalidToken', 'ExpiredToken'].includes(name) || status === 401) {
    return new MldeskError('UNAUTHORIZED', `${what}: the S3 service refused the credentials (${name || status})`);
  }
  if (name === 'AccessDenied' || status === 403) return new MldeskError('FORBIDDEN', `${what}: access denied by the S3 service`);
  return new MldeskError('UNAVAILABLE', `${what}: ${name ? `${name}: ` : ''}${err.message ?? String(e)}`);
}

/** An S3 bucket (AWS, or any S3-compatible service through `endpoint`): objects under `<prefix><sha[0:2]>/<sha[2:]>`. */
export class S3Remote implements RemoteStore {
  readonly kind = 's3' as const;
  readonly client: S3Client;

  constructor(
    readonly target: S3Target,
    cfg: RemoteConfig,
    creds: Credentials,
  ) {
    // The SDK's notice that its 2027 releases need Node 22 would print on every command; the lock file pins this one.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    this.client = new S3Client({
      region: cfg.region ?? process.env.AWS_REGION ?? 'us-east-1',
      ...(cfg.endpoint ? { endpoint: cfg.endpoint, forcePathStyle: true } : {}),
      ...(creds.accessKeyId && creds.secretAccessKey
        ? { credentials: { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey, ...(creds.sessionToken ? { sessionToken: creds.sessionToken } : {}) } }
        : {}),
      // Plain Content-Length uploads that every S3-compatible service understands (no aws-chunked trailers).
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: 3,
    });
  }

  private key(sha: string): string {
    return this.target.prefix + objectKey(sha);
  }

  private get where(): string {
    return `s3://${this.target.bucket}/${this.target.prefix}`;
  }

  async stat(shas: readonly string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    const wanted = new Set(shas);
    for (const pre of [...new Set(shas.map((s) => s.slice(0, 2)))]) {
      let token: string | undefined;
      do {
        let page;
        try {
          page = await this.client.send(new ListObjectsV2Command({ Bucket: this.target.bucket, Prefix: `${this.target.prefix}${pre}/`, ContinuationToken: token }));
        } catch (e) {
          throw s3Error(e, `Listing ${this.where}`);
        }
        for (const o of page.Contents ?? []) {
          const rest = (o.Key ?? '').slice(this.target.prefix.length);
          const sha = rest.replace('/', '');
          if (rest[2] === '/' && SHA_RE.test(sha) && wanted.has(sha)) out.set(sha, o.Size ?? 0);
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    }
    return out;
  }

  async put(sha: string, body: Readable, size: number): Promise<void> {
    const Key = this.key(sha);
    if (size <= s3Tuning.multipartAbove) {
      try {
        // S3 checks x-amz-checksum-sha256 itself: the object is stored only if the bytes it got hash to its name.
        await this.client.send(
          new PutObjectCommand({ Bucket: this.target.bucket, Key, Body: body, ContentLength: size, ChecksumSHA256: Buffer.from(sha, 'hex').toString('base64'), ContentType: 'application/octet-stream' }),
        );
      } catch (e) {
        body.destroy();
        throw s3Error(e, `Uploading ${sha.slice(0, 12)}… to ${this.where}`);
      }
      return;
    }
    await this.putMultipart(Key, sha, body, size);
  }

  /**
   * Parts go up while the file is read (a few in flight); the last one only after the whole object has hashed to its
   * name (the body holds its last chunk back until then), so a corrupt source never completes an upload.
   */
  private async putMultipart(Key: string, sha: string, body: Readable, size: number): Promise<void> {
    const Bucket = this.target.bucket;
    const partSize = partSizeFor(size);
    let UploadId: string | undefined;
    try {
      UploadId = (await this.client.send(new CreateMultipartUploadCommand({ Bucket, Key, ContentType: 'application/octet-stream' }))).UploadId;
    } catch (e) {
      body.destroy();
      throw s3Error(e, `Starting the upload of ${sha.slice(0, 12)}… to ${this.where}`);
    }
    const parts: Array<{ PartNumber: number; ETag: string }> = [];
    const inflight = new Set<Promise<void>>();
    let failed: unknown = null;
    const send = (PartNumber: number, data: Buffer) => {
      const p: Promise<void> = this.client
        .send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber, Body: data, ContentLength: data.length, ContentMD5: createHash('md5').update(data).digest('base64') }))
        .then(
          (r) => {
            parts.push({ PartNumber, ETag: r.ETag ?? '' });
            inflight.delete(p);
          },
          (e: unknown) => {
            failed ??= e;
            inflight.delete(p);
          },
        );
      inflight.add(p);
      return p;
    };
    try {
      let pending: Buffer[] = [];
      let pendingBytes = 0;
      let partNo = 1;
      for await (const chunk of body) {
        pending.push(chunk as Buffer);
        pendingBytes += (chunk as Buffer).length;
        while (pendingBytes >= partSize) {
          const all = Buffer.concat(pending, pendingBytes);
          void send(partNo++, all.subarray(0, partSize));
          pending = [all.subarray(partSize)];
          pendingBytes = pending[0]!.length;
          if (inflight.size >= PARTS_IN_FLIGHT) await Promise.race(inflight);
          if (failed) throw failed;
        }
      }
      if (pendingBytes > 0 || partNo === 1) void send(partNo++, Buffer.concat(pending, pendingBytes));
      await Promise.all(inflight);
      if (failed) throw failed;
      parts.sort((a, b) => a.PartNumber - b.PartNumber);
      await this.client.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts: parts } }));
    } catch (e) {
      body.destroy();
      await Promise.allSettled(inflight);
      await this.client.send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId })).catch(() => {});
      throw s3Error(e, `Uploading ${sha.slice(0, 12)}… to ${this.where}`);
    }
  }

  async get(sha: string, offset: number): Promise<Readable> {
    try {
      const r = await this.client.send(new GetObjectCommand({ Bucket: this.target.bucket, Key: this.key(sha), ...(offset > 0 ? { Range: `bytes=${offset}-` } : {}) }));
      return r.Body as Readable;
    } catch (e) {
      throw s3Error(e, `Downloading ${sha.slice(0, 12)}… from ${this.where}`);
    }
  }

  async remove(sha: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.target.bucket, Key: this.key(sha) })).catch(() => {});
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}
