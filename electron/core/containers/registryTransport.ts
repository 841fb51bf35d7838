import type Docker from 'dockerode';
import { MldeskError } from '../../../shared/contract/errors';
import type { JobReporter } from '../jobs';
import { redact, registerSecret } from '../secrets';
import { engineError, layerTotals, readMessages } from './build';

/**
 * Image transport through a registry the user names: tag `<registry>/<repo>:<tag>`, push with the user's
 * credentials, pull on the other engine. Blobs the registry already holds are not uploaded again — the engine asks
 * the registry first (HEAD on each blob) and reports "Layer already exists". Credentials travel only in the
 * X-Registry-Auth header and are redacted from every message.
 */

export interface RegistryAuth {
  /** host[:port][/namespace]; a leading http:// or https:// is ignored (the engine decides the scheme). */
  url: string;
  username?: string | null | undefined;
  password?: string | null | undefined;
}

export interface PushResult {
  remoteRef: string;
  /** The manifest digest the registry stored (from the push's aux message). */
  digest: string;
  /** Bytes the engine uploaded (layers the registry had are not counted) and layers it did not upload. */
  sentBytes: number;
  skippedLayers: number;
}

const MB = 1024 * 1024;
const mb = (n: number) => `${(n / MB).toFixed(n < 10 * MB ? 1 : 0)} MB`;

