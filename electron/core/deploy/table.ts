import type { z } from 'zod';
import type { RolloutReport, runtimeChoice } from '../../../shared/contract';
import type { EngineContext } from '../context';
import { parseJsonColumn } from '../store/json';
import { SecretStore } from '../secrets';

/** Where each deployment's pull loop stopped: the runtime's own seq in one serving container. */
export interface RecordsCursor {
  container: string;
  after: number;
  /** A cluster deployment's replicas: the runtime seq read up to, per replica (task / pod) id. */
  replicas?: Record<string, number>;
}

/** How a deployment on a cluster target rolls out (deploy input's transport, health, canary, kubernetes). */
export interface ClusterOptions {
  transport: 'auto' | 'registry' | 'stream';
  health: { intervalSec: number; timeoutSec: number; retries: number; startPeriodSec: number } | null;
  canary: { windowSec: number; maxErrorRateDelta: number; maxLatencyRatio: number } | null;
  kubernetes: Record<string, unknown> | null;
}

/** The desired config of one deployment (table `deployments`, migration 6) plus what the last rollout left running. */
export interface DeploymentRow {
  name: string;
  target: string;
  model: string;
  version: string;
  runId: string | null;
  runtime: z.output<typeof runtimeChoice>;
  port: number;
  cpus: number | null;
  memoryMb: number | null;
  env: Record<string, string>;
  readyTimeoutSec: number;
  imageRef: string;
  imageDigest: string;
  desired: 'running' | 'stopped';
  serverContainer: string | null;
  serverPort: number | null;
  proxyContainer: string | null;
  proxyToken: string;
  createdAt: number;
  updatedAt: number;
  lastRollout: RolloutReport | null;
  recordsCursor: RecordsCursor | null;
  replicas: number;
  cluster: ClusterOptions | null;
}

interface Raw {
  name: string;
  target: string;
  model: string;
  version: string;
  run_id: string | null;
  runtime: string;
  port: number;
  cpus: number | null;
  memory_mb: number | null;
  env: string;
  ready_timeout_sec: number;
  image_ref: string;
  image_digest: string;
  desired: 'running' | 'stopped';
  server_container: string | null;
  server_port: number | null;
  proxy_container: string | null;
  proxy_token: string;
  created_at: number;
  updated_at: number;
  last_rollout: string | null;
  records_cursor: string | null;
  replicas: number;
  cluster: string | null;
}

/** What a deployment keeps out of SQLite: env values (often API keys) and the proxy's admin token. */
interface Sealed {
  env: Record<string, string>;
  proxyToken: string;
}
const sealedKey = (name: string) => `deploy:${name}`;

const fromRaw = (r: Raw, sealed: Sealed | null): DeploymentRow => ({
  name: r.name,
  target: r.target,
  model: r.model,
  version: r.version,
  runId: r.run_id,
  runtime: parseJsonColumn(r.runtime, { kind: 'onnx' } as DeploymentRow['runtime']),
  port: r.port,
  cpus: r.cpus,
  memoryMb: r.memory_mb,
  // Rows written before the secret store held them keep their plain values until their next update.
  env: sealed?.env ?? parseJsonColumn(r.env, {}),
  readyTimeoutSec: r.ready_timeout_sec,
  imageRef: r.image_ref,
  imageDigest: r.image_digest,
  desired: r.desired,
  serverContainer: r.server_container,
  serverPort: r.server_port,
  proxyContainer: r.proxy_container,
  proxyToken: sealed?.proxyToken ?? r.proxy_token,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  lastRollout: parseJsonColumn(r.last_rollout, null),
  recordsCursor: parseJsonColumn(r.records_cursor, null),
  replicas: r.replicas ?? 1,
  cluster: parseJsonColumn(r.cluster, null),
});

const COLUMNS: Record<keyof DeploymentRow, string> = {
  name: 'name',
  target: 'target',
  model: 'model',
  version: 'version',
  runId: 'run_id',
  runtime: 'runtime',
  port: 'port',
  cpus: 'cpus',
  memoryMb: 'memory_mb',
  env: 'env',
  readyTimeoutSec: 'ready_timeout_sec',
  imageRef: 'image_ref',
  imageDigest: 'image_digest',
  desired: 'desired',
  serverContainer: 'server_container',
  serverPort: 'server_port',
  proxyContainer: 'proxy_container',
  proxyToken: 'proxy_token',
  createdAt: 'created_at',
  updatedAt: 'updated_at',
  lastRollout: 'last_rollout',
  recordsCursor: 'records_cursor',
  replicas: 'replicas',
  cluster: 'cluster',
};
const JSON_FIELDS = new Set<keyof DeploymentRow>(['runtime', 'env', 'lastRollout', 'recordsCursor', 'cluster']);

