import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import git from 'isomorphic-git';

export const GITIGNORE_LINES = ['.mldesk/cache/', '.mldesk/tmp/'];
export const GITIGNORE_COMMENT = '# mldesk: content-addressed data cache';

export function author(): { name: string; email: string } {
  const name = process.env.GIT_AUTHOR_NAME || safeUser() || 'mldesk';
  const email = process.env.GIT_AUTHOR_EMAIL || `${name.replace(/\s+/g, '.').toLowerCase()}@localhost`;
  return { name, email };
}
function safeUser(): string | undefined {
  try {
    return os.userInfo().username;
  } catch {
    return undefined;
  }
}

export async function isRepo(dir: string): Promise<boolean> {
  try {
    await git.findRoot({ fs, filepath: dir });
    return fs.existsSync(path.join(dir, '.git'));
  } catch {
    return false;
  }
}

/** Makes sure .gitignore keeps mldesk's cache out of git; returns true when the file changed. */
export function ensureGitignore(dir: string): boolean {
  const file = path.join(dir, '.gitignore');
  const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  const next = withLines(current, GITIGNORE_LINES, GITIGNORE_COMMENT);
  if (next === current || next === null) return false;
  fs.writeFileSync(file, next);
  return true;
}

export async function hasCommits(dir: string): Promise<boolean> {
  try {
    await git.resolveRef({ fs, dir, ref: 'HEAD' });
    return true;
  } catch {
    return false;
  }
}

/** Where a FileChange applies: HEAD's tree (what is committed), git's index, the working tree. */
export type ChangePlace = 'head' | 'index' | 'worktree';

/**
 * One file of a commit made by mldesk. `apply` gives its new content from the current one at each place (null:
 * absent); returning null removes it there, returning the same bytes leaves it alone. Applied to HEAD's version it
 * is what gets committed; applied to the index and working tree it keeps the user's own changes (staged or not) as
 * they were: e.g. appending a line to .gitignore appends it in all three, so a user's unstaged edit stays unstaged.
 */
export type FileChange =
  | {
      /** Posix path relative to the repository. */
      path: string;
      apply(current: Buffer | null, where: ChangePlace): Buffer | string | null;
    }
  /** Out of HEAD's tree and the index, like `git rm --cached`: the working file stays, never read (it may be huge). */
  | { path: string; untrack: true };

/** The entry of `filepath` in commit `commit`'s tree, if any. */
async function treeEntry(dir: string, commit: string, filepath: string): Promise<{ oid: string; mode: string; type: string } | null> {
  const parent = path.posix.dirname(filepath);
  try {
    const { tree } = await git.readTree({ fs, dir, oid: commit, filepath: parent === '.' ? undefined : parent });
    return tree.find((e) => e.path === path.posix.basename(filepath)) ?? null;
  } catch {
    return null; // its folder is not in that commit
  }
}

const toBuf = (b: Buffer | string | null): Buffer | null => (b === null ? null : Buffer.isBuffer(b) ? b : Buffer.from(b, 'utf8'));
const same = (a: Buffer | null, b: Buffer | null) => (a === null || b === null ? a === b : a.equals(b));

async function headCommit(dir: string): Promise<string | null> {
  try {
    return await git.resolveRef({ fs, dir, ref: 'HEAD' });
  } catch {
    return null; // unborn branch: the first commit
  }
}

/** Index entries (blob oid, mode) of `paths`, in one walk of the index that skips unrelated folders. */
async function indexEntries(dir: string, paths: string[]): Promise<Map<string, { oid: string; mode: number }>> {
  const want = new Set(paths);
  const out = new Map<string, { oid: string; mode: number }>();
  if (!fs.existsSync(path.join(dir, '.git', 'index'))) return out;
  await git.walk({
    fs,
    dir,
    trees: [git.STAGE()],
    map: async (filepath, [entry]) => {
      if (filepath === '.') return true;
      if (want.has(filepath) && entry && (await entry.type()) === 'blob') {
        out.set(filepath, { oid: (await entry.oid()) as string, mode: await entry.mode() });
        return undefined;
      }
      return paths.some((p) => p.startsWith(filepath + '/')) ? true : null;
    },
  });
  return out;
}

