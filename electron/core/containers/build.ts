import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';
import { MldeskError } from '../../../shared/contract/errors';
import type { JobReporter } from '../jobs';
import { contextSize, packContext, type ContextEntry } from './tarContext';

/** Where a sub-build's progress lands in the job's 0..1 (the base, the runtime and the model share one bar). */
export interface Span {
  from: number;
  to: number;
}

const MB = 1024 * 1024;
const mb = (n: number) => `${(n / MB).toFixed(n < 10 * MB ? 1 : 0)} MB`;

interface BuildMessage {
  stream?: string;
  status?: string;
  id?: string;
  progress?: string;
  progressDetail?: { current?: number; total?: number };
  error?: string;
  errorDetail?: { message?: string };
  aux?: { ID?: string };
}

/** Splits the engine's JSON message stream (one object per line) and hands each message to `onMessage`. */
export function readMessages(stream: NodeJS.ReadableStream, onMessage: (m: BuildMessage) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const handle = (line: string) => {
      const t = line.trim();
      if (!t) return;
      try {
        onMessage(JSON.parse(t) as BuildMessage);
      } catch {
        onMessage({ stream: t });
      }
    };
    stream.on('data', (chunk: Buffer | string) => {
      buf += chunk.toString();
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        handle(buf.slice(0, i));
        buf = buf.slice(i + 1);
      }
    });
    stream.on('end', () => {
      handle(buf);
      resolve();
    });
    stream.on('error', reject);
  });
}

/** An engine error (HTTP status + JSON message from docker-modem) as an MldeskError. */
export function engineError(e: unknown, what: string): MldeskError {
  if (e instanceof MldeskError) return e;
  const x = e as { statusCode?: number; json?: { message?: string } | null; message?: string; reason?: string };
  const detail = (x.json && typeof x.json === 'object' && x.json.message) || x.reason || x.message || String(e);
  if (x.statusCode === 404) return new MldeskError('NOT_FOUND', `${what}: ${detail}`);
  if (x.statusCode === 400 || x.statusCode === 500 || x.statusCode === 409) return new MldeskError('FAILED_PRECONDITION', `${what}: ${detail}`);
  const code = (e as { code?: string }).code;
  if (code === 'ABORT_ERR' || (e as { name?: string }).name === 'AbortError' || (e as { name?: string }).name === 'TimeoutError') {
    return new MldeskError('UNAVAILABLE', `${what}: the Docker engine did not answer in time`);
  }
  if (code && /^E[A-Z]+$/.test(code)) return new MldeskError('UNAVAILABLE', `${what}: the Docker engine connection failed (${code})`);
  return new MldeskError('INTERNAL', `${what}: ${detail}`);
}

export interface BuildOptions {
  entries: ContextEntry[];
  /** Repository:tag given to the image. */
  tag: string;
  /** Name of the Dockerfile inside the context. */
  dockerfile?: string;
  /** What is being built, in words ("offline base image"). */
  label: string;
  span: Span;
  r?: JobReporter | undefined;
  /** Network of RUN steps (default: the engine's default bridge). */
  networkmode?: string;
}

/**
 * Builds an image with the engine's builder (the classic one: no BuildKit session needed), streaming the context as
 * tar and the build's output as log lines, "Step N/M" as the fraction within `span`. Returns the image id.
 */