function toDb(k: keyof DeploymentRow, v: unknown): unknown {
  if (JSON_FIELDS.has(k)) return v === null || v === undefined ? (k === 'env' ? '{}' : k === 'runtime' ? '{"kind":"onnx"}' : null) : JSON.stringify(v);
  return v ?? null;
}

/**
 * The `deployments` table. Env values and the proxy token live in the data dir's secret store (sealed), the table
 * holds the env's keys only: a copied database file gives away no credential.
 */
export class DeploymentsTable {
  private readonly secrets: SecretStore;

  constructor(private readonly ctx: EngineContext) {
    this.secrets = new SecretStore(ctx.dataDir);
  }

  private get db() {
    return this.ctx.store.db;
  }

  private sealed(name: string): Sealed | null {
    let text: string | null = null;
    try {
      text = this.secrets.get(sealedKey(name));
    } catch {
      return null; // sealed by another key: the row's own (empty) values; a redeploy seals new ones
    }
    return text === null ? null : parseJsonColumn<Sealed | null>(text, null);
  }

  private row(r: Raw): DeploymentRow {
    return fromRaw(r, this.sealed(r.name));
  }

  all(): DeploymentRow[] {
    return (this.db.prepare('SELECT * FROM deployments ORDER BY name').all() as Raw[]).map((r) => this.row(r));
  }

  get(name: string): DeploymentRow | null {
    const r = this.db.prepare('SELECT * FROM deployments WHERE name = ?').get(name) as Raw | undefined;
    return r ? this.row(r) : null;
  }

  byModel(model: string, version?: string): DeploymentRow[] {
    const rows = version === undefined
      ? this.db.prepare('SELECT * FROM deployments WHERE model = ? ORDER BY name').all(model)
      : this.db.prepare('SELECT * FROM deployments WHERE model = ? AND version = ? ORDER BY name').all(model, version);
    return (rows as Raw[]).map((r) => this.row(r));
  }

  /** The deployment holding a port on targets whose ports share this machine's (`local` and the `onThisMachine` ones). */
  portOwner(port: number, targets: string[] = ['local']): string | null {
    const rows = this.db.prepare('SELECT name, target FROM deployments WHERE port = ?').all(port) as Array<{ name: string; target: string }>;
    return rows.find((r) => targets.includes(r.target))?.name ?? null;
  }

  /** The env with its values blanked, as the table keeps it. */
  private static keysOnly(env: Record<string, string>): Record<string, string> {
    return Object.fromEntries(Object.keys(env).map((k) => [k, '']));
  }

  insert(row: DeploymentRow): void {
    const keys = Object.keys(COLUMNS) as Array<keyof DeploymentRow>;
    this.secrets.set(sealedKey(row.name), JSON.stringify({ env: row.env, proxyToken: row.proxyToken } satisfies Sealed));
    const stored = { ...row, env: DeploymentsTable.keysOnly(row.env), proxyToken: '' };
    try {
      this.db
        .prepare(`INSERT INTO deployments (${keys.map((k) => COLUMNS[k]).join(', ')}) VALUES (${keys.map(() => '?').join(', ')})`)
        .run(...keys.map((k) => toDb(k, stored[k])));
    } catch (e) {
      // Another process's deployment of that name: its sealed values are not ours to keep.
      if (!this.db.prepare('SELECT 1 FROM deployments WHERE name = ?').get(row.name)) this.secrets.delete(sealedKey(row.name));
      throw e;
    }
  }

  update(name: string, patch: Partial<DeploymentRow>): void {
    if (patch.env !== undefined || patch.proxyToken !== undefined) {
      const cur = this.get(name);
      if (cur) this.secrets.set(sealedKey(name), JSON.stringify({ env: patch.env ?? cur.env, proxyToken: patch.proxyToken ?? cur.proxyToken } satisfies Sealed));
      patch = { ...patch, ...(patch.env !== undefined ? { env: DeploymentsTable.keysOnly(patch.env) } : {}), ...(patch.proxyToken !== undefined ? { proxyToken: '' } : {}) };
    }
    const keys = (Object.keys(patch) as Array<keyof DeploymentRow>).filter((k) => k !== 'name');
    if (keys.length === 0) return;
    const withTime = keys.includes('updatedAt') ? keys : [...keys, 'updatedAt' as const];
    const values = withTime.map((k) => toDb(k, k === 'updatedAt' ? (patch.updatedAt ?? Date.now()) : patch[k]));
    this.db.prepare(`UPDATE deployments SET ${withTime.map((k) => `${COLUMNS[k]} = ?`).join(', ')} WHERE name = ?`).run(...values, name);
  }

  delete(name: string): void {
    this.db.prepare('DELETE FROM deployments WHERE name = ?').run(name);
    this.secrets.delete(sealedKey(name));
  }
}
