import type Docker from 'dockerode';
import type { Readable } from 'node:stream';
import { MldeskError } from '../../../shared/contract/errors';
import type { JobReporter } from '../jobs';
import { redact } from '../secrets';
import { engineError, readMessages } from './build';
import { chainIds, skippableDiffs, trimSavedImage, type TrimStats } from './imageTar';
import { pullImage, pushImage, type RegistryAuth } from './registryTransport';

export { chainIds } from './imageTar';
export { pushImage, pullImage, registryRef, type RegistryAuth } from './registryTransport';

/**
 * Image transport: getting an image built on this machine's engine onto another engine — `save` → `load` streamed
 * between the two engines (no registry needed; layers the receiver already has are left out of the upload), or a
 * push to the user's registry and a pull on the other side. Either way the image ID (the config digest) on arrival
 * must be the one sent.
 */

export interface StreamResult {
  id: string;
  sentBytes: number;
  skippedLayers: number;
  totalLayers: number;
  ms: number;
}

export interface StreamOptions {
  /**
   * Chain IDs to treat as present on the receiver in addition to what it reports (tests use a wrong one to see the
   * engine refuse the trimmed tarball and the full one sent instead).
   */
  assumePresent?: readonly string[];
}

const MB = 1024 * 1024;
const mb = (n: number) => `${(n / MB).toFixed(n < 10 * MB ? 1 : 0)} MB`;
/** How many of the receiver's images are inspected to learn which layer chains it holds. */
const MAX_INSPECT = 64;

async function inspect(docker: Docker, ref: string, what: string): Promise<Docker.ImageInspectInfo | null> {
  try {
    return await docker.getImage(ref).inspect();
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode === 404) return null;
    throw engineError(e, what);
  }
}

function splitRef(ref: string): { repo: string; tag: string } | null {
  if (ref.startsWith('sha256:') || ref.includes('@')) return null;
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  return colon > slash ? { repo: ref.slice(0, colon), tag: ref.slice(colon + 1) } : { repo: ref, tag: 'latest' };
}

/**
 * The layer chains the receiving engine holds, learnt from its images' RootFS (every prefix of an image's layers is
 * a chain in its layer store). Images likely to share layers with `img` go first: same repository, then mldesk's
 * (by label), then the rest; stops once every chain of `img` is known to be there.
 */
export async function remoteChains(remote: Docker, img: Docker.ImageInspectInfo): Promise<Set<string>> {
  const want = chainIds(img.RootFS?.Layers ?? []);
  const present = new Set<string>();
  let list: Docker.ImageInfo[];
  try {
    list = await remote.listImages();
  } catch (e) {
    throw engineError(e, 'Listing the remote engine\'s images failed');
  }
  const repo = (t: string) => splitRef(t)?.repo ?? t;
  const ours = new Set((img.RepoTags ?? []).map(repo));
  const score = (i: Docker.ImageInfo) =>
    (i.RepoTags ?? []).some((t) => ours.has(repo(t))) ? 0 : Object.keys(i.Labels ?? {}).some((k) => k.startsWith('mldesk.')) ? 1 : 2;
  const order = [...list].sort((a, b) => score(a) - score(b) || b.Created - a.Created).slice(0, MAX_INSPECT);
  for (let i = 0; i < order.length; i += 4) {
    const infos = await Promise.all(order.slice(i, i + 4).map((x) => inspect(remote, x.Id, 'Inspecting a remote image failed').catch(() => null)));
    for (const info of infos) for (const c of chainIds(info?.RootFS?.Layers ?? [])) present.add(c);
    if (want.every((c) => present.has(c))) break;
  }
  return present;
}

/**
 * Loads a saved-image tarball into `to` and checks what arrived: the engine's own errors become FAILED_PRECONDITION
 * with its words; the image `expect.ref` must then exist on `to` with ID `expect.id` (the config digest), else
 * FAILED_PRECONDITION — whatever was sent, the receiver holds exactly the image that was meant.
 */
