import Docker from 'dockerode';
import type { KubeConfig } from '@kubernetes/client-node';
import { MldeskError } from '../../../shared/contract/errors';
import { LOCAL_TARGET, type Target, type TargetTest, type targetInput } from '../../../shared/contract/targets';
import type { z } from 'zod';
import type { EngineContext } from '../context';
import type { Containers } from '../containers';
import { EndpointError, endpointFromEnv, type Endpoint } from '../containers/engine';
import { parseJsonColumn } from '../store';
import { redact, registerSecret, SecretStore } from '../secrets';
import type { RegistryAuth, TargetConnection, TargetsApi } from './api';
import {
  dockerEndpoint,
  dockerOnThisMachine,
  endpointHostOf,
  isLoopback,
  kubeServer,
  loadKubeConfig,
  onThisMachineOf,
  parseDockerHost,
  SECRET_KEYS,
  SECRET_LABELS,
  secretName,
  type SecretKey,
  type SecretReader,
  type StoredRegistry,
  type TargetConfig,
} from './config';
import { testDocker, type Findings } from './dockerTest';
import { testKube } from './kubeTest';

export interface TargetsDeps {
  containers: Containers;
}

export interface TargetsOptions {
  /** Bound of each call a connection test makes (default 5 s). */
  testTimeoutMs?: number;
}

type TargetInput = z.output<typeof targetInput>;

interface Row {
  name: string;
  kind: string;
  config: string;
  created_at: number;
  updated_at: number;
  last_test: string | null;
}

/** A target's settings and its secrets in memory (an unsaved input being tested, or a saved one being added). */
interface Resolved {
  name: string;
  config: TargetConfig;
  secrets: Partial<Record<SecretKey, string>>;
}

/**
 * Deployment targets: the built-in local engine (the containers feature's) and the remote Docker engines, Swarm
 * managers and Kubernetes contexts a team adds. Settings live in the `targets` table; every secret is sealed in the
 * data dir's SecretStore under `target:<name>:<what>`, and only a connection (never the text) leaves this module.
 */
export class TargetsService implements TargetsApi {
  readonly secrets: SecretStore;
  private readonly testTimeoutMs: number;
  private localLastTest: TargetTest | null = null;
  private readonly connections = new Map<string, { updatedAt: number; conn: TargetConnection }>();

  constructor(
    readonly ctx: EngineContext,
    readonly deps: TargetsDeps,
    opts: TargetsOptions = {},
  ) {
    this.secrets = new SecretStore(ctx.dataDir);
    this.testTimeoutMs = opts.testTimeoutMs ?? 5_000;
  }

  // ── reading ──────────────────────────────────────────────────────────────

  private row(name: string): Row | null {
    return (this.ctx.store.db.prepare('SELECT * FROM targets WHERE name = ?').get(name) as Row | undefined) ?? null;
  }

  private storedSecretKeys(name: string): SecretKey[] {
    const prefix = `target:${name}:`;
    const have = new Set(this.secrets.names().filter((n) => n.startsWith(prefix)).map((n) => n.slice(prefix.length)));
    return SECRET_KEYS.filter((k) => have.has(k));
  }

  private localEndpoint(): { ep: Endpoint | null; host: string; problem: EndpointError | null } {
    try {
      const ep = endpointFromEnv();
      return { ep, host: ep.host, problem: null };
    } catch (e) {
      if (e instanceof EndpointError) return { ep: null, host: e.host, problem: e };
      throw e;
    }
  }

  private localTarget(): Target {
    const { ep, host } = this.localEndpoint();
    const hostname = ep && (ep.kind === 'tcp' || ep.kind === 'ssh') ? String((ep.options as { host?: string }).host ?? '127.0.0.1') : '127.0.0.1';
    return {
      name: LOCAL_TARGET,
      kind: 'docker',
      builtin: true,
      endpoint: host,
      context: null,
      namespace: null,
      tls: ep?.options.protocol === 'https',
      endpointHost: hostname,
      registry: null,
      secrets: [],
      createdAt: 0,
      lastTest: this.localLastTest,
    };
  }

