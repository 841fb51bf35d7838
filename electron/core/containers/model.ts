import fs from 'node:fs';
import path from 'node:path';
import { MldeskError } from '../../../shared/contract/errors';
import { confine, resolveRequestPath, safeFsError, showPath } from '../confine';
import type { RegistryService } from '../registry';
import type { Tracking } from '../tracking';
import { envInstruction, escapeOf, LABEL, labelInstruction, labelValue, lastFrom, modelRepo } from './dockerfile';
import { isIgnored, parseDockerignore } from './dockerignore';
import { contextDigest, fileSha256, walkDir, withParents, type ContextEntry } from './tarContext';

/** A model version as a build needs it: where its files are, which is the ONNX file, their digests. */
export interface ResolvedModel {
  name: string;
  version: string;
  runId: string | null;
  /** Absolute path of the ONNX file the runtime will load, when there is one. */
  onnxFile: string | null;
  /** The folder holding the version's files (the source itself, or the folder of a single-file source). */
  modelDir: string;
  /** `sha256:<hex>` of the ONNX file (null without one). */
  modelDigest: string | null;
  /** The version's source on disk: a folder, or one file. */
  source: string;
  sourceIsFile: boolean;
  /** The git commit the run recorded (org.opencontainers.image.revision). */
  commit: string | null;
}

export interface ModelRef {
  model: string;
  version?: string | undefined;
  alias?: string | undefined;
}

/** The ONNX file the runtime picks in a folder: MLmodel's `onnx_model:`, else the first *.onnx (as resources/runtime/model.ts). */
function onnxIn(dir: string): string | null {
  const mlmodel = path.join(dir, 'MLmodel');
  if (fs.existsSync(mlmodel)) {
    const named = /onnx_model:\s*(\S+)/.exec(fs.readFileSync(mlmodel, 'utf8'))?.[1];
    if (named) {
      const f = path.join(dir, named);
      if (!path.relative(dir, f).startsWith('..') && fs.existsSync(f) && fs.statSync(f).isFile()) return f;
    }
  }
  const found = fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isFile() && d.name.endsWith('.onnx'))
    .map((d) => d.name)
    .sort()[0];
  return found ? path.join(dir, found) : null;
}

/** Resolves a model version (by number or alias) to its files in the artifact store. */
export async function resolveModel(registry: RegistryService, tracking: Tracking, ref: ModelRef): Promise<ResolvedModel> {
  if ((ref.version === undefined) === (ref.alias === undefined)) throw new MldeskError('INVALID_INPUT', 'Give exactly one of version or alias');
  const mv = ref.alias !== undefined ? registry.getModelVersionByAlias(ref.model, ref.alias) : registry.getModelVersion(ref.model, ref.version!);
  const label = `${mv.name} v${mv.version}`;
  const uri = registry.getModelVersionDownloadUri(mv.name, mv.version);
  let source: string;
  try {
    source = tracking.artifacts.resolve(tracking.artifacts.relativeFor(uri, `model ${label}`));
  } catch (e) {
    if (e instanceof MldeskError && e.code === 'FAILED_PRECONDITION') {
      throw new MldeskError('FAILED_PRECONDITION', `The files of model ${label} are not in mldesk's artifact store (its source is ${showPath(mv.source)}), so they cannot be packaged`);
    }
    throw e;
  }
  let st: fs.Stats;
  try {
    st = fs.statSync(source);
  } catch {
    throw new MldeskError('FAILED_PRECONDITION', `The files of model ${label} are missing from the artifact store (source ${showPath(mv.source)})`);
  }
  const sourceIsFile = st.isFile();
  const modelDir = sourceIsFile ? path.dirname(source) : source;
  const onnxFile = sourceIsFile ? (source.endsWith('.onnx') ? source : null) : onnxIn(source);
  let commit: string | null = null;
  if (mv.run_id) {
    try {
      commit = tracking.runs.get(mv.run_id).data.tags.find((t) => t.key === 'mlflow.source.git.commit')?.value ?? null;
    } catch {
      commit = null; // the run was deleted: the image still gets built from the version's files
    }
  }
  return {
    name: mv.name,
    version: mv.version,
    runId: mv.run_id ?? null,
    onnxFile,
    modelDir,
    modelDigest: onnxFile ? `sha256:${await fileSha256(onnxFile)}` : null,
    source,
    sourceIsFile,
    commit,
  };
}