export async function loadVerified(to: Docker, tarball: Readable, expect: { ref: string; id: string }, r?: JobReporter, at?: (f: number) => number): Promise<string> {
  let res: NodeJS.ReadableStream;
  try {
    res = (await to.loadImage(tarball as unknown as NodeJS.ReadableStream, { quiet: false })) as NodeJS.ReadableStream;
  } catch (e) {
    tarball.destroy();
    throw engineError(e, `The remote engine did not accept ${expect.ref}`);
  }
  let error: string | null = null;
  const loading = new Map<string, { current: number; total: number }>();
  await readMessages(res, (m) => {
    if (m.error || m.errorDetail?.message) error = m.errorDetail?.message ?? m.error ?? 'unknown error';
    else if (m.status === 'Loading layer' && m.id && m.progressDetail?.total) {
      loading.set(m.id, { current: m.progressDetail.current ?? 0, total: m.progressDetail.total });
      let cur = 0;
      let tot = 0;
      for (const v of loading.values()) {
        cur += v.current;
        tot += v.total;
      }
      if (at) r?.fraction(at(tot ? cur / tot : 0));
    } else if (m.stream?.trim()) r?.log(m.stream.trim());
  });
  if (error) throw new MldeskError('FAILED_PRECONDITION', `The remote engine refused ${expect.ref}: ${error}`, { engineError: error });
  const got = await inspect(to, expect.ref, `Inspecting ${expect.ref} on the remote engine failed`);
  if (!got) throw new MldeskError('FAILED_PRECONDITION', `${expect.ref} is not on the remote engine after loading it`);
  if (got.Id !== expect.id) {
    // The name must not stay on the wrong image (a deploy would run it): untag it; its layers may serve others.
    if (got.Id !== expect.ref) await to.getImage(expect.ref).remove({ noprune: false }).catch(() => undefined);
    throw new MldeskError('FAILED_PRECONDITION', `Digest mismatch after the transfer: ${expect.ref} is ${got.Id} on the remote engine, ${expect.id} here`, {
      expected: expect.id,
      actual: got.Id,
    });
  }
  return got.Id;
}

/**
 * Streams image `ref` from engine `from` to engine `to` (`docker save | docker load`, no registry), leaving out the
 * layers `to` already has. Progress: bytes read from `from` and sent to `to` on the job's bar. When the receiver
 * refuses the trimmed tarball (its layers changed meanwhile), the full one is sent, with a log line saying so.
 */
export async function streamImage(from: Docker, to: Docker, ref: string, r?: JobReporter, opts: StreamOptions = {}): Promise<StreamResult> {
  const t0 = Date.now();
  const img = await inspect(from, ref, `Inspecting ${ref} failed`);
  if (!img) throw new MldeskError('NOT_FOUND', `There is no image ${ref} on this machine's engine`);
  const diffs = img.RootFS?.Layers ?? [];
  const total = diffs.length;
  const name = splitRef(ref);

  // Already there (same config digest): at most a missing tag.
  const there = await inspect(to, img.Id, `Inspecting ${ref} on the remote engine failed`);
  if (there) {
    if (name && !(there.RepoTags ?? []).includes(`${name.repo}:${name.tag}`)) {
      await to
        .getImage(img.Id)
        .tag(name)
        .catch((e: unknown) => {
          throw engineError(e, `Tagging ${ref} on the remote engine failed`);
        });
    }
    r?.log(`${ref} (${img.Id.slice(0, 19)}) is already on the remote engine`);
    r?.fraction(1);
    return { id: img.Id, sentBytes: 0, skippedLayers: total, totalLayers: total, ms: Date.now() - t0 };
  }

  r?.phase(`Checking which layers of ${ref} the remote engine has`, 0);
  const present = await remoteChains(to, img);
  for (const c of opts.assumePresent ?? []) present.add(c);
  const positions = new Map<string, number>();
  for (const d of diffs) positions.set(d, (positions.get(d) ?? 0) + 1);

  const attempt = async (skip: Set<string>): Promise<TrimStats> => {
    const estimate = Math.max(1, img.Size);
    const at = (f: number) => Math.min(1, Math.max(0, f));
    let last = 0;
    const phase = (s: TrimStats) => `Sending ${ref}: ${mb(s.sentBytes)} sent${s.skippedLayers ? `, ${s.skippedLayers} of ${total} layers already there` : ''}`;
    r?.phase(phase({ readBytes: 0, sentBytes: 0, skippedEntries: 0, skippedLayers: 0, layerEntries: 0 }), 0.02);
    let saved: Readable;
    try {
      saved = (await from.getImage(ref).get()) as unknown as Readable;
    } catch (e) {
      throw engineError(e, `Saving ${ref} failed`);
    }
    const trim = trimSavedImage(saved, {
      skip,
      positions,
      onProgress: (s) => {
        const now = Date.now();
        if (now - last < 200) return;
        last = now;
        r?.phase(phase(s), at(0.02 + (0.83 * s.readBytes) / estimate));
      },
    });
    const loaded = loadVerified(to, trim.output, { ref: name ? `${name.repo}:${name.tag}` : img.Id, id: img.Id }, r, (f) => at(0.85 + 0.14 * f));
    // Whichever side fails first stops the other (a refused upload must not leave the save stream hanging).
    const [l, d] = await Promise.allSettled([loaded, trim.done]);
    if (l.status === 'rejected') throw l.reason;
    if (d.status === 'rejected') throw engineError(d.reason, `Reading ${ref} from this machine's engine failed`);
    r?.phase(`${ref} is on the remote engine (${mb(trim.stats.sentBytes)} sent)`, 1);
    return trim.stats;
  };

  const skip = skippableDiffs(diffs, present);
  let stats: TrimStats;
  try {
    stats = await attempt(skip);
  } catch (e) {
    if (skip.size === 0 || !(e instanceof MldeskError) || e.code !== 'FAILED_PRECONDITION' || !(e.details as { engineError?: string } | undefined)?.engineError) throw e;
    r?.log(`The remote engine refused the image without the layers it seemed to have (${e.message}); sending the full image instead`);
    stats = await attempt(new Set());
  }
  const ms = Date.now() - t0;
  r?.log(`Sent ${ref} to the remote engine: ${mb(stats.sentBytes)} in ${(ms / 1000).toFixed(1)} s, ${stats.skippedLayers} of ${total} layers already there`);
  return { id: img.Id, sentBytes: stats.sentBytes, skippedLayers: stats.skippedLayers, totalLayers: total, ms };
}

