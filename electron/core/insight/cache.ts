import { createHash } from 'node:crypto';
import type { EngineContext } from '../context';

/**
 * Insight results in SQLite (insight_cache, migration 9), keyed by a hash of everything they depend on: the model's
 * ONNX digest, the dataset's digest and the settings. Same key, same numbers: nothing is computed twice, across
 * engine restarts too. Readers of "the latest report of a version" (the model card) go by (model, version, kind).
 */

export type CacheKind = 'global' | 'fairness';

/** A stable key: JSON with sorted object keys, hashed. */
export function cacheKey(kind: CacheKind, parts: Record<string, unknown>): string {
  const stable = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(stable) : v && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, stable((v as Record<string, unknown>)[k])])) : v;
  return `${kind}:${createHash('sha256').update(JSON.stringify(stable(parts))).digest('hex').slice(0, 32)}`;
}

export class InsightCache {
  constructor(private readonly ctx: EngineContext) {}

  get<T>(key: string): T | null {
    const row = this.ctx.store.db.prepare('SELECT value FROM insight_cache WHERE key = ?').get(key) as { value: string } | undefined;
    return row ? (JSON.parse(row.value) as T) : null;
  }

  put(key: string, kind: CacheKind, model: string, version: string, value: unknown): void {
    this.ctx.store.db
      .prepare('INSERT INTO insight_cache (key, kind, model, version, created_at, value) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET created_at = excluded.created_at, value = excluded.value')
      .run(key, kind, model, version, Date.now(), JSON.stringify(value));
  }

  /** The newest result of this kind for a version (whatever its dataset or settings). */
  latest<T>(kind: CacheKind, model: string, version: string): T | null {
    const row = this.ctx.store.db.prepare('SELECT value FROM insight_cache WHERE model = ? AND version = ? AND kind = ? ORDER BY created_at DESC LIMIT 1').get(model, version, kind) as { value: string } | undefined;
    return row ? (JSON.parse(row.value) as T) : null;
  }
}