/** The files of a model version as context entries under `prefix` (links are not followed). */
export function modelEntries(m: ResolvedModel, prefix: string): ContextEntry[] {
  if (m.sourceIsFile) return [{ kind: 'dir', name: prefix, mode: 0o755 }, { kind: 'file', name: `${prefix}/${path.basename(m.source)}`, source: m.source, mode: 0o644 }];
  return [{ kind: 'dir', name: prefix, mode: 0o755 }, ...walkDir(m.source, prefix).filter((e) => e.kind !== 'symlink').map((e) => (e.kind === 'file' ? { ...e, mode: 0o644 } : e))];
}

/** The labels every model image carries (readers: images(), the reuse check, lineage). */
export function modelLabels(m: ResolvedModel, o: { runtime: 'onnx' | 'dockerfile'; modelDigest: string; contextDigest: string; base: string; runtimeImage: string; appVersion: string }): Record<string, string> {
  return {
    [LABEL.kind]: 'model',
    [LABEL.model]: labelValue(m.name),
    [LABEL.version]: m.version,
    [LABEL.runId]: m.runId ?? '',
    [LABEL.modelDigest]: o.modelDigest,
    [LABEL.contextDigest]: o.contextDigest,
    [LABEL.runtime]: o.runtime,
    [LABEL.runtimeImage]: o.runtimeImage,
    [LABEL.base]: o.base,
    [LABEL.appVersion]: o.appVersion,
    'org.opencontainers.image.title': labelValue(`${m.name} v${m.version}`),
    'org.opencontainers.image.version': m.version,
    'org.opencontainers.image.vendor': 'mldesk',
    'org.opencontainers.image.base.name': o.base,
    ...(m.commit ? { 'org.opencontainers.image.revision': m.commit } : {}),
  };
}

export interface ModelPlan {
  ref: string;
  dockerfile: string;
  entries: ContextEntry[];
  modelDigest: string;
  contextDigest: string;
  labels: Record<string, string>;
}

/** A model image on the ONNX runtime: FROM the runtime, the model layer, ENV and LABELs (metadata, no layer) last. */
export async function onnxModelPlan(m: ResolvedModel, runtime: { ref: string; id: string }, appVersion: string): Promise<ModelPlan> {
  if (!m.onnxFile || !m.modelDigest) {
    throw new MldeskError('FAILED_PRECONDITION', `Model ${m.name} v${m.version} has no .onnx file, so the built-in ONNX runtime cannot serve it`, {
      hint: 'Export the model to ONNX and register that version, or package it with your own Dockerfile (runtime: dockerfile, or mldesk build --context DIR).',
    });
  }
  const entries = modelEntries(m, 'model');
  const cd = await contextDigest(entries);
  const modelPath = m.sourceIsFile ? `/model/${path.basename(m.source)}` : '/model';
  const labels = modelLabels(m, { runtime: 'onnx', modelDigest: m.modelDigest, contextDigest: `sha256:${cd}`, base: runtime.ref, runtimeImage: runtime.id, appVersion });
  const dockerfile = [
    `# mldesk model image: ${labelValue(m.name)} v${m.version} on the mldesk ONNX runtime.`,
    '# The model layer comes last: a new model version rebuilds only that layer.',
    `FROM ${runtime.ref}`,
    'COPY model/ /model/',
    envInstruction({ MLDESK_MODEL_PATH: modelPath, MLDESK_MODEL_NAME: m.name }),
    labelInstruction(labels),
    '',
  ].join('\n');
  return { ref: `${modelRepo(m.name)}:v${m.version}`, dockerfile, entries, modelDigest: m.modelDigest, contextDigest: `sha256:${cd}`, labels };
}

export interface CustomPlan extends ModelPlan {
  base: string;
  dockerfileName: string;
}

/** Where the model's files appear in a custom build context (the user's Dockerfile may COPY them). */
export const CUSTOM_MODEL_DIR = '.mldesk/model';
const CUSTOM_DOCKERFILE = '.mldesk/Dockerfile';

