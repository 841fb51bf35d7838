import os from 'node:os';
import type Docker from 'dockerode';
import type { KubeConfig } from '@kubernetes/client-node';
import { k8s } from '../deploy/kubernetes/lazy';
import { MldeskError } from '../../../shared/contract/errors';
import type { TargetKind } from '../../../shared/contract/targets';
import type { Endpoint } from '../containers/engine';

/**
 * A target as stored: the non-secret settings (the `targets.config` column) and the names of its sealed secrets.
 * Secrets live in the SecretStore under `target:<name>:<what>`; nothing here ever holds their text.
 */

export type SecretKey = 'tls-ca' | 'tls-cert' | 'tls-key' | 'ssh-key' | 'ssh-passphrase' | 'ssh-password' | 'registry-password' | 'kubeconfig';

/** How a secret is named to the user (target.secrets). */
export const SECRET_LABELS: Record<SecretKey, string> = {
  'tls-ca': 'TLS CA',
  'tls-cert': 'TLS certificate',
  'tls-key': 'TLS key',
  'ssh-key': 'SSH key',
  'ssh-passphrase': 'SSH passphrase',
  'ssh-password': 'SSH password',
  'registry-password': 'registry password',
  kubeconfig: 'kubeconfig',
};
export const SECRET_KEYS = Object.keys(SECRET_LABELS) as SecretKey[];

export const secretName = (target: string, what: SecretKey): string => `target:${target}:${what}`;

export interface StoredRegistry {
  url: string;
  username: string | null;
  /** Whether a password is sealed for it. */
  password: boolean;
}

export interface DockerConfig {
  kind: 'docker' | 'swarm';
  host: string;
  tls: boolean;
  /** ssh:// only: how it authenticates (the key/passphrase/password themselves are sealed). */
  ssh: { key: boolean; passphrase: boolean; password: boolean } | null;
  endpointHost: string | null;
  registry: StoredRegistry | null;
}

export interface KubeTargetConfig {
  kind: 'kubernetes';
  /** The API server URL of the chosen context's cluster (shown; the kubeconfig itself is sealed). */
  server: string;
  context: string;
  namespace: string;
  endpointHost: string | null;
  registry: StoredRegistry | null;
}

export type TargetConfig = DockerConfig | KubeTargetConfig;

/** Reads a secret by key (null when none is stored). */
export type SecretReader = (what: SecretKey) => string | null;

// ── Docker ───────────────────────────────────────────────────────────────────────────────────────────────────────

interface ParsedDockerHost {
  kind: 'unix' | 'npipe' | 'tcp' | 'ssh';
  /** The host name or IP (null for a socket). */
  hostname: string | null;
  port: number | null;
  username: string | null;
  socket: string | null;
}

/** unix:///path, npipe:////./pipe/x, tcp://host[:port], ssh://[user@]host[:port] → its parts; INVALID_INPUT otherwise. */
export function parseDockerHost(raw: string): ParsedDockerHost {
  const bad = (why: string) => new MldeskError('INVALID_INPUT', `Docker host "${raw}" is not usable: ${why} (give unix:///path/to/docker.sock, tcp://HOST:PORT or ssh://USER@HOST[:PORT])`);
  if (raw.startsWith('unix://')) {
    const socket = raw.slice('unix://'.length);
    if (!socket.startsWith('/')) throw bad('a unix:// address needs an absolute socket path');
    return { kind: 'unix', hostname: null, port: null, username: null, socket };
  }
  if (raw.startsWith('npipe://')) return { kind: 'npipe', hostname: null, port: null, username: null, socket: raw.slice('npipe://'.length) || '//./pipe/docker_engine' };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw bad('not a URL');
  }
  if (url.protocol !== 'tcp:' && url.protocol !== 'ssh:') throw bad(`unsupported scheme ${url.protocol}//`);
  if (!url.hostname) throw bad('no host');
  if (url.pathname && url.pathname !== '/' && url.pathname !== '') throw bad('no path expected after the host');
  if (url.protocol === 'tcp:' && (url.username || url.password)) throw bad('tcp:// takes no user name or password (use mutual TLS)');
  if (url.password) throw bad('put the SSH password in its own field, not in the URL');
  const port = url.port ? Number(url.port) : null;
  return { kind: url.protocol === 'ssh:' ? 'ssh' : 'tcp', hostname: url.hostname.replace(/^\[|\]$/g, ''), port, username: url.username ? decodeURIComponent(url.username) : null, socket: null };
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '0:0:0:0:0:0:0:1']);
export const isLoopback = (host: string | null): boolean => host !== null && (LOOPBACK.has(host.toLowerCase()) || /^127\.\d+\.\d+\.\d+$/.test(host));

/** The address published ports are reached at: the URL's host for tcp/ssh, 127.0.0.1 for a socket. */
export function defaultDockerEndpointHost(host: string): string {
  const p = parseDockerHost(host);
  return p.hostname ?? '127.0.0.1';
}

export function dockerOnThisMachine(host: string): boolean {
  const p = parseDockerHost(host);
  return p.kind === 'unix' || p.kind === 'npipe' || isLoopback(p.hostname);
}