  private toTarget(r: Row): Target {
    const cfg = parseJsonColumn<TargetConfig>(r.config, { kind: 'docker', host: 'unix:///var/run/docker.sock', tls: false, ssh: null, endpointHost: null, registry: null });
    const kube = cfg.kind === 'kubernetes' ? cfg : null;
    return {
      name: r.name,
      kind: cfg.kind,
      builtin: false,
      endpoint: kube ? kube.server : (cfg as { host: string }).host,
      context: kube?.context ?? null,
      namespace: kube?.namespace ?? null,
      tls: kube ? kube.server.startsWith('https:') : (cfg as { tls: boolean }).tls,
      endpointHost: endpointHostOf(cfg),
      registry: cfg.registry ? { url: cfg.registry.url, username: cfg.registry.username } : null,
      secrets: this.storedSecretKeys(r.name).map((k) => SECRET_LABELS[k]),
      createdAt: r.created_at,
      lastTest: parseJsonColumn<TargetTest | null>(r.last_test, null),
    };
  }

  list(): Target[] {
    const rows = this.ctx.store.db.prepare('SELECT * FROM targets ORDER BY name').all() as Row[];
    return [this.localTarget(), ...rows.map((r) => this.toTarget(r))];
  }

  get(name: string): Target {
    if (name === LOCAL_TARGET) return this.localTarget();
    const r = this.row(name);
    if (!r) throw this.notFound(name);
    return this.toTarget(r);
  }

  private notFound(name: string): MldeskError {
    const names = [LOCAL_TARGET, ...(this.ctx.store.db.prepare('SELECT name FROM targets ORDER BY name').all() as Array<{ name: string }>).map((r) => r.name)];
    return new MldeskError('NOT_FOUND', `No target named '${name}' (targets: ${names.join(', ')})`);
  }

  // ── adding ───────────────────────────────────────────────────────────────

  /** A validated input → its settings and secrets (INVALID_INPUT for what the schema cannot see: schemes, contexts). */
  private resolve(input: TargetInput): Resolved {
    const secrets: Partial<Record<SecretKey, string>> = {};
    const registry: StoredRegistry | null = input.registry ? { url: input.registry.url, username: input.registry.username ?? null, password: !!input.registry.password } : null;
    if (input.registry?.password) secrets['registry-password'] = input.registry.password;
    if (input.kind === 'kubernetes') {
      const kc = loadKubeConfig(input.kubeconfig, input.context);
      registerKubeSecrets(kc);
      secrets.kubeconfig = input.kubeconfig;
      const server = kubeServer(kc).toString().replace(/\/$/, '');
      return { name: input.name, config: { kind: 'kubernetes', server, context: kc.getCurrentContext(), namespace: input.namespace, endpointHost: input.endpointHost ?? null, registry }, secrets };
    }
    const p = parseDockerHost(input.host);
    if (input.tls && p.kind !== 'tcp') throw new MldeskError('INVALID_INPUT', 'TLS certificates go with a tcp:// Docker host');
    if (input.ssh && p.kind !== 'ssh') throw new MldeskError('INVALID_INPUT', 'SSH credentials go with an ssh:// Docker host');
    if (input.tls) {
      secrets['tls-ca'] = input.tls.ca;
      secrets['tls-cert'] = input.tls.cert;
      secrets['tls-key'] = input.tls.key;
    }
    if (input.ssh?.privateKey) secrets['ssh-key'] = input.ssh.privateKey;
    if (input.ssh?.passphrase) secrets['ssh-passphrase'] = input.ssh.passphrase;
    if (input.ssh?.password) secrets['ssh-password'] = input.ssh.password;
    const ssh = p.kind === 'ssh' ? { key: !!input.ssh?.privateKey, passphrase: !!input.ssh?.passphrase, password: !!input.ssh?.password } : null;
    return { name: input.name, config: { kind: input.swarm ? 'swarm' : 'docker', host: input.host, tls: !!input.tls, ssh, endpointHost: input.endpointHost ?? null, registry }, secrets };
  }

  add(input: TargetInput): Target {
    if (input.name === LOCAL_TARGET) throw new MldeskError('ALREADY_EXISTS', `'${LOCAL_TARGET}' is the built-in local engine; give the target another name`);
    for (const v of secretValues(input)) registerSecret(v);
    const existing = this.row(input.name);
    if (existing && !input.replace) throw new MldeskError('ALREADY_EXISTS', `A target named '${input.name}' exists (replace it with replace: true, or remove it first)`);
    const r = this.resolve(input);
    // Secrets first: a row never points at secrets that are not there. Stale ones of a replaced target go.
    for (const k of SECRET_KEYS) {
      const v = r.secrets[k];
      if (v !== undefined) this.secrets.set(secretName(r.name, k), v);
      else this.secrets.delete(secretName(r.name, k));
    }
    const now = Date.now();
    this.ctx.store.db
      .prepare(
        `INSERT INTO targets (name, kind, config, created_at, updated_at, last_test) VALUES (?, ?, ?, ?, ?, NULL)
         ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, config = excluded.config, updated_at = excluded.updated_at, last_test = NULL`,
      )
      .run(r.name, r.config.kind, JSON.stringify(r.config), now, now);
    this.connections.delete(r.name);
    this.ctx.audit(existing ? 'targets.replace' : 'targets.add', r.name, { kind: r.config.kind, endpoint: r.config.kind === 'kubernetes' ? r.config.server : r.config.host });
    return this.get(r.name);
  }