function registryParts(url: string): { host: string; prefix: string } {
  const u = url
    .trim()
    .replace(/^https?:\/\//i, '')
    .replace(/\/+$/, '');
  if (!/^[a-z0-9.-]+(:\d{1,5})?(\/[a-z0-9._/-]+)?$/i.test(u)) throw new MldeskError('INVALID_INPUT', `Not a registry address: ${redact(url)} (give host[:port][/path])`);
  const slash = u.indexOf('/');
  return { host: slash < 0 ? u : u.slice(0, slash), prefix: u };
}

/** `<registry>/<repo>:<tag>` for a local reference; a registry host already in `ref` is replaced. */
export function registryRef(registryUrl: string, ref: string): { remoteRef: string; repo: string; tag: string } {
  if (ref.includes('@') || ref.startsWith('sha256:')) throw new MldeskError('INVALID_INPUT', `Push needs a name:tag reference, not ${ref}`);
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  let repo = colon > slash ? ref.slice(0, colon) : ref;
  const tag = colon > slash ? ref.slice(colon + 1) : 'latest';
  const first = repo.split('/')[0]!;
  if (repo.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost')) repo = repo.slice(first.length + 1);
  const full = `${registryParts(registryUrl).prefix}/${repo}`;
  return { remoteRef: `${full}:${tag}`, repo: full, tag };
}

function authConfig(reg: RegistryAuth): Docker.AuthConfig | undefined {
  registerSecret(reg.password);
  if (!reg.username && !reg.password) return undefined;
  return { username: reg.username ?? '', password: reg.password ?? '', serveraddress: registryParts(reg.url).host };
}

/** An error message from the engine or the registry as an MldeskError: credentials out, authentication named. */
function registryError(what: string, reg: RegistryAuth, message: string): MldeskError {
  let text = redact(message);
  if (reg.password) text = text.split(reg.password).join('***');
  const host = registryParts(reg.url).host;
  if (/unauthori[sz]ed|authentication|denied|401|403|no basic auth credentials/i.test(text)) {
    const who = reg.username ? ` for user "${reg.username}"` : ' (no credentials were given)';
    // Not UNAUTHORIZED/FORBIDDEN: those statuses mean mldesk's own session to its clients.
    return new MldeskError('FAILED_PRECONDITION', `${what}: the registry ${host} refused the authentication${who}: ${text}`, { registry: host, reason: 'authentication' });
  }
  if (/connection refused|no such host|timeout|i\/o timeout|EOF|http: server gave HTTP response to HTTPS client/i.test(text)) {
    return new MldeskError('UNAVAILABLE', `${what}: the registry ${host} could not be reached: ${text}`, { registry: host });
  }
  return new MldeskError('FAILED_PRECONDITION', `${what}: ${text}`, { registry: host });
}

interface Progress {
  status?: string;
  id?: string;
  progressDetail?: { current?: number; total?: number };
  error?: string;
  errorDetail?: { message?: string };
  aux?: { Tag?: string; Digest?: string; Size?: number };
}

/** Reads a push/pull message stream: per-layer progress onto the bar, the aux digest, and the first error. */
async function follow(stream: NodeJS.ReadableStream, label: string, r: JobReporter | undefined): Promise<{ error: string | null; digest: string | null; sent: number; existing: number }> {
  const layers = new Map<string, { current: number; total: number }>();
  let error: string | null = null;
  let digest: string | null = null;
  let existing = 0;
  let last = 0;
  await readMessages(stream, (msg) => {
    const m = msg as Progress;
    if (m.error || m.errorDetail?.message) {
      error ??= m.errorDetail?.message ?? m.error ?? 'unknown error';
      return;
    }
    if (m.aux?.Digest) digest = m.aux.Digest;
    if (!m.id) {
      if (m.status) r?.log(redact(m.status));
      return;
    }
    if (m.status === 'Layer already exists' || m.status === 'Already exists') existing++;
    if ((m.status === 'Pushing' || m.status === 'Downloading') && m.progressDetail?.total) {
      layers.set(m.id, { current: m.progressDetail.current ?? 0, total: m.progressDetail.total });
    } else if ((m.status === 'Pushed' || m.status === 'Download complete') && layers.has(m.id)) {
      const l = layers.get(m.id)!;
      l.current = l.total;
    }
    const now = Date.now();
    if (now - last < 200) return;
    last = now;
    const { current: cur, total: tot } = layerTotals(layers);
    r?.phase(`${label}: ${mb(cur)} of ${mb(tot)}${existing ? `, ${existing} layers already there` : ''}`, tot ? Math.min(0.99, cur / tot) : null);
  });
  return { error, digest, sent: layerTotals(layers).current, existing };
}

/**
 * Pushes local image `ref` to the registry as `<registry>/<repo>:<tag>`. Errors in the push stream become
 * MldeskErrors with the registry's words (FAILED_PRECONDITION with details.reason 'authentication' for a refused login), credentials redacted.
 */
export async function pushImage(local: Docker, ref: string, registry: RegistryAuth, r?: JobReporter): Promise<PushResult> {
  const { remoteRef, repo, tag } = registryRef(registry.url, ref);
  const auth = authConfig(registry);
  try {
    await local.getImage(ref).tag({ repo, tag });
  } catch (e) {
    throw engineError(e, `Tagging ${ref} as ${remoteRef} failed`);
  }
  r?.phase(`Pushing ${remoteRef}`, 0);
  let stream: NodeJS.ReadableStream;
  try {
    stream = (await local.getImage(repo).push({ tag, ...(auth ? { authconfig: auth } : {}) })) as NodeJS.ReadableStream;
  } catch (e) {
    const x = e as { json?: { message?: string } | null; message?: string };
    throw registryError(`Pushing ${remoteRef} failed`, registry, x.json?.message ?? x.message ?? String(e));
  }
  const out = await follow(stream, `Pushing ${remoteRef}`, r);
  if (out.error) throw registryError(`Pushing ${remoteRef} failed`, registry, out.error);
  if (!out.digest) throw new MldeskError('INTERNAL', `Pushing ${remoteRef}: the engine did not report the manifest digest`);
  r?.phase(`Pushed ${remoteRef} (${out.digest.slice(0, 19)}…)`, 1);
  return { remoteRef, digest: out.digest, sentBytes: out.sent, skippedLayers: out.existing };
}

/** Pulls `remoteRef` from the registry on `remote` (another engine); returns its image ID there. */
export async function pullImage(remote: Docker, remoteRef: string, registry: RegistryAuth, r?: JobReporter): Promise<{ ref: string; id: string }> {
  const auth = authConfig(registry);
  const colon = remoteRef.lastIndexOf(':');
  const slash = remoteRef.lastIndexOf('/');
  const [fromImage, tag] = colon > slash ? [remoteRef.slice(0, colon), remoteRef.slice(colon + 1)] : [remoteRef, 'latest'];
  r?.phase(`Pulling ${remoteRef} on the remote engine`, 0);
  let stream: NodeJS.ReadableStream;
  try {
    stream = (await remote.createImage(auth as Docker.AuthConfig, { fromImage, tag })) as NodeJS.ReadableStream;
  } catch (e) {
    const x = e as { json?: { message?: string } | null; message?: string };
    throw registryError(`Pulling ${remoteRef} on the remote engine failed`, registry, x.json?.message ?? x.message ?? String(e));
  }
  const out = await follow(stream, `Pulling ${remoteRef}`, r);
  if (out.error) throw registryError(`Pulling ${remoteRef} on the remote engine failed`, registry, out.error);
  let id: string;
  try {
    id = (await remote.getImage(`${fromImage}:${tag}`).inspect()).Id;
  } catch (e) {
    throw engineError(e, `Inspecting ${remoteRef} on the remote engine failed`);
  }
  r?.phase(`Pulled ${remoteRef} on the remote engine`, 1);
  return { ref: `${fromImage}:${tag}`, id };
}