interface TreeUpdate {
  oid: string;
  mode: string;
}

/** `treeOid` (null: empty) with `updates` (path relative to it → blob, or null to remove); null when it ends up empty. */
async function rewriteTree(dir: string, treeOid: string | null, updates: Map<string, TreeUpdate | null>, root: boolean): Promise<string | null> {
  const entries = treeOid ? (await git.readTree({ fs, dir, oid: treeOid })).tree : [];
  const byName = new Map(entries.map((e) => [e.path, e]));
  const nested = new Map<string, Map<string, TreeUpdate | null>>();
  for (const [p, u] of updates) {
    const slash = p.indexOf('/');
    if (slash < 0) {
      if (u) byName.set(p, { mode: u.mode, path: p, oid: u.oid, type: 'blob' });
      else byName.delete(p);
      continue;
    }
    const name = p.slice(0, slash);
    const sub = nested.get(name) ?? new Map<string, TreeUpdate | null>();
    sub.set(p.slice(slash + 1), u);
    nested.set(name, sub);
  }
  for (const [name, sub] of nested) {
    const cur = byName.get(name);
    const oid = await rewriteTree(dir, cur?.type === 'tree' ? cur.oid : null, sub, false);
    if (oid) byName.set(name, { mode: '040000', path: name, oid, type: 'tree' });
    else byName.delete(name);
  }
  if (byName.size === 0 && !root) return null; // git keeps no empty folders
  return git.writeTree({ fs, dir, tree: [...byName.values()] });
}

