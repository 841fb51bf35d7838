import type { z } from 'zod';
import type { RolloutReport, runtimeChoice } from '../../../shared/contract';
import type { EngineContext } from '../context';
import { parseJsonColumn } from '../store/json';

/** Where each deployment's pull loop stopped: the runtime's own seq in one serving container. */
export interface RecordsCursor {
  container: string;
  after: number;
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
}

const fromRaw = (r: Raw): DeploymentRow => ({
  name: r.name,
  target: r.target,
  model: r.model,
  version: r.version,
  runId: r.run_id,
  runtime: parseJsonColumn(r.runtime, { kind: 'onnx' } as DeploymentRow['runtime']),
  port: r.port,
  cpus: r.cpus,
  memoryMb: r.memory_mb,
  env: parseJsonColumn(r.env, {}),
  readyTimeoutSec: r.ready_timeout_sec,
  imageRef: r.image_ref,
  imageDigest: r.image_digest,
  desired: r.desired,
  serverContainer: r.server_container,
  serverPort: r.server_port,
  proxyContainer: r.proxy_container,
  proxyToken: r.proxy_token,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  lastRollout: parseJsonColumn(r.last_rollout, null),
  recordsCursor: parseJsonColumn(r.records_cursor, null),
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
};
const JSON_FIELDS = new Set<keyof DeploymentRow>(['runtime', 'env', 'lastRollout', 'recordsCursor']);

function toDb(k: keyof DeploymentRow, v: unknown): unknown {
  if (JSON_FIELDS.has(k)) return v === null || v === undefined ? (k === 'env' ? '{}' : k === 'runtime' ? '{"kind":"onnx"}' : null) : JSON.stringify(v);
  return v ?? null;
}

/** The `deployments` table. */
export class DeploymentsTable {
  constructor(private readonly ctx: EngineContext) {}

  private get db() {
    return this.ctx.store.db;
  }

  all(): DeploymentRow[] {
    return (this.db.prepare('SELECT * FROM deployments ORDER BY name').all() as Raw[]).map(fromRaw);
  }

  get(name: string): DeploymentRow | null {
    const r = this.db.prepare('SELECT * FROM deployments WHERE name = ?').get(name) as Raw | undefined;
    return r ? fromRaw(r) : null;
  }

  byModel(model: string, version?: string): DeploymentRow[] {
    const rows = version === undefined
      ? this.db.prepare('SELECT * FROM deployments WHERE model = ? ORDER BY name').all(model)
      : this.db.prepare('SELECT * FROM deployments WHERE model = ? AND version = ? ORDER BY name').all(model, version);
    return (rows as Raw[]).map(fromRaw);
  }

  portOwner(port: number): string | null {
    return (this.db.prepare('SELECT name FROM deployments WHERE port = ?').pluck().get(port) as string | undefined) ?? null;
  }

  insert(row: DeploymentRow): void {
    const keys = Object.keys(COLUMNS) as Array<keyof DeploymentRow>;
    this.db
      .prepare(`INSERT INTO deployments (${keys.map((k) => COLUMNS[k]).join(', ')}) VALUES (${keys.map(() => '?').join(', ')})`)
      .run(...keys.map((k) => toDb(k, row[k])));
  }

  update(name: string, patch: Partial<DeploymentRow>): void {
    const keys = (Object.keys(patch) as Array<keyof DeploymentRow>).filter((k) => k !== 'name');
    if (keys.length === 0) return;
    const withTime = keys.includes('updatedAt') ? keys : [...keys, 'updatedAt' as const];
    const values = withTime.map((k) => toDb(k, k === 'updatedAt' ? (patch.updatedAt ?? Date.now()) : patch[k]));
    this.db.prepare(`UPDATE deployments SET ${withTime.map((k) => `${COLUMNS[k]} = ?`).join(', ')} WHERE name = ?`).run(...values, name);
  }

  delete(name: string): void {
    this.db.prepare('DELETE FROM deployments WHERE name = ?').run(name);
  }
}
