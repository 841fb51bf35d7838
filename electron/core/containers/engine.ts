import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import type { EngineStatus } from '../../../shared/contract/containers';

/**
 * Which Docker engine mldesk talks to, and why it cannot when it cannot.
 *
 * - DOCKER_HOST is honoured: unix:///path, npipe:////./pipe/x, tcp://host:port (https when DOCKER_TLS_VERIFY=1 or
 *   port 2376, with ca.pem/cert.pem/key.pem from DOCKER_CERT_PATH, default ~/.docker), ssh://user@host.
 * - Without it: the first local socket that exists among /var/run/docker.sock, ~/.docker/run/docker.sock (Docker
 *   Desktop), $XDG_RUNTIME_DIR/docker.sock (rootless), ~/.colima/default/docker.sock; else /var/run/docker.sock.
 * - `probe()` never throws and never hangs: every failure becomes a problem with a hint saying how to fix it.
 */

export interface Endpoint {
  /** As shown to the user: unix:///var/run/docker.sock, tcp://10.0.0.5:2376 (tls) … */
  host: string;
  kind: 'unix' | 'npipe' | 'tcp' | 'ssh';
  /** Whether DOCKER_HOST chose it (the hints differ). */
  fromEnv: boolean;
  options: Docker.DockerOptions;
}

export type Problem = NonNullable<EngineStatus['problem']>;

/** A configuration the client cannot even be built from (bad DOCKER_HOST, missing TLS files). */
export class EndpointError extends Error {
  constructor(
    readonly host: string,
    readonly problem: Problem,
  ) {
    super(problem.message);
  }
}

const INSTALL = 'Install Docker Engine (https://docs.docker.com/engine/install/) or Docker Desktop, then start it';

function localSocketCandidates(env: NodeJS.ProcessEnv): string[] {
  const home = env.HOME || os.homedir();
  const out = ['/var/run/docker.sock', path.join(home, '.docker', 'run', 'docker.sock')];
  if (env.XDG_RUNTIME_DIR) out.push(path.join(env.XDG_RUNTIME_DIR, 'docker.sock'));
  out.push(path.join(home, '.colima', 'default', 'docker.sock'));
  return out;
}

function readCert(dir: string, file: string, host: string): Buffer {
  try {
    return fs.readFileSync(path.join(dir, file));
  } catch {
    throw new EndpointError(host, {
      code: 'TLS_CERTS',
      message: `DOCKER_HOST ${host} uses TLS but ${file} cannot be read from DOCKER_CERT_PATH`,
      hint: 'Put the engine’s ca.pem, cert.pem and key.pem in DOCKER_CERT_PATH (default ~/.docker), or unset DOCKER_TLS_VERIFY for a plain-HTTP engine.',
    });
  }
}