  remove(name: string): void {
    if (name === LOCAL_TARGET) throw new MldeskError('FAILED_PRECONDITION', `'${LOCAL_TARGET}' is the built-in local engine and cannot be removed`);
    if (!this.row(name)) throw this.notFound(name);
    const using = (this.ctx.store.db.prepare('SELECT name FROM deployments WHERE target = ? ORDER BY name').all(name) as Array<{ name: string }>).map((d) => d.name);
    if (using.length) {
      throw new MldeskError('CONFLICT', `Target '${name}' is used by ${using.length === 1 ? 'deployment' : 'deployments'} ${using.map((d) => `'${d}'`).join(', ')}: undeploy ${using.length === 1 ? 'it' : 'them'} first`, { deployments: using });
    }
    this.ctx.store.db.transaction(() => {
      this.ctx.store.db.prepare('DELETE FROM targets WHERE name = ?').run(name);
      // The one-click settings of a target that is gone would deploy nowhere.
      this.ctx.store.db.prepare('DELETE FROM deploy_presets WHERE target = ?').run(name);
    })();
    for (const k of SECRET_KEYS) this.secrets.delete(secretName(name, k));
    this.connections.delete(name);
    this.ctx.audit('targets.remove', name);
  }

  // ── secrets of a saved target ────────────────────────────────────────────

  private reader(name: string): SecretReader {
    return (what) => this.secrets.get(secretName(name, what));
  }

  private stored(name: string): { row: Row; config: TargetConfig } {
    const row = this.row(name);
    if (!row) throw this.notFound(name);
    return { row, config: JSON.parse(row.config) as TargetConfig };
  }

  // ── testing ──────────────────────────────────────────────────────────────

  /** Tests a saved target (its result is kept as its last test) or an unsaved input. Never throws for an unreachable target. */
  async test(arg: { name: string } | { input: TargetInput }): Promise<TargetTest> {
    const started = Date.now();
    let findings: Findings;
    if ('input' in arg) {
      for (const v of secretValues(arg.input)) registerSecret(v);
      const r = this.resolve(arg.input);
      findings = await this.testResolved(r.config, (k) => r.secrets[k] ?? null);
    } else if (arg.name === LOCAL_TARGET) {
      findings = await this.testLocal();
    } else {
      const { config } = this.stored(arg.name);
      findings = await this.testResolved(config, this.reader(arg.name));
    }
    const result: TargetTest = {
      ok: findings.error === null && !findings.blocking,
      at: started,
      ms: Date.now() - started,
      engine: findings.engine,
      nodes: findings.nodes,
      missing: findings.missing.map(redact),
      error: findings.error ? { code: findings.error.code, message: redact(findings.error.message), hint: redact(findings.error.hint) } : null,
    };
    if ('name' in arg) {
      if (arg.name === LOCAL_TARGET) this.localLastTest = result;
      else this.ctx.store.db.prepare('UPDATE targets SET last_test = ? WHERE name = ?').run(JSON.stringify(result), arg.name);
    }
    return result;
  }

  private async testLocal(): Promise<Findings> {
    const { ep, problem } = this.localEndpoint();
    if (!ep) return { engine: null, nodes: [], missing: [], blocking: true, error: problem ? { ...problem.problem } : { code: 'ERROR', message: 'No Docker endpoint', hint: 'Check DOCKER_HOST.' } };
    return testDocker(this.deps.containers.docker(), ep, { swarm: false, onThisMachine: ep.kind === 'unix' || ep.kind === 'npipe' || isLoopback(String((ep.options as { host?: string }).host ?? '')), registry: false, timeoutMs: this.testTimeoutMs });
  }