/**
 * The dockerode options (and an Endpoint for containers/engine.ts's `diagnose`) of a Docker target. `timeoutMs`
 * bounds each request (tests of the connection); deploys pass none (an image upload may take minutes).
 */
export function dockerEndpoint(cfg: Pick<DockerConfig, 'host' | 'tls'>, secret: SecretReader, timeoutMs?: number): Endpoint {
  const p = parseDockerHost(cfg.host);
  const timeout = timeoutMs ? { timeout: timeoutMs } : {};
  if (p.kind === 'unix' || p.kind === 'npipe') return { host: cfg.host, kind: p.kind, fromEnv: false, options: { socketPath: p.socket!, ...timeout } };
  if (p.kind === 'ssh') {
    const key = secret('ssh-key');
    const passphrase = secret('ssh-passphrase');
    const password = secret('ssh-password');
    const sshOptions: Record<string, unknown> = {};
    if (key) sshOptions.privateKey = key;
    if (passphrase) sshOptions.passphrase = passphrase;
    if (password) sshOptions.password = password;
    // Neither key nor password: the user's ssh agent, as `docker -H ssh://` does.
    if (!key && !password && process.env.SSH_AUTH_SOCK) sshOptions.agent = process.env.SSH_AUTH_SOCK;
    if (timeoutMs) sshOptions.readyTimeout = timeoutMs;
    const options = {
      protocol: 'ssh',
      host: p.hostname!,
      port: p.port ?? 22,
      username: p.username ?? os.userInfo().username,
      sshOptions,
      ...timeout,
    } as unknown as Docker.DockerOptions;
    return { host: cfg.host, kind: 'ssh', fromEnv: false, options };
  }
  const port = p.port ?? (cfg.tls ? 2376 : 2375);
  const options: Docker.DockerOptions = { host: p.hostname!, port, protocol: cfg.tls ? 'https' : 'http', ...timeout };
  if (cfg.tls) {
    const ca = secret('tls-ca');
    const cert = secret('tls-cert');
    const key = secret('tls-key');
    if (!ca || !cert || !key) throw new MldeskError('FAILED_PRECONDITION', `The TLS certificates of ${cfg.host} are not stored; add the target again with --tls-ca, --tls-cert and --tls-key`);
    options.ca = ca;
    options.cert = cert;
    options.key = key;
  }
  return { host: `tcp://${p.hostname!.includes(':') ? `[${p.hostname}]` : p.hostname}:${port}${cfg.tls ? ' (tls)' : ''}`, kind: 'tcp', fromEnv: false, options };
}

// ── Kubernetes ───────────────────────────────────────────────────────────────────────────────────────────────────

/**
 * A kubeconfig's text → the config with `context` selected (default: its current context). INVALID_INPUT for text
 * that is not a kubeconfig, and for an unknown context (naming the ones it has).
 */
export function loadKubeConfig(text: string, context: string | null | undefined): KubeConfig {
  const kc = new (k8s().KubeConfig)();
  try {
    kc.loadFromString(text);
  } catch (e) {
    // The parser's message may quote the text: say only that it is not a kubeconfig.
    throw new MldeskError('INVALID_INPUT', `The kubeconfig is not valid YAML of a kubeconfig (${e instanceof Error ? e.name : 'parse error'})`);
  }
  const names = kc.getContexts().map((c) => c.name);
  if (names.length === 0) throw new MldeskError('INVALID_INPUT', 'The kubeconfig has no contexts');
  const want = context || kc.getCurrentContext() || (names.length === 1 ? names[0]! : '');
  if (!want) throw new MldeskError('INVALID_INPUT', `The kubeconfig has no current context: choose one with --context (contexts: ${names.join(', ')})`);
  if (!names.includes(want)) throw new MldeskError('INVALID_INPUT', `The kubeconfig has no context '${want}' (contexts: ${names.join(', ')})`);
  kc.setCurrentContext(want);
  const cluster = kc.getCurrentCluster();
  if (!cluster?.server) throw new MldeskError('INVALID_INPUT', `The context '${want}' names no cluster with a server URL`);
  return kc;
}

export function kubeServer(kc: KubeConfig): URL {
  const server = kc.getCurrentCluster()?.server ?? '';
  try {
    return new URL(server);
  } catch {
    throw new MldeskError('INVALID_INPUT', `The cluster's server "${server}" is not a URL`);
  }
}

// ── shared ───────────────────────────────────────────────────────────────────────────────────────────────────────

export function endpointHostOf(cfg: TargetConfig): string {
  if (cfg.endpointHost) return cfg.endpointHost;
  if (cfg.kind === 'kubernetes') {
    try {
      return new URL(cfg.server).hostname.replace(/^\[|\]$/g, '');
    } catch {
      return '127.0.0.1';
    }
  }
  return defaultDockerEndpointHost(cfg.host);
}

export function onThisMachineOf(cfg: TargetConfig): boolean {
  if (cfg.kind === 'kubernetes') {
    try {
      return isLoopback(new URL(cfg.server).hostname.replace(/^\[|\]$/g, ''));
    } catch {
      return false;
    }
  }
  return dockerOnThisMachine(cfg.host);
}

export const kindOf = (cfg: TargetConfig): TargetKind => cfg.kind;
