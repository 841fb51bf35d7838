import type { Handlers } from '../engine';
import type { EngineContext } from '../context';
import type { Tracking } from '../tracking';
import type { DataService } from '../data';
import type { RegistryService } from './service';
import type { ModelVersionJson } from './types';
import type { ModelLineage } from '../../../shared/contract/models';
import { invalidParam } from '../tracking/errors';

type ModelsHandlers = { [K in keyof Handlers as K extends `models.${string}` ? K : never]: Handlers[K] };

const ok = { ok: true as const };

/** Every non-deleted version of a model, newest first. */
function allVersions(ctx: EngineContext, registry: RegistryService, name: string): ModelVersionJson[] {
  registry.getRegisteredModel(name); // NOT_FOUND for an unknown model
  const nums = ctx.store.db.prepare('SELECT version FROM model_versions WHERE name = ? AND deleted = 0 ORDER BY version DESC').pluck().all(name) as number[];
  return nums.map((v) => registry.getModelVersion(name, v));
}

/**
 * What features built on the registry add to a version's lineage (deploy: its images and deployments). They register
 * here per registry instance, so the registry never imports them (no cycle). An extra that fails is left out.
 */
export type LineageExtra = (l: ModelLineage) => Promise<Partial<Pick<ModelLineage, 'image' | 'deployments'>>>;
const extras = new WeakMap<RegistryService, Set<LineageExtra>>();

/** Adds `fn` to the lineage of `registry`'s versions; returns the function that removes it. */
export function addLineageExtra(registry: RegistryService, fn: LineageExtra): () => void {
  let set = extras.get(registry);
  if (!set) extras.set(registry, (set = new Set()));
  set.add(fn);
  return () => void set.delete(fn);
}

async function withExtras(registry: RegistryService, l: ModelLineage): Promise<ModelLineage> {
  for (const fn of extras.get(registry) ?? []) {
    const more: Awaited<ReturnType<LineageExtra>> = await fn(l).catch(() => ({}));
    if (more.image?.length) l.image = [...(l.image ?? []), ...more.image];
    if (more.deployments?.length) l.deployments = [...(l.deployments ?? []), ...more.deployments];
  }
  return l;
}

/**
 * The dataset a model version was trained on, from its lineage: its first dataset with a version (a "train" one
 * preferred), else its first local source in the run's project (the working copy); null when the run named none.
 */
export function trainingDataset(lineage: ModelLineage): { projectId: string; path: string; commit: string | null } | null {
  const ds = [...lineage.datasets].sort((a, b) => Number(/train/i.test(b.name + b.source)) - Number(/train/i.test(a.name + a.source)));
  const versioned = ds.find((d) => d.version);
  if (versioned?.version) return { projectId: versioned.version.projectId, path: versioned.version.path, commit: versioned.version.commit };
  const local = lineage.projectId ? ds.find((d) => d.source && !/^[a-z][a-z0-9+.-]*:/i.test(d.source)) : undefined;
  if (local && lineage.projectId) return { projectId: lineage.projectId, path: local.source, commit: null };
  return null;
}

/** The lineage of one model version: run → git commit → dataset versions → model version → image → deployments. */
export async function modelLineage(registry: RegistryService, tracking: Tracking, data: DataService, name: string, version: string): Promise<ModelLineage> {
  const mv = registry.getModelVersion(name, version);
  const out: ModelLineage = {
    model: { name: mv.name, version: mv.version, stage: mv.current_stage, aliases: mv.aliases, source: mv.source },
    run: null,
    commit: null,
    projectId: null,
    datasets: [],
  };
  if (!mv.run_id) return out;
  let run;
  try {
    run = tracking.runs.get(mv.run_id);
  } catch {
    return out; // the run was deleted: the lineage stops at the model version
  }
  const tag = (k: string) => run.data.tags.find((t) => t.key === k)?.value;
  out.run = { runId: run.info.run_id, name: run.info.run_name, experimentId: run.info.experiment_id, status: run.info.status };
  out.commit = tag('mlflow.source.git.commit') ?? null;
  out.projectId = tag('mldesk.project_id') ?? null;
  const projectId = out.projectId ?? undefined;
  out.datasets = await Promise.all(
    run.inputs.dataset_inputs.map(async ({ dataset: d }) => ({
      name: d.name,
      digest: d.digest,
      source: d.source,
      version: await data.locate({ name: d.name, source: d.source, digest: d.digest, ...(projectId ? { projectId } : {}) }).catch(() => null),
    })),
  );
  return out;
}

const MODEL_FILE = /(^|\/)(MLmodel|[^/]+\.onnx)$/;

export function modelsHandlers(ctx: EngineContext, registry: RegistryService, tracking: Tracking, data: DataService): ModelsHandlers {
  return {
    'models.list': ({ filter, maxResults }) => registry.searchRegisteredModels({ filter: filter || undefined, max_results: maxResults }).registered_models,
    'models.get': ({ name }) => registry.getRegisteredModel(name),
    'models.versions': ({ name }) => allVersions(ctx, registry, name),
    'models.lineage': async ({ name, version }) => withExtras(registry, await modelLineage(registry, tracking, data, name, version)),
    'models.register': ({ name, runId, path, description }) => {
      const rel = path.replace(/^\/+|\/+$/g, '');
      const files = tracking.listRunArtifacts(runId, rel).files;
      // A run's model/ folder counts as a model (e.g. the demo's model.json); any other folder needs an MLmodel or .onnx file.
      const isModel = rel === 'model' ? files.length > 0 : files.some((f) => !f.is_dir && MODEL_FILE.test(f.path));
      if (!isModel) {
        throw invalidParam(`Artifact folder '${rel || '/'}' of run ${runId} is not model/ and holds no MLmodel or .onnx file`);
      }
      try {
        registry.getRegisteredModel(name);
      } catch {
        registry.createRegisteredModel({ name });
      }
      const mv = registry.createModelVersion({ name, source: `runs:/${runId}/${rel}`, run_id: runId, ...(description ? { description } : {}) });
      ctx.audit('models.register', `${name}/${mv.version}`, { runId, path: rel });
      return mv;
    },
    'models.setAlias': ({ name, version, alias }) => (registry.setRegisteredModelAlias(name, alias, version), ok),
    'models.deleteAlias': ({ name, alias }) => (registry.deleteRegisteredModelAlias(name, alias), ok),
    'models.transition': ({ name, version, stage, archiveExisting }) => registry.transitionModelVersionStage(name, version, stage, archiveExisting),
    'models.update': ({ name, version, description }) => {
      if (version === undefined) registry.updateRegisteredModel(name, description);
      else registry.updateModelVersion(name, version, description);
      return ok;
    },
    'models.setTag': ({ name, version, key, value }) => {
      if (version === undefined) registry.setRegisteredModelTag(name, key, value);
      else registry.setModelVersionTag(name, version, key, value);
      return ok;
    },
    'models.deleteTag': ({ name, version, key }) => {
      if (version === undefined) registry.deleteRegisteredModelTag(name, key);
      else registry.deleteModelVersionTag(name, version, key);
      return ok;
    },
    'models.deleteVersion': ({ name, version }) => (registry.deleteModelVersion(name, version), ok),
  };
}