  private async testResolved(cfg: TargetConfig, secret: SecretReader): Promise<Findings> {
    const fail = (e: unknown): Findings => ({
      engine: null,
      nodes: [],
      missing: [],
      blocking: true,
      error: { code: e instanceof MldeskError ? e.code : 'ERROR', message: redact(e instanceof Error ? e.message : String(e)), hint: 'Add the target again with its settings (mldesk targets add NAME … --replace, or Settings → Targets).' },
    });
    const registry = !!cfg.registry;
    if (cfg.kind === 'kubernetes') {
      let kc: KubeConfig;
      try {
        const text = secret('kubeconfig');
        if (!text) throw new MldeskError('FAILED_PRECONDITION', 'The kubeconfig of this target is not stored');
        kc = loadKubeConfig(text, cfg.context);
        registerKubeSecrets(kc);
      } catch (e) {
        return fail(e);
      }
      return testKube(kc, { namespace: cfg.namespace, onThisMachine: onThisMachineOf(cfg), registry, timeoutMs: this.testTimeoutMs });
    }
    let ep: Endpoint;
    try {
      ep = dockerEndpoint(cfg, secret, this.testTimeoutMs);
    } catch (e) {
      return fail(e);
    }
    return testDocker(new Docker(ep.options), ep, { swarm: cfg.kind === 'swarm', onThisMachine: dockerOnThisMachine(cfg.host), registry, timeoutMs: this.testTimeoutMs });
  }

  // ── connecting (for deploy, remote runs, monitoring) ─────────────────────

  async connect(name: string): Promise<TargetConnection> {
    if (name === LOCAL_TARGET) {
      const t = this.localTarget();
      const { ep } = this.localEndpoint();
      return {
        name: LOCAL_TARGET,
        kind: 'docker',
        endpointHost: t.endpointHost,
        onThisMachine: !ep || ep.kind === 'unix' || ep.kind === 'npipe' || isLoopback(t.endpointHost),
        registry: null,
        namespace: null,
        docker: () => this.deps.containers.docker(),
        kubeConfig: () => {
          throw new MldeskError('FAILED_PRECONDITION', `'${LOCAL_TARGET}' is a Docker engine, not a Kubernetes context`);
        },
      };
    }
    const { row, config } = this.stored(name);
    const cached = this.connections.get(name);
    if (cached && cached.updatedAt === row.updated_at) return cached.conn;
    const secret = this.reader(name);
    const registry: RegistryAuth | null = config.registry ? { url: config.registry.url, username: config.registry.username, password: config.registry.password ? secret('registry-password') : null } : null;
    let docker: Docker | null = null;
    let kc: KubeConfig | null = null;
    const conn: TargetConnection = {
      name,
      kind: config.kind,
      endpointHost: endpointHostOf(config),
      onThisMachine: onThisMachineOf(config),
      registry,
      namespace: config.kind === 'kubernetes' ? config.namespace : null,
      docker: () => {
        if (config.kind === 'kubernetes') throw new MldeskError('FAILED_PRECONDITION', `Target '${name}' is a Kubernetes context, not a Docker engine`);
        return (docker ??= new Docker(dockerEndpoint(config, secret).options));
      },
      kubeConfig: () => {
        if (config.kind !== 'kubernetes') throw new MldeskError('FAILED_PRECONDITION', `Target '${name}' is a Docker engine, not a Kubernetes context`);
        if (!kc) {
          const text = secret('kubeconfig');
          if (!text) throw new MldeskError('FAILED_PRECONDITION', `The kubeconfig of target '${name}' is not stored: add the target again`);
          kc = loadKubeConfig(text, config.context);
          registerKubeSecrets(kc);
        }
        return kc;
      },
    };
    this.connections.set(name, { updatedAt: row.updated_at, conn });
    return conn;
  }
}

/** Every secret an input carries (registered for redaction before anything can fail and quote one). */
function secretValues(input: TargetInput): string[] {
  const out = [input.registry?.password];
  if (input.kind === 'kubernetes') out.push(input.kubeconfig);
  else out.push(input.tls?.key, input.tls?.cert, input.tls?.ca, input.ssh?.privateKey, input.ssh?.passphrase, input.ssh?.password);
  return out.filter((v): v is string => typeof v === 'string' && v.length > 0);
}

/** The credentials inside a kubeconfig, so a message quoting one (a token in a URL, a key) is redacted. */
function registerKubeSecrets(kc: KubeConfig): void {
  for (const u of kc.getUsers()) {
    registerSecret(u.token);
    registerSecret(u.password);
    registerSecret(u.keyData);
    if (u.keyData) registerSecret(Buffer.from(u.keyData, 'base64').toString('utf8'));
  }
}
