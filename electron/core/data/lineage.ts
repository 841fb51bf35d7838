import path from 'node:path';

/**
 * Lineage of a launched run: which of the project's versioned datasets its command names (README "Lineage").
 *
 * Each argument and param value is split into pieces at whitespace (a shell string such as `sh -c "…"`) and
 * commas; a piece of the form `--flag=value` or `key=value` also counts by its value; quotes around a piece are
 * dropped. A piece names a dataset when, resolved against the working folder (or absolute), it is the
 * dataset's path in the project, or is once `data/` (at the project root) is put in front of it. Nothing is read
 * from disk: the comparison is on paths only, against the pointers the project has.
 */

/** Project-relative posix path of an absolute path, or null outside the project. */
function relOf(repo: string, abs: string): string | null {
  const rel = path.relative(repo, abs);
  if (rel === '' || rel === '..' || rel.startsWith('..' + path.sep) || path.isAbsolute(rel)) return null;
  return rel.split(path.sep).join('/');
}

/** The dataset (one of `known`, project-relative) a single piece names, if any. */
export function datasetNamedBy(repo: string, cwd: string, known: ReadonlySet<string>, piece: string): string | null {
  const p = piece.replace(/^(['"])(.*)\1$/, '$2');
  if (p === '' || p.includes('\0')) return null;
  const candidates = [relOf(repo, path.resolve(cwd, p))];
  if (!path.isAbsolute(p)) candidates.push(relOf(repo, path.resolve(repo, 'data', p)));
  return candidates.find((c): c is string => c !== null && known.has(c)) ?? null;
}

/** The datasets of `known` (project-relative paths) that `words` (arguments, param values) name, each once, in order. */
export function datasetsNamed(repo: string, cwd: string, known: ReadonlySet<string>, words: readonly string[]): string[] {
  const found = new Set<string>();
  const consider = (piece: string) => {
    const hit = datasetNamedBy(repo, cwd, known, piece);
    if (hit) found.add(hit);
  };
  for (const w of words) {
    for (const piece of w.split(/[\s,]+/)) {
      consider(piece);
      const eq = piece.indexOf('=');
      if (eq >= 0) consider(piece.slice(eq + 1));
    }
  }
  return [...found];
}