/** The engine named by the environment (DOCKER_HOST and friends), or the local socket. */
export function endpointFromEnv(env: NodeJS.ProcessEnv = process.env): Endpoint {
  const raw = (env.DOCKER_HOST ?? '').trim();
  if (!raw) {
    if (process.platform === 'win32') return { host: 'npipe:////./pipe/docker_engine', kind: 'npipe', fromEnv: false, options: { socketPath: '//./pipe/docker_engine' } };
    const candidates = localSocketCandidates(env);
    const socket = candidates.find((p) => fs.existsSync(p)) ?? candidates[0]!;
    return { host: `unix://${socket}`, kind: 'unix', fromEnv: false, options: { socketPath: socket } };
  }
  const bad = (why: string) =>
    new EndpointError(raw, {
      code: 'BAD_DOCKER_HOST',
      message: `DOCKER_HOST "${raw}" is not usable: ${why}`,
      hint: 'Set DOCKER_HOST to unix:///path/to/docker.sock, tcp://host:2376 or ssh://user@host — or unset it to use the local socket.',
    });
  if (raw.startsWith('unix://')) {
    const socket = raw.slice('unix://'.length);
    if (!socket.startsWith('/')) throw bad('a unix:// address needs an absolute socket path (unix:///var/run/docker.sock)');
    return { host: raw, kind: 'unix', fromEnv: true, options: { socketPath: socket } };
  }
  if (raw.startsWith('npipe://')) return { host: raw, kind: 'npipe', fromEnv: true, options: { socketPath: raw.slice('npipe://'.length) || '//./pipe/docker_engine' } };
  let url: URL;
  try {
    url = new URL(raw.includes('://') ? raw : `tcp://${raw}`);
  } catch {
    throw bad('not a URL');
  }
  if (url.protocol === 'ssh:') {
    if (!url.hostname) throw bad('an ssh:// address needs a host');
    return {
      host: raw,
      kind: 'ssh',
      fromEnv: true,
      options: { protocol: 'ssh', host: url.hostname, port: url.port || 22, username: decodeURIComponent(url.username) || os.userInfo().username, sshOptions: env.SSH_AUTH_SOCK ? { agent: env.SSH_AUTH_SOCK } : {} },
    };
  }
  if (url.protocol !== 'tcp:' && url.protocol !== 'http:' && url.protocol !== 'https:') throw bad(`unsupported scheme ${url.protocol.replace(/:$/, '')}://`);
  if (!url.hostname) throw bad('no host');
  const tls = url.protocol === 'https:' || env.DOCKER_TLS_VERIFY === '1' || (url.protocol === 'tcp:' && url.port === '2376' && env.DOCKER_TLS_VERIFY !== '0');
  const port = url.port || (tls ? '2376' : '2375');
  const host = `tcp://${url.hostname}:${port}${tls ? ' (tls)' : ''}`;
  const options: Docker.DockerOptions = { host: url.hostname.replace(/^\[|\]$/g, ''), port, protocol: tls ? 'https' : 'http' };
  if (tls) {
    const dir = env.DOCKER_CERT_PATH || path.join(env.HOME || os.homedir(), '.docker');
    options.ca = readCert(dir, 'ca.pem', host);
    options.cert = readCert(dir, 'cert.pem', host);
    options.key = readCert(dir, 'key.pem', host);
  }
  return { host, kind: 'tcp', fromEnv: true, options };
}

/** A stable key for "the same configuration" (one client per configuration). */
export function endpointKey(env: NodeJS.ProcessEnv = process.env): string {
  return JSON.stringify([env.DOCKER_HOST ?? '', env.DOCKER_TLS_VERIFY ?? '', env.DOCKER_CERT_PATH ?? '', env.XDG_RUNTIME_DIR ?? '', env.HOME ?? '']);
}

export function createClient(ep: Endpoint): Docker {
  return new Docker(ep.options);
}

const errnoOf = (e: unknown): string => {
  const x = e as { code?: unknown; errno?: unknown; name?: unknown } | null;
  if (x && typeof x.code === 'string') return x.code;
  if (x && x.name === 'AbortError') return 'ABORTED';
  return '';
};

