import type { Experiment } from '../../../shared/contract/tracking';
import type { EngineContext } from '../context';
import { validateArtifactLocation } from './artifacts';
import { alreadyExists, invalidParam, invalidState, notFound } from './errors';
import { MAX_EXPERIMENT_NAME_LENGTH, MAX_EXPERIMENT_TAG_VAL_LENGTH, MAX_ENTITY_KEY_LENGTH, validateExperimentId, validateLength, validateName } from './validate';

interface ExperimentRow {
  experiment_id: number;
  name: string;
  artifact_location: string;
  lifecycle_stage: 'active' | 'deleted';
  creation_time: number | null;
  last_update_time: number | null;
}

export type ViewType = 'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL';
export const stageFor = (v: ViewType): string[] => (v === 'ACTIVE_ONLY' ? ['active'] : v === 'DELETED_ONLY' ? ['deleted'] : ['active', 'deleted']);

export class Experiments {
  constructor(private readonly ctx: EngineContext) {}
  private get db() {
    return this.ctx.store.db;
  }

  toJson(row: ExperimentRow): Experiment {
    const tags = this.db.prepare('SELECT key, value FROM experiment_tags WHERE experiment_id = ? ORDER BY key').all(row.experiment_id) as Experiment['tags'];
    const e: Experiment = {
      experiment_id: String(row.experiment_id),
      name: row.name,
      artifact_location: row.artifact_location,
      lifecycle_stage: row.lifecycle_stage,
      tags,
    };
    if (row.creation_time !== null) e.creation_time = row.creation_time;
    if (row.last_update_time !== null) e.last_update_time = row.last_update_time;
    return e;
  }

  row(id: string | number): ExperimentRow {
    const n = typeof id === 'number' ? id : validateExperimentId(id);
    const row = this.db.prepare('SELECT * FROM experiments WHERE experiment_id = ?').get(n) as ExperimentRow | undefined;
    if (!row) throw notFound(`No Experiment with id=${id} exists`);
    return row;
  }

  get(id: string | number): Experiment {
    return this.toJson(this.row(id));
  }

  getByName(name: string): Experiment {
    const row = this.db.prepare('SELECT * FROM experiments WHERE name = ?').get(name) as ExperimentRow | undefined;
    if (!row) throw notFound(`Could not find experiment with name '${name}'`);
    return this.toJson(row);
  }

  findIdByName(name: string): number | undefined {
    return this.db.prepare('SELECT experiment_id FROM experiments WHERE name = ?').pluck().get(name) as number | undefined;
  }

  create(name: string, artifactLocation?: string, tags: Array<{ key: string; value: string }> = []): string {
    if (!name) throw invalidParam(`Invalid experiment name: '${name}'`);
    validateLength('name', MAX_EXPERIMENT_NAME_LENGTH, name);
    for (const t of tags) this.validateTag(t.key, t.value);
    // Stored as given (MLflow clients write to s3://… themselves); mldesk only ever reads its own store.
    if (artifactLocation) validateArtifactLocation(artifactLocation);
    const now = Date.now();
    const id = this.db.transaction(() => {
      if (this.findIdByName(name) !== undefined) throw alreadyExists(`Experiment(name=${name}) already exists. Error: UNIQUE constraint failed: experiments.name`);
      const next = ((this.db.prepare('SELECT MAX(experiment_id) FROM experiments').pluck().get() as number | null) ?? 0) + 1;
      const location = artifactLocation || `mlflow-artifacts:/${next}`;
      this.db.prepare('INSERT INTO experiments VALUES (?, ?, ?, ?, ?, ?)').run(next, name, location, 'active', now, now);
      const put = this.db.prepare('INSERT OR REPLACE INTO experiment_tags VALUES (?, ?, ?)');
      for (const t of tags) put.run(next, t.key, t.value);
      return next;
    }).immediate();
    this.ctx.audit('experiment.create', String(id), { name });
    this.ctx.events.publish('tracking.experimentsChanged', { experiment_id: String(id) });
    return String(id);
  }

  /** Experiment id for a name, creating it when missing (launcher, demo). */
  ensure(name: string): string {
    const found = this.findIdByName(name);
    return found !== undefined ? String(found) : this.create(name);
  }

  rename(id: string, newName: string): void {
    const row = this.row(id);
    if (row.lifecycle_stage !== 'active') throw invalidState(`Cannot rename a non-active experiment. Experiment ${id} is deleted.`);
    if (!newName) throw invalidParam(`Invalid experiment name: '${newName}'`);
    validateLength('name', MAX_EXPERIMENT_NAME_LENGTH, newName);
    const other = this.findIdByName(newName);
    if (other !== undefined && other !== row.experiment_id) throw alreadyExists(`Experiment(name=${newName}) already exists.`);
    this.db.prepare('UPDATE experiments SET name = ?, last_update_time = ? WHERE experiment_id = ?').run(newName, Date.now(), row.experiment_id);
    this.ctx.events.publish('tracking.experimentsChanged', { experiment_id: id });
  }

  setLifecycle(id: string, stage: 'active' | 'deleted'): void {
    const row = this.row(id);
    if (row.lifecycle_stage === stage) {
      throw invalidState(stage === 'deleted' ? `Cannot delete an already deleted experiment.` : `Cannot restore an active experiment.`);
    }
    const now = Date.now();
    this.db.transaction(() => {
      this.db.prepare('UPDATE experiments SET lifecycle_stage = ?, last_update_time = ? WHERE experiment_id = ?').run(stage, now, row.experiment_id);
      // MLflow deletes/restores the experiment's runs with it.
      this.db
        .prepare(`UPDATE runs SET lifecycle_stage = ?, deleted_time = ? WHERE experiment_id = ? AND lifecycle_stage = ?`)
        .run(stage, stage === 'deleted' ? now : null, row.experiment_id, stage === 'deleted' ? 'active' : 'deleted');
    })();
    this.ctx.audit(`experiment.${stage === 'deleted' ? 'delete' : 'restore'}`, id);
    this.ctx.events.publish('tracking.experimentsChanged', { experiment_id: id });
  }

  private validateTag(key: string, value: string): void {
    validateName(key, 'key');
    validateLength('key', MAX_ENTITY_KEY_LENGTH, key);
    validateLength('value', MAX_EXPERIMENT_TAG_VAL_LENGTH, value);
  }

  setTag(id: string, key: string, value: string): void {
    const row = this.row(id);
    if (row.lifecycle_stage !== 'active') throw invalidState(`The experiment ${id} must be in the 'active' state. Current state is deleted.`);
    this.validateTag(key, value);
    this.db.prepare('INSERT OR REPLACE INTO experiment_tags VALUES (?, ?, ?)').run(row.experiment_id, key, value);
  }

  deleteTag(id: string, key: string): void {
    const row = this.row(id);
    const r = this.db.prepare('DELETE FROM experiment_tags WHERE experiment_id = ? AND key = ?').run(row.experiment_id, key);
    if (r.changes === 0) throw notFound(`No tag with name: ${key} in experiment with id ${id}`);
  }

  /** Rows for search: filter/order are compiled by the caller; here only view type + paging. */
  list(viewType: ViewType): ExperimentRow[] {
    const stages = stageFor(viewType);
    return this.db
      .prepare(`SELECT * FROM experiments WHERE lifecycle_stage IN (${stages.map(() => '?').join(',')}) ORDER BY experiment_id`)
      .all(...stages) as ExperimentRow[];
  }
}
