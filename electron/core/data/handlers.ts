import fs from 'node:fs';
import path from 'node:path';
import type { Handlers } from '../engine';
import type { EngineContext } from '../context';
import { EXPECTATIONS_SUFFIX, type DataService } from './index';
import { redactPaths } from '../confine';
import type { Expectations } from './validate';
import { datasetVersions, projectRelative, type Pointer } from './versions';

type DataHandlers = { [K in keyof Handlers as K extends `data.${string}` ? K : never]: Handlers[K] };

/** Runs whose logged inputs match a dataset version (name or source = path, digest = a prefix of its sha256). */
export function runsUsing(ctx: EngineContext, rel: string, sha: string) {
  return (
    ctx.store.db
      .prepare(
        `SELECT DISTINCT r.run_uuid AS runId, r.name AS runName, CAST(r.experiment_id AS TEXT) AS experimentId, r.status
         FROM run_inputs ri JOIN datasets d ON d.dataset_uuid = ri.dataset_uuid JOIN runs r ON r.run_uuid = ri.run_uuid
         WHERE (d.source = ? OR d.name = ? OR d.source LIKE '%/' || ?) AND length(d.digest) >= 8 AND substr(?, 1, length(d.digest)) = d.digest
         ORDER BY r.start_time DESC`,
      )
      .all(rel, rel, rel, sha) as Array<{ runId: string; runName: string; experimentId: string; status: string }>
  );
}

export function dataHandlers(ctx: EngineContext, data: DataService): DataHandlers {
  return {
    'data.profile': ({ ref }) => data.profile(ref),
    'data.locate': (input) => data.locate(input),
    'data.diff': ({ a, b, key, offset, limit, kinds, column }) => data.diff(a, b, { key, offset, limit, kinds, column }),
    'data.datasets': async ({ projectId }) => {
      const dir = data.projectDir(projectId);
      const list = data.datasets(projectId);
      return Promise.all(
        list.map(async (p: Pointer) => ({
          ...p,
          versions: (await datasetVersions(dir, p.path)).length,
          hasExpectations: fs.existsSync(path.join(dir, p.path + EXPECTATIONS_SUFFIX)),
        })),
      );
    },
    'data.versions': async ({ projectId, path: p }) => {
      const dir = data.projectDir(projectId);
      const rel = projectRelative(dir, p);
      return (await datasetVersions(dir, rel)).map((v) => ({ ...v, runs: runsUsing(ctx, rel, v.pointer.sha256) }));
    },
    'data.add': async ({ projectId, path: p }) => {
      const r = await data.add(projectId, p);
      ctx.events.publish('projects.changed', { id: projectId });
      return r;
    },
    'data.checkout': async ({ projectId, path: p, version, force }) => {
      const r = await data.checkout(projectId, p, version, force);
      ctx.events.publish('projects.changed', { id: projectId });
      return r;
    },
    'data.status': ({ projectId, paths }) => data.status(projectId, paths),
    'data.expectations': async ({ projectId, path: p, version }) => {
      const dir = data.projectDir(projectId);
      const rel = projectRelative(dir, p);
      const committed = data.readExpectations(dir, rel);
      if (committed && !version) return { expectations: committed as never, committed: true };
      return { expectations: (await data.infer(version ? { projectId, path: rel, version } : { projectId, path: rel })) as never, committed: false };
    },
    'data.saveExpectations': async ({ projectId, path: p, expectations }) => {
      const dir = data.projectDir(projectId);
      const commit = await data.saveExpectations(dir, projectRelative(dir, p), expectations as Expectations);
      ctx.events.publish('projects.changed', { id: projectId });
      return { commit };
    },
    'data.reference': ({ projectId, path: p }) => data.referenceOf(projectId, p),
    'data.validate': async ({ target, expectations, reference, rowCount }) => {
      // Path checks first: a refused target (or reference) is refused before any other work.
      const t = await data.target(target);
      const ref = reference ? await data.target(reference) : undefined;
      try {
        return await data.validateTarget(t, { expectations: expectations as Expectations | undefined, reference: ref, rowCount });
      } catch (e) {
        throw redactPaths(e, [...t.pairs, ...(ref?.pairs ?? [])]);
      }
    },
  };
}
