import { randomUUID } from 'node:crypto';
import type { SavedView } from '../../../shared/contract/views';
import type { EngineContext } from '../context';
import type { Experiments } from './experiments';

interface ViewRow {
  id: string;
  experiment_id: number;
  name: string;
  state: string;
  created_at: number;
  updated_at: number;
}

const toView = (r: ViewRow): SavedView => ({
  id: r.id,
  experimentId: String(r.experiment_id),
  name: r.name,
  state: JSON.parse(r.state) as Record<string, unknown>,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** Saved comparison views per experiment (the UI's state is opaque JSON here). */
export class SavedViews {
  constructor(
    private readonly ctx: EngineContext,
    private readonly experiments: Experiments,
  ) {}

  list(experimentId: string): SavedView[] {
    this.experiments.row(experimentId);
    return (this.ctx.store.db.prepare('SELECT * FROM saved_views WHERE experiment_id = ? ORDER BY updated_at DESC, name').all(Number(experimentId)) as ViewRow[]).map(toView);
  }

  save(experimentId: string, name: string, state: Record<string, unknown>): SavedView {
    this.experiments.row(experimentId);
    const now = Date.now();
    const db = this.ctx.store.db;
    db.prepare(
      `INSERT INTO saved_views (id, experiment_id, name, state, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (experiment_id, name) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at`,
    ).run(randomUUID(), Number(experimentId), name, JSON.stringify(state), now, now);
    const row = db.prepare('SELECT * FROM saved_views WHERE experiment_id = ? AND name = ?').get(Number(experimentId), name) as ViewRow;
    this.ctx.events.publish('views.changed', { experimentId });
    return toView(row);
  }

  delete(id: string): { deleted: boolean } {
    const db = this.ctx.store.db;
    const row = db.prepare('SELECT experiment_id FROM saved_views WHERE id = ?').get(id) as { experiment_id: number } | undefined;
    if (!row) return { deleted: false };
    db.prepare('DELETE FROM saved_views WHERE id = ?').run(id);
    this.ctx.events.publish('views.changed', { experimentId: String(row.experiment_id) });
    return { deleted: true };
  }
}