export async function buildImage(docker: Docker, o: BuildOptions): Promise<string> {
  const { r, span } = o;
  const total = contextSize(o.entries);
  // A big context (the Node binary) takes real time to send: give the upload a share of the bar.
  const uploadShare = total > 20 * MB ? 0.5 : 0.05;
  const at = (f: number) => span.from + (span.to - span.from) * Math.max(0, Math.min(1, f));
  r?.phase(`Building ${o.label}`, at(0));
  if (total > 20 * MB) r?.log(`Sending build context (${mb(total)})`);
  let lastTick = 0;
  const { stream: context, done } = packContext(o.entries, (n) => {
    const now = Date.now();
    if (now - lastTick < 100) return;
    lastTick = now;
    r?.fraction(at((uploadShare * n) / total));
  });
  let res: NodeJS.ReadableStream;
  try {
    res = (await docker.buildImage(context as unknown as NodeJS.ReadableStream, {
      t: o.tag,
      dockerfile: o.dockerfile ?? 'Dockerfile',
      rm: true,
      forcerm: true,
      version: '1',
      ...(o.networkmode ? { networkmode: o.networkmode } : {}),
    } as Docker.ImageBuildOptions)) as NodeJS.ReadableStream;
  } catch (e) {
    await done.catch(() => undefined);
    throw engineError(e, `Building ${o.label} failed`);
  }
  let error: string | null = null;
  let id: string | null = null;
  const tail: string[] = [];
  const reading = readMessages(res, (m) => {
    if (m.error || m.errorDetail) {
      error = m.errorDetail?.message || m.error || 'unknown error';
      r?.log(`error: ${error}`);
      return;
    }
    if (m.aux?.ID) id = m.aux.ID;
    const text = m.stream ?? (m.status ? `${m.id ? `${m.id}: ` : ''}${m.status}${m.progress ? ` ${m.progress}` : ''}` : '');
    for (const line of text.split('\n')) {
      const t = line.replace(/\s+$/, '');
      if (!t) continue;
      tail.push(t);
      if (tail.length > 20) tail.shift();
      r?.log(t);
      const step = /^Step (\d+)\/(\d+)\s*:/.exec(t);
      if (step) r?.fraction(at(uploadShare + ((1 - uploadShare) * (Number(step[1]) - 1)) / Number(step[2])));
      const built = /^Successfully built ([0-9a-f]{12,64})$/.exec(t);
      if (built && !id) id = built[1]!;
    }
  });
  try {
    await reading;
  } catch (e) {
    await done.catch(() => undefined);
    throw engineError(e, `Building ${o.label} failed`);
  }
  await done.catch((e: unknown) => {
    error ??= e instanceof Error ? e.message : String(e);
  });
  if (error) throw new MldeskError('FAILED_PRECONDITION', `Building ${o.label} failed: ${error}`, { log: tail });
  // The tag is authoritative (the stream's id may be short or missing on old engines).
  try {
    const info = await docker.getImage(o.tag).inspect();
    id = info.Id;
  } catch (e) {
    throw engineError(e, `Building ${o.label} gave no image`);
  }
  r?.fraction(at(1));
  return id!;
}

/** Pulls `ref` with per-layer byte progress within `span` (opt-in only: see base.ts). */
export async function pullImage(docker: Docker, ref: string, span: Span, r?: JobReporter): Promise<void> {
  const at = (f: number) => span.from + (span.to - span.from) * Math.max(0, Math.min(1, f));
  r?.phase(`Pulling ${ref}`, at(0));
  let res: NodeJS.ReadableStream;
  try {
    res = (await docker.pull(ref)) as NodeJS.ReadableStream;
  } catch (e) {
    throw engineError(e, `Pulling ${ref} failed`);
  }
  const layers = new Map<string, { current: number; total: number }>();
  let error: string | null = null;
  let lastTick = 0;
  const reading = readMessages(res, (m) => {
    if (m.error || m.errorDetail) {
      error = m.errorDetail?.message || m.error || 'unknown error';
      return;
    }
    if (m.id && m.progressDetail?.total) layers.set(m.id, { current: m.progressDetail.current ?? 0, total: m.progressDetail.total });
    if (m.status && !m.progressDetail?.total) r?.log(`${m.id ? `${m.id}: ` : ''}${m.status}`);
    const now = Date.now();
    if (now - lastTick > 200 && layers.size) {
      lastTick = now;
      const { current: c, total: t } = layerTotals(layers);
      r?.fraction(at(t ? c / t : 0));
    }
  });
  try {
    await reading;
  } catch (e) {
    throw engineError(e, `Pulling ${ref} failed`);
  }
  if (error) throw new MldeskError('FAILED_PRECONDITION', `Pulling ${ref} failed: ${error}`);
  r?.fraction(at(1));
}

