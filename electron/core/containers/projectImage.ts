import fs from 'node:fs';
import path from 'node:path';
import git from 'isomorphic-git';
import type Docker from 'dockerode';
import { MldeskError } from '../../../shared/contract/errors';
import { safeFsError } from '../confine';
import type { JobReporter } from '../jobs';
import { listPointers } from '../data/versions';
import { ensureOfflineBase, localNode, offlineBasePlan } from './base';
import { buildUnlessPresent, imageId, withDockerfile } from './build';
import { APP_UID, escapeOf, labelInstruction, LABEL, repoSlug } from './dockerfile';
import { isIgnored, parseDockerignore } from './dockerignore';
import { contextDigest, walkDir, withParents, type ContextEntry } from './tarContext';

/**
 * The image a training run on a target starts from, built from a project on the LOCAL engine:
 * - the project has a `Dockerfile`: that, with the project folder as the build context (`.dockerignore` honoured);
 * - else the project's files on the offline Node base (base.ts: FROM scratch, node at /usr/local/bin/node, no shell)
 *   in /project: the git-tracked files (their working-copy contents) and the versioned datasets' files, or — outside
 *   git — the folder without .git, node_modules and .mldesk.
 * Tagged `mldesk/project-<name>:<content hash>`, so an unchanged project reuses its image without a build.
 */

export const PROJECT_LABEL = 'mldesk.project';
const RECIPE = 'mldesk-project/1';
const SKIP_TOP = new Set(['.git', 'node_modules', '.mldesk']);

export interface ProjectImage {
  ref: string;
  id: string;
  kind: 'dockerfile' | 'base';
  /** An image of this content existed: nothing was built. */
  reused: boolean;
  ms: number;
}

export interface ProjectImageInput {
  dir: string;
  /** Shown in the tag and the label (the project's name or id). */
  project: string;
  appVersion: string;
  /** Node's arch name of the engine (x64, arm64): the offline base must match it. */
  arch: string;
  r?: JobReporter | undefined;
}

interface Plan {
  kind: 'dockerfile' | 'base';
  entries: ContextEntry[];
  dockerfileName: string;
  ref: string;
  base: { ref: string; entries: ContextEntry[]; dockerfile: string } | null;
}

/** Files of the project as repo-relative paths from git, or null outside a repository. */
async function gitFiles(dir: string): Promise<string[] | null> {
  const root = await git.findRoot({ fs, filepath: dir }).catch(() => null);
  if (!root) return null;
  const rel = path.relative(root, dir).split(path.sep).join('/');
  const prefix = rel ? `${rel}/` : '';
  const tracked = (await git.listFiles({ fs, dir: root })).filter((f) => f.startsWith(prefix)).map((f) => f.slice(prefix.length));
  // Versioned datasets are git-ignored (their pointer is tracked): the run needs the data itself.
  const data = listPointers(dir).map((p) => p.path);
  return [...new Set([...tracked, ...data])].sort();
}

function projectEntries(dir: string, files: string[] | null): ContextEntry[] {
  const ignoreFile = path.join(dir, '.dockerignore');
  const rules = fs.existsSync(ignoreFile) ? parseDockerignore(fs.readFileSync(ignoreFile, 'utf8')) : [];
  if (files) {
    const out: ContextEntry[] = [];
    for (const f of files) {
      if (isIgnored(rules, f) || SKIP_TOP.has(f.split('/')[0]!)) continue;
      const abs = path.join(dir, f);
      const st = fs.lstatSync(abs, { throwIfNoEntry: false });
      if (!st) continue; // deleted in the working copy
      if (st.isSymbolicLink()) out.push({ kind: 'symlink', name: `project/${f}`, target: fs.readlinkSync(abs) });
      else if (st.isFile()) out.push({ kind: 'file', name: `project/${f}`, source: abs, mode: st.mode & 0o111 ? 0o755 : 0o644 });
    }
    return withParents([{ kind: 'dir', name: 'project', mode: 0o755 }, ...out]);
  }
  const hasExceptions = rules.some((r) => r.negate);
  return [
    { kind: 'dir', name: 'project', mode: 0o755 },
    ...walkDir(dir, 'project', (rel, isDir) => {
      if (SKIP_TOP.has(rel)) return true;
      if (isDir && hasExceptions) return false;
      return isIgnored(rules, rel);
    }),
  ];
}