/**
 * A model image from the user's Dockerfile and context (paths on this machine, confined like any path a caller
 * names). The context is sent as is (minus .dockerignore'd files and any .mldesk/ folder of its own), plus the model
 * version's files under .mldesk/model/ and the user's Dockerfile with mldesk's labels appended.
 */
/**
 * The folder and Dockerfile of a custom build, checked the way any path a caller names is (resolveRequestPath: for
 * callers below admin only inside the registered projects; the Dockerfile confined to the context). Cheap: nothing
 * is read but the Dockerfile, so a request can be refused before a job starts.
 */
export function customBuildPaths(input: { context: string; dockerfile: string }): { context: string; dockerfilePath: string; text: string } {
  const context = resolveRequestPath(input.context, 'build context');
  let st: fs.Stats;
  try {
    st = fs.statSync(context);
  } catch (e) {
    throw safeFsError(e, input.context);
  }
  if (!st.isDirectory()) throw new MldeskError('INVALID_INPUT', `Build context '${showPath(input.context)}' is not a folder`);
  const dfPath = confine(context, input.dockerfile, 'Dockerfile', { inside: 'the build context' });
  let text: string;
  try {
    if (!fs.statSync(dfPath).isFile()) throw new MldeskError('INVALID_INPUT', `Dockerfile '${showPath(input.dockerfile)}' is not a file`);
    if (fs.statSync(dfPath).size > 1024 * 1024) throw new MldeskError('INVALID_INPUT', `Dockerfile '${showPath(input.dockerfile)}' is over 1 MiB`);
    text = fs.readFileSync(dfPath, 'utf8');
  } catch (e) {
    throw safeFsError(e, input.dockerfile);
  }
  if (!/^\s*FROM\s/im.test(text)) throw new MldeskError('INVALID_INPUT', `Dockerfile '${showPath(input.dockerfile)}' has no FROM instruction`);
  return { context, dockerfilePath: dfPath, text };
}

export async function customModelPlan(
  m: ResolvedModel,
  input: { context: string; dockerfile: string },
  appVersion: string,
): Promise<CustomPlan> {
  const { context, dockerfilePath: dfPath, text } = customBuildPaths(input);
  const ignoreFile = path.join(context, '.dockerignore');
  const rules = fs.existsSync(ignoreFile) ? parseDockerignore(fs.readFileSync(ignoreFile, 'utf8')) : [];
  const hasExceptions = rules.some((r) => r.negate);
  const dfRel = path.relative(context, dfPath).split(path.sep).join('/');
  let userEntries: ContextEntry[];
  try {
    userEntries = walkDir(context, '', (rel, isDir) => {
      if (rel === '.mldesk' || rel.startsWith('.mldesk/')) return true;
      if (rel === dfRel || rel === '.dockerignore') return false;
      // With `!` exceptions a folder must still be walked: its files are judged one by one.
      if (isDir && hasExceptions) return false;
      return isIgnored(rules, rel);
    });
  } catch (e) {
    throw safeFsError(e, input.context);
  }
  const model = modelEntries(m, CUSTOM_MODEL_DIR);
  const modelCd = await contextDigest(model);
  const modelDigest = m.modelDigest ?? `sha256:${modelCd}`;
  const base = lastFrom(text);
  const provisional = [...userEntries, ...withParents(model)];
  const cd = await contextDigest(provisional, [text]);
  const labels = modelLabels(m, { runtime: 'dockerfile', modelDigest, contextDigest: `sha256:${cd}`, base, runtimeImage: '', appVersion });
  const dockerfile = `${text.replace(/\s+$/, '')}\n\n# Added by mldesk: what this image is (the model version's files are in the context under ${CUSTOM_MODEL_DIR}/).\n${labelInstruction(labels, escapeOf(text))}\n`;
  return {
    ref: `${modelRepo(m.name)}:v${m.version}-custom`,
    dockerfile,
    dockerfileName: CUSTOM_DOCKERFILE,
    entries: [...provisional, { kind: 'data', name: CUSTOM_DOCKERFILE, data: dockerfile }],
    modelDigest,
    contextDigest: `sha256:${cd}`,
    labels,
    base,
  };
}