// ── one build of a tag at a time, across processes ───────────────────────────

const inProcess = new Map<string, Promise<unknown>>();

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** The bytes done and the bytes in all of an image's layers, from a pull's or a push's per-layer progress. */
export function layerTotals(layers: ReadonlyMap<string, { current: number; total: number }>): { current: number; total: number } {
  let current = 0;
  let total = 0;
  for (const l of layers.values()) {
    current += l.current;
    total += l.total;
  }
  return { current, total };
}

/** The id of image `ref` on `docker`, or null when the engine has no such image. */
export async function imageId(docker: Docker, ref: string): Promise<string | null> {
  try {
    return (await docker.getImage(ref).inspect()).Id;
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode === 404) return null;
    throw engineError(e, `Inspecting ${ref} failed`);
  }
}

/** A build context's entries with `dockerfile` as its `Dockerfile`. */
export function withDockerfile(entries: ContextEntry[], dockerfile: string): ContextEntry[] {
  return [...entries, { kind: 'data', name: 'Dockerfile', data: dockerfile }];
}

/**
 * Builds `o.tag` under the build lock of `lockKey` (the engine) and the tag, unless the image is there once the lock is
 * held (another build made it meanwhile): the image id.
 */
export function buildUnlessPresent(docker: Docker, lockKey: string, o: BuildOptions): Promise<string> {
  return withBuildLock(`${lockKey}\0${o.tag}`, async () => (await imageId(docker, o.tag)) ?? buildImage(docker, o), o.r);
}

/**
 * Runs `fn` while holding the lock of `key` (e.g. an image tag on one engine): two builds of the same base in this
 * process share one promise, and two processes (the app and `mldesk build`, parallel test files) take turns via a
 * lock folder in the temp dir (stale when its owner process is gone or after 15 minutes). `fn` should re-check
 * whether its work is still needed once it holds the lock.
 */
export function withBuildLock<T>(key: string, fn: () => Promise<T>, r?: JobReporter): Promise<T> {
  const running = inProcess.get(key);
  if (running) return running as Promise<T>;
  const p = (async () => {
    const dir = path.join(os.tmpdir(), 'mldesk-build-locks');
    fs.mkdirSync(dir, { recursive: true });
    const lock = path.join(dir, createHash('sha256').update(key).digest('hex').slice(0, 24));
    let waited = false;
    const started = Date.now();
    for (;;) {
      try {
        fs.mkdirSync(lock);
        fs.writeFileSync(path.join(lock, 'owner'), `${process.pid}\n${Date.now()}\n`);
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        let stale = false;
        try {
          const [pid, at] = fs.readFileSync(path.join(lock, 'owner'), 'utf8').split('\n').map(Number);
          stale = !pid || !alive(pid) || Date.now() - (at ?? 0) > 15 * 60_000;
        } catch {
          // the owner file is written just after the folder: give it a moment before calling it stale
          stale = fs.statSync(lock, { throwIfNoEntry: false }) ? Date.now() - fs.statSync(lock).mtimeMs > 10_000 : false;
        }
        if (stale) {
          fs.rmSync(lock, { recursive: true, force: true });
          continue;
        }
        if (!waited) r?.log('Waiting for another build of the same image to finish…');
        waited = true;
        if (Date.now() - started > 20 * 60_000) throw new MldeskError('UNAVAILABLE', 'Another build of the same image has been running for over 20 minutes');
        await new Promise((res) => setTimeout(res, 250));
      }
    }
    try {
      return await fn();
    } finally {
      fs.rmSync(lock, { recursive: true, force: true });
    }
  })();
  inProcess.set(key, p);
  const clear = () => inProcess.delete(key);
  p.then(clear, clear);
  return p;
}