async function plan(input: ProjectImageInput): Promise<Plan> {
  const { dir } = input;
  const repo = `mldesk/project-${repoSlug(input.project)}`;
  const labels = { [LABEL.kind]: 'project', [PROJECT_LABEL]: input.project, [LABEL.appVersion]: input.appVersion };
  const dfPath = path.join(dir, 'Dockerfile');
  if (fs.existsSync(dfPath) && fs.statSync(dfPath).isFile()) {
    const text = fs.readFileSync(dfPath, 'utf8');
    if (!/^\s*FROM\s/im.test(text)) throw new MldeskError('INVALID_INPUT', 'The project’s Dockerfile has no FROM instruction');
    const ignoreFile = path.join(dir, '.dockerignore');
    const rules = fs.existsSync(ignoreFile) ? parseDockerignore(fs.readFileSync(ignoreFile, 'utf8')) : [];
    const hasExceptions = rules.some((r) => r.negate);
    const user = walkDir(dir, '', (rel, isDir) => {
      if (rel === '.mldesk' || rel === '.git') return true;
      if (rel === 'Dockerfile' || rel === '.dockerignore') return false;
      if (isDir && hasExceptions) return false;
      return isIgnored(rules, rel);
    }).filter((e) => e.name !== 'Dockerfile');
    const digest = await contextDigest(user, [RECIPE, text]);
    const dockerfile = `${text.replace(/\s+$/, '')}\n\n# Added by mldesk: which project this image is.\n${labelInstruction({ ...labels, [LABEL.contextDigest]: `sha256:${digest}` }, escapeOf(text))}\n`;
    return { kind: 'dockerfile', entries: withDockerfile(user, dockerfile), dockerfileName: 'Dockerfile', ref: `${repo}:${digest.slice(0, 16)}`, base: null };
  }
  const base = await offlineBasePlan(await localNode(), input.arch, input.appVersion);
  const entries = projectEntries(dir, await gitFiles(dir));
  const body = [`FROM ${base.ref}`, `COPY --chown=${APP_UID}:${APP_UID} project/ /project/`, 'WORKDIR /project', `ENV HOME=/home/mldesk PYTHONUNBUFFERED=1`].join('\n');
  const digest = await contextDigest(entries, [RECIPE, body]);
  const dockerfile = `${body}\n${labelInstruction({ ...labels, [LABEL.base]: base.ref, [LABEL.contextDigest]: `sha256:${digest}` })}\n`;
  return {
    kind: 'base',
    entries: withDockerfile(entries, dockerfile),
    dockerfileName: 'Dockerfile',
    ref: `${repo}:${digest.slice(0, 16)}`,
    base: { ref: base.ref, entries: base.entries, dockerfile: base.dockerfile },
  };
}

async function hasBridge(docker: Docker): Promise<boolean> {
  return docker
    .getNetwork('bridge')
    .inspect()
    .then(
      () => true,
      () => false,
    );
}

/**
 * Builds (or reuses) the project's image on `docker` (the local engine). `lockKey` names the engine for the
 * cross-process build lock (two runs of the same project build once).
 */
export async function buildProjectImage(docker: Docker, lockKey: string, input: ProjectImageInput): Promise<ProjectImage> {
  const t0 = Date.now();
  const { r } = input;
  let p: Plan;
  try {
    p = await plan(input);
  } catch (e) {
    throw e instanceof MldeskError ? e : safeFsError(e, input.dir);
  }
  r?.phase(`Project image ${p.ref}`, 0);
  const have = await imageId(docker, p.ref);
  if (have) {
    r?.log(`Image ${p.ref} is up to date`);
    return { ref: p.ref, id: have, kind: p.kind, reused: true, ms: Date.now() - t0 };
  }
  if (p.base) await ensureOfflineBase(docker, lockKey, p.base, { from: 0, to: 0.6 }, r);
  const networkmode = p.kind === 'dockerfile' && !(await hasBridge(docker)) ? 'host' : undefined;
  const id = await buildUnlessPresent(docker, lockKey, { entries: p.entries, dockerfile: p.dockerfileName, tag: p.ref, label: `project image ${p.ref}`, span: { from: p.base ? 0.6 : 0, to: 1 }, r, networkmode });
  return { ref: p.ref, id, kind: p.kind, reused: false, ms: Date.now() - t0 };
}
