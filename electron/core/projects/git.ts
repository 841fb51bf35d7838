import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import git from 'isomorphic-git';

export const GITIGNORE_LINES = ['.mldesk/cache/', '.mldesk/tmp/'];

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
  const have = new Set(current.split(/\r?\n/).map((l) => l.trim()));
  const missing = GITIGNORE_LINES.filter((l) => !have.has(l));
  if (missing.length === 0) return false;
  const sep = current === '' || current.endsWith('\n') ? '' : '\n';
  fs.writeFileSync(file, `${current}${sep}# mldesk: content-addressed data cache\n${missing.join('\n')}\n`);
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

export async function commitFiles(dir: string, files: string[], message: string): Promise<string> {
  for (const filepath of files) await git.add({ fs, dir, filepath });
  return git.commit({ fs, dir, message, author: author() });
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