/** Turns a failed ping into a problem with a hint (never an exception). */
export function diagnose(e: unknown, ep: Endpoint, timeoutMs: number): Problem {
  const code = errnoOf(e);
  const msg = e instanceof Error ? e.message : String(e);
  const status = (e as { statusCode?: unknown } | null)?.statusCode;
  const where = ep.kind === 'unix' ? ep.host : `${ep.host}`;
  const viaEnv = ep.fromEnv ? ' (from DOCKER_HOST)' : '';
  const orUnset = ep.fromEnv ? ', or unset DOCKER_HOST to use the local socket' : '';
  if (code === 'TIMEOUT' || code === 'ABORTED' || code === 'ETIMEDOUT' || code === 'ESOCKETTIMEDOUT') {
    return {
      code: 'TIMEOUT',
      message: `The Docker engine at ${where}${viaEnv} did not answer within ${Math.round(timeoutMs / 1000)} s`,
      hint:
        ep.kind === 'tcp' || ep.kind === 'ssh'
          ? `Check the network path to that host and that the engine runs there${orUnset}.`
          : 'It may be starting, overloaded or hung: wait a moment, or restart it (sudo systemctl restart docker, or restart Docker Desktop).',
    };
  }
  if (ep.kind === 'unix' || ep.kind === 'npipe') {
    if (code === 'ENOENT') {
      return ep.fromEnv
        ? { code: 'SOCKET_MISSING', message: `DOCKER_HOST names ${where}, which does not exist`, hint: `Start the engine that should listen there, or fix DOCKER_HOST${orUnset}.` }
        : {
            code: 'NOT_INSTALLED',
            message: `No Docker engine found: ${where} does not exist`,
            hint: `${INSTALL} — on Linux: sudo systemctl enable --now docker. Rootless Docker or another socket: set DOCKER_HOST=unix:///path/to/docker.sock.`,
          };
    }
    if (code === 'EACCES' || code === 'EPERM') {
      return {
        code: 'PERMISSION_DENIED',
        message: `Permission denied on ${where}`,
        hint: 'Add your user to the docker group (sudo usermod -aG docker $USER, then log out and back in), or use rootless Docker and point DOCKER_HOST at its socket.',
      };
    }
    if (code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'EPIPE') {
      return {
        code: 'ENGINE_STOPPED',
        message: `The socket ${where} exists but no Docker engine answers on it`,
        hint: 'Start the engine: sudo systemctl start docker (Docker Desktop: open it and wait until it says running).',
      };
    }
  }
  if (code === 'ECONNREFUSED' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'ECONNRESET') {
    const why = { ECONNREFUSED: 'connection refused', EHOSTUNREACH: 'host unreachable', ENETUNREACH: 'network unreachable', ENOTFOUND: 'unknown host', EAI_AGAIN: 'name lookup failed', ECONNRESET: 'connection reset' }[code];
    return {
      code: 'UNREACHABLE',
      message: `The Docker engine at ${where}${viaEnv} is not reachable (${why})`,
      hint: `Check that the engine listens on that address and port (dockerd -H tcp://0.0.0.0:2376 --tlsverify …) and that no firewall blocks it${orUnset}.`,
    };
  }
  if (/CERT|SSL|TLS|self.signed|certificate/i.test(code) || /certificate|ssl|tls/i.test(msg)) {
    return {
      code: 'TLS',
      message: `The TLS handshake with ${where} failed: ${msg}`,
      hint: 'Check DOCKER_TLS_VERIFY and the ca.pem, cert.pem and key.pem in DOCKER_CERT_PATH (they must come from the engine’s CA).',
    };
  }
  if (typeof status === 'number') {
    return {
      code: 'NOT_DOCKER',
      message: `${where} answered HTTP ${status}: that is not a Docker engine API`,
      hint: `Point DOCKER_HOST at the Docker engine’s API address${orUnset}.`,
    };
  }
  return { code: 'ERROR', message: `Cannot reach the Docker engine at ${where}: ${msg}`, hint: `${INSTALL}; if it runs elsewhere, set DOCKER_HOST${orUnset ? '' : ' (unix://, tcp:// or ssh://)'}.` };
}

/** What the engine says about itself, within `timeoutMs`. */
export async function probe(docker: Docker, ep: Endpoint, timeoutMs: number): Promise<EngineStatus> {
  try {
    const v = await bounded(timeoutMs, (signal) => docker.version({ abortSignal: signal } as never) as unknown as Promise<{ Version?: string; ApiVersion?: string; Os?: string; Arch?: string } | null>);
    if (!v || typeof v !== 'object' || typeof v.ApiVersion !== 'string') {
      return { available: false, host: ep.host, version: null, apiVersion: null, platform: null, problem: diagnose(Object.assign(new Error('bad answer'), { statusCode: 200 }), ep, timeoutMs) };
    }
    return { available: true, host: ep.host, version: v.Version ?? null, apiVersion: v.ApiVersion, platform: v.Os && v.Arch ? `${v.Os}/${v.Arch}` : null, problem: null };
  } catch (e) {
    return { available: false, host: ep.host, version: null, apiVersion: null, platform: null, problem: diagnose(e, ep, timeoutMs) };
  }
}

/** A promise bounded by `ms`: the signal aborts the request, the rejection carries code TIMEOUT. */
export async function bounded<T>(ms: number, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ac = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      ac.abort();
      reject(Object.assign(new Error('timeout'), { code: 'TIMEOUT' }));
    }, ms);
  });
  try {
    return await Promise.race([fn(ac.signal), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