export type Transport = 'auto' | 'registry' | 'stream';

export interface EnsureImageArgs {
  local: Docker;
  remote: Docker;
  ref: string;
  registry: RegistryAuth | null;
  transport: Transport;
}

export interface EnsureImageResult {
  /** The reference the remote engine knows the image by (the registry's for a push, else `ref`). */
  ref: string;
  id: string;
  how: 'same-engine' | 'stream' | 'registry';
  sentBytes: number;
  skippedLayers: number;
}

/**
 * Who an engine is. `ID` alone is not enough: it comes from the daemon's trust key (/etc/docker/key.json), which two
 * daemons on one host — or cloned machines — share; the name and data-root tell those apart.
 */
async function engineKey(docker: Docker, which: string): Promise<string> {
  try {
    const i = (await docker.info()) as { ID?: string; Name?: string; DockerRootDir?: string };
    return [i.ID ?? '', i.Name ?? '', i.DockerRootDir ?? ''].join('\0');
  } catch (e) {
    throw engineError(e, `Asking the ${which} engine who it is failed`);
  }
}

/**
 * Makes `ref` (an image on `local`) available on `remote`: nothing when both are the same engine; a push to the
 * registry and a pull on the remote when a registry is configured (and transport isn't 'stream'); else a stream.
 * The image ID on the remote is checked against the local one in every case.
 */
export async function ensureImage(args: EnsureImageArgs, r?: JobReporter): Promise<EnsureImageResult> {
  const { local, remote, ref, registry, transport } = args;
  const img = await inspect(local, ref, `Inspecting ${ref} failed`);
  if (!img) throw new MldeskError('NOT_FOUND', `There is no image ${ref} on this machine's engine`);
  const [a, b] = await Promise.all([engineKey(local, 'local'), engineKey(remote, 'remote')]);
  // The same engine — and, should that be a misidentification, the image is there by its ID anyway.
  if (a === b && (await inspect(remote, img.Id, `Inspecting ${ref} on the target engine failed`))) {
    r?.log(`The target is this machine's engine: ${ref} is already there`);
    return { ref, id: img.Id, how: 'same-engine', sentBytes: 0, skippedLayers: img.RootFS?.Layers?.length ?? 0 };
  }
  if (transport === 'registry' && !registry) {
    throw new MldeskError('FAILED_PRECONDITION', 'The target sends images through a registry, but none is configured', { hint: 'Add a registry to the target, or choose the stream transport.' });
  }
  if (registry && transport !== 'stream') {
    const pushed = await pushImage(local, ref, registry, r && span(r, 0, 0.6));
    const pulled = await pullImage(remote, pushed.remoteRef, registry, r && span(r, 0.6, 1));
    if (pulled.id !== img.Id) {
      throw new MldeskError('FAILED_PRECONDITION', redact(`Digest mismatch after the registry transfer: ${pushed.remoteRef} is ${pulled.id} on the remote engine, ${img.Id} here`), {
        expected: img.Id,
        actual: pulled.id,
      });
    }
    return { ref: pushed.remoteRef, id: img.Id, how: 'registry', sentBytes: pushed.sentBytes, skippedLayers: pushed.skippedLayers };
  }
  const s = await streamImage(local, remote, ref, r);
  return { ref, id: s.id, how: 'stream', sentBytes: s.sentBytes, skippedLayers: s.skippedLayers };
}

/** A reporter whose fractions land in [from, to] of `r`'s bar. */
function span(r: JobReporter, from: number, to: number): JobReporter {
  const at = (f: number | null | undefined) => (f == null ? f : from + (to - from) * f);
  return {
    id: r.id,
    phase: (p, f) => r.phase(p, at(f)),
    fraction: (f) => r.fraction(at(f) ?? null),
    log: (...lines) => r.log(...lines),
  };
}