/** Replaces (or removes) a working-tree file atomically: a temp file in the same folder, then a rename. */
function writeWorktree(abs: string, content: Buffer | null): void {
  if (content === null) {
    fs.rmSync(abs, { force: true });
    return;
  }
  fs.mkdirSync(path.dirname(abs), { recursive: true });
  const tmp = path.join(path.dirname(abs), `.${path.basename(abs)}.mldesk-tmp-${process.pid}-${Date.now()}`);
  try {
    fs.writeFileSync(tmp, content);
    fs.renameSync(tmp, abs);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

/**
 * Commits exactly `changes` on top of HEAD, like `git commit --only <paths>`: the commit's tree is HEAD's tree with
 * those files changed, never whatever else the user has staged. Then the index entries and working files of those
 * paths are brought in line (see FileChange); every other index entry stays as it was. Returns the commit, or null
 * when the tree would not change (unless `allowEmpty`).
 * Order: objects first (invisible until referenced), then the branch, the working files, the index entries.
 */
export async function commitChanges(dir: string, changes: FileChange[], message: string, opts: { allowEmpty?: boolean } = {}): Promise<string | null> {
  const head = await headCommit(dir);
  const headTree = head ? (await git.readCommit({ fs, dir, oid: head })).commit.tree : null;
  const index = await indexEntries(dir, changes.map((c) => c.path));
  const updates = new Map<string, TreeUpdate | null>();
  const untracked: string[] = [];
  const plans: Array<{ change: FileChange; index: Buffer | null; indexBefore: Buffer | null; worktree: Buffer | null; worktreeBefore: Buffer | null; mode: string }> = [];
  for (const change of changes) {
    const inHead = head ? await treeEntry(dir, head, change.path) : null;
    if ('untrack' in change) {
      if (inHead) updates.set(change.path, null);
      if (index.has(change.path)) untracked.push(change.path);
      continue;
    }
    const atHead = inHead?.type === 'blob' ? Buffer.from((await git.readBlob({ fs, dir, oid: inHead.oid })).blob) : null;
    let mode = inHead?.type === 'blob' ? inHead.mode : '100644';
    const abs = path.join(dir, ...change.path.split('/'));
    const worktreeBefore = fs.existsSync(abs) ? fs.readFileSync(abs) : null;
    if (atHead === null && worktreeBefore !== null && fs.statSync(abs).mode & 0o111) mode = '100755';
    const entry = index.get(change.path);
    const indexBefore = entry ? Buffer.from((await git.readBlob({ fs, dir, oid: entry.oid })).blob) : null;
    const committed = toBuf(change.apply(atHead, 'head'));
    if (!same(committed, atHead)) updates.set(change.path, committed === null ? null : { oid: await git.writeBlob({ fs, dir, blob: committed }), mode });
    plans.push({ change, index: toBuf(change.apply(indexBefore, 'index')), indexBefore, worktree: toBuf(change.apply(worktreeBefore, 'worktree')), worktreeBefore, mode });
  }
  const tree = updates.size > 0 ? await rewriteTree(dir, headTree, updates, true) : headTree;
  let commit: string | null = null;
  if (opts.allowEmpty || tree !== headTree || !head) {
    commit = await git.commit({ fs, dir, message, author: author(), tree: tree ?? (await rewriteTree(dir, null, new Map(), true))!, parent: head ? [head] : [] });
  }
  for (const filepath of untracked) await git.remove({ fs, dir, filepath });
  for (const p of plans) {
    if ('untrack' in p.change) continue;
    const abs = path.join(dir, ...p.change.path.split('/'));
    if (!same(p.worktree, p.worktreeBefore)) writeWorktree(abs, p.worktree);
    if (same(p.index, p.indexBefore)) continue;
    if (p.index === null) await git.remove({ fs, dir, filepath: p.change.path });
    // Same bytes as the working file: let git read it, so the entry gets the file's stat (no re-hash by `git status`).
    else if (same(p.index, p.worktree)) await git.updateIndex({ fs, dir, filepath: p.change.path, add: true });
    else await git.updateIndex({ fs, dir, filepath: p.change.path, oid: await git.writeBlob({ fs, dir, blob: p.index }), mode: parseInt(p.mode, 8), add: true });
  }
  return commit;
}

/** Commits these files as they are in the working tree, and nothing else the user may have staged (see commitChanges). */
export async function commitFiles(dir: string, files: string[], message: string): Promise<string> {
  const changes = files.map((file): FileChange => {
    const abs = path.join(dir, ...file.split('/'));
    const now = fs.existsSync(abs) ? fs.readFileSync(abs) : null;
    return { path: file, apply: (current, where) => (where === 'worktree' ? current : now) };
  });
  return (await commitChanges(dir, changes, message, { allowEmpty: true }))!;
}

/** `text` with each of `lines` that is missing appended (after `comment` when given); `text` itself when none is. */
export function withLines(text: string | null, lines: string[], comment?: string): string | null {
  const have = new Set((text ?? '').split(/\r?\n/).map((l) => l.trim()));
  const missing = lines.filter((l) => !have.has(l));
  if (missing.length === 0) return text;
  const cur = text ?? '';
  const sep = cur === '' || cur.endsWith('\n') ? '' : '\n';
  return `${cur}${sep}${comment ? `${comment}\n` : ''}${missing.join('\n')}\n`;
}

export interface GitState {
  branch: string | null;
  lastCommit: { oid: string; message: string; author: string; timestamp: number } | null;
  dirty: boolean;
  changedFiles: number;
}

export async function gitState(dir: string): Promise<GitState> {
  const branch = (await git.currentBranch({ fs, dir, fullname: false }).catch(() => undefined)) ?? null;
  let lastCommit: GitState['lastCommit'] = null;
  try {
    const [entry] = await git.log({ fs, dir, depth: 1 });
    if (entry) {
      lastCommit = {
        oid: entry.oid,
        message: entry.commit.message.trim(),
        author: entry.commit.author.name,
        timestamp: entry.commit.author.timestamp * 1000,
      };
    }
  } catch {
    lastCommit = null;
  }
  const matrix = await git.statusMatrix({ fs, dir }).catch(() => []);
  // [file, HEAD, WORKDIR, STAGE]: 1,1,1 is unchanged; 0,2,0 is untracked (still a change worth showing).
  const changedFiles = matrix.filter(([, h, w, s]) => !(h === 1 && w === 1 && s === 1)).length;
  return { branch, lastCommit, dirty: changedFiles > 0, changedFiles };
}
