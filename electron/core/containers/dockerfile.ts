import { createHash } from 'node:crypto';

/** Dockerfile text helpers and image naming: every user string goes through here before it reaches a Dockerfile or a tag. */

/** Label names mldesk reads back (images() and the reuse check) — one place, so readers and writers agree. */
export const LABEL = {
  kind: 'mldesk.kind',
  model: 'mldesk.model',
  version: 'mldesk.model_version',
  runId: 'mldesk.run_id',
  modelDigest: 'mldesk.model_digest',
  contextDigest: 'mldesk.context_digest',
  runtime: 'mldesk.runtime',
  runtimeImage: 'mldesk.runtime_image',
  base: 'mldesk.base',
  appVersion: 'mldesk.app_version',
  nodeVersion: 'mldesk.node_version',
  recipe: 'mldesk.recipe_digest',
} as const;

/** The non-root user images run as (no name needed: numeric ids work without /etc/passwd entries). */
export const APP_UID = 10001;

const CONTROL = /[\u0000-\u001f\u007f]/g;

/** What a label or ENV value becomes in the image: control characters (newlines…) cannot survive a Dockerfile. */
export function labelValue(s: string): string {
  return s.replace(CONTROL, ' ');
}

/** A double-quoted Dockerfile word: `"`, `$` and the escape character are escaped, control characters become spaces. */
export function quote(s: string, escape = '\\'): string {
  const esc = escape.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return `"${labelValue(s).replace(new RegExp(`${esc}|"|\\$`, 'g'), (c) => `${escape}${c}`)}"`;
}

/** `LABEL k="v" …` over several lines (metadata only: no layer). */
export function labelInstruction(labels: Record<string, string>, escape = '\\'): string {
  const parts = Object.entries(labels).map(([k, v]) => `${quote(k, escape)}=${quote(v, escape)}`);
  return `LABEL ${parts.join(` ${escape}\n      `)}`;
}

/** `ENV k="v" …` on one line. */
export function envInstruction(env: Record<string, string>): string {
  return `ENV ${Object.entries(env)
    .map(([k, v]) => `${k}=${quote(v)}`)
    .join(' ')}`;
}

const short = (s: string, n = 8) => createHash('sha256').update(s).digest('hex').slice(0, n);

/**
 * A repository path component from any model name: lower-case letters, digits and single dashes; names that had to
 * change keep a short hash of the original so two names never share a repository.
 */
export function repoSlug(name: string): string {
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80)
    .replace(/-+$/, '');
  if (slug === name && slug.length > 0) return slug;
  return `${slug || 'model'}-${short(name)}`;
}

/** A tag-safe rendering of a version string (tags: [A-Za-z0-9_.-], at most 128). */
export function tagSafe(s: string): string {
  return s.replace(/[^A-Za-z0-9_.-]/g, '-').slice(0, 100) || 'x';
}

export function modelRepo(name: string): string {
  return `mldesk/model-${repoSlug(name)}`;
}

/** The `# escape=` parser directive of a Dockerfile (default backslash). */
export function escapeOf(dockerfile: string): string {
  for (const line of dockerfile.split('\n')) {
    const m = /^#\s*escape\s*=\s*(\S)\s*$/i.exec(line.trim());
    if (m) return m[1]!;
    if (!/^#\s*\w+\s*=/.test(line.trim())) break; // directives only come first
  }
  return '\\';
}

/** The image of the last stage's FROM (for display: the base of a custom image). */
export function lastFrom(dockerfile: string): string {
  let from = '';
  for (const line of dockerfile.split('\n')) {
    const m = /^\s*FROM\s+(?:--platform=\S+\s+)?(\S+)/i.exec(line);
    if (m) from = m[1]!;
  }
  return from;
}
