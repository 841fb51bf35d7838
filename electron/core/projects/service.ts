import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { MldeskError, type ProjectSummary } from '../../../shared/contract';
import type { EngineContext } from '../context';
import { isInside, realpathDeep, resolveRequestPath, safeFsError, setProjectRootsProvider, showPath } from '../confine';
import { commitFiles, ensureGitignore, gitState, hasCommits, isRepo } from './git';
import git from 'isomorphic-git';

interface ProjectRow {
  id: string;
  name: string;
  path: string;
  added_at: number;
}

export class ProjectsService {
  /** The registered project folders: where callers below admin may name files (see confine.allowedRoots). */
  readonly roots = (): string[] => this.folders().map((f) => f.path);

  constructor(private readonly ctx: EngineContext) {
    setProjectRootsProvider(this.roots);
  }

  /**
   * A project folder named in a request: absolute (or ~), syntax-checked, inside the registered projects for callers
   * below admin, and never the file-system root or mldesk's own data folder (its `projects/` subfolder excepted).
   */
  private folderOf(given: string): string {
    const dir = resolveRequestPath(given, 'project folder', { roots: this.roots });
    const shown = showPath(given);
    if (path.dirname(dir) === dir) throw new MldeskError('INVALID_INPUT', `'${shown}' is the root of the file system, not a project folder`);
    const data = path.resolve(this.ctx.dataDir);
    for (const [d, real] of [
      [dir, false],
      [realpathDeep(dir, given), true],
    ] as const) {
      const base = real ? realpathDeep(data) : data;
      if (isInside(base, d) && !isInside(path.join(base, 'projects'), d)) {
        throw new MldeskError('INVALID_INPUT', "A project folder cannot be inside mldesk's own data folder; keep projects elsewhere");
      }
    }
    return dir;
  }

  private get db() {
    return this.ctx.store.db;
  }

  private row(id: string): ProjectRow {
    const row = this.db.prepare('SELECT * FROM projects WHERE id = ?').get(id) as ProjectRow | undefined;
    if (!row) throw new MldeskError('NOT_FOUND', `No project with id ${id}`);
    return row;
  }

  private byPath(p: string): ProjectRow | undefined {
    return this.db.prepare('SELECT * FROM projects WHERE path = ?').get(p) as ProjectRow | undefined;
  }

  async summary(row: ProjectRow): Promise<ProjectSummary> {
    const missing = !fs.existsSync(row.path);
    const git = missing ? null : await gitState(row.path);
    return { id: row.id, name: row.name, path: row.path, addedAt: row.added_at, git, missing };
  }

  async list(): Promise<ProjectSummary[]> {
    const rows = this.db.prepare('SELECT * FROM projects ORDER BY added_at DESC, name').all() as ProjectRow[];
    return Promise.all(rows.map((r) => this.summary(r)));
  }

  async get(id: string): Promise<ProjectSummary> {
    return this.summary(this.row(id));
  }

  /** Ids and folders of all listed projects, without git state (for lookups by other features). */
  folders(): Array<{ id: string; path: string }> {
    return this.db.prepare('SELECT id, path FROM projects ORDER BY added_at DESC, name').all() as Array<{ id: string; path: string }>;
  }

  /** Path of a listed project (for other features: data, launcher). */
  pathOf(id: string): string {
    return this.row(id).path;
  }

  /** Creates a fresh folder with README + .gitignore and a first commit. */
  async create(input: { path: string; name?: string }, seed?: (dir: string) => Promise<string[]> | string[]): Promise<ProjectSummary> {
    const dir = this.folderOf(input.path);
    const shown = showPath(input.path);
    const existing = this.byPath(dir);
    if (existing) throw new MldeskError('ALREADY_EXISTS', `${shown} is already in the project list as "${existing.name}"`);
    let createdDir: boolean;
    try {
      if (fs.existsSync(dir)) {
        if (!fs.statSync(dir).isDirectory()) throw new MldeskError('INVALID_INPUT', `${shown} exists and is a file, not a folder`);
        if (fs.readdirSync(dir).length > 0) {
          throw new MldeskError('ALREADY_EXISTS', `${shown} is not empty — use "Open folder" to add an existing project`);
        }
      }
      const parent = path.dirname(dir);
      if (!fs.existsSync(parent)) throw new MldeskError('NOT_FOUND', `Parent folder ${showPath(path.dirname(input.path))} does not exist`);
      if (!fs.statSync(parent).isDirectory()) throw new MldeskError('INVALID_INPUT', `Parent folder ${showPath(path.dirname(input.path))} is a file`);
      createdDir = !fs.existsSync(dir);
    } catch (e) {
      throw safeFsError(e, input.path);
    }
    const name = input.name ?? path.basename(dir);
    try {
      fs.mkdirSync(dir, { recursive: true });
      await git.init({ fs, dir, defaultBranch: 'main' });
      ensureGitignore(dir);
      fs.writeFileSync(path.join(dir, 'README.md'), `# ${name}\n\nAn mldesk project: code, data pointers and run lineage live in this git repo.\n`);
      const extra = seed ? await seed(dir) : [];
      await commitFiles(dir, ['.gitignore', 'README.md', ...extra], seed ? `Create ${name} (mldesk demo)` : `Create ${name}`);
    } catch (e) {
      // Leave nothing half-made behind: the folder was ours.
      try {
        if (createdDir) fs.rmSync(dir, { recursive: true, force: true });
        else for (const f of fs.readdirSync(dir)) fs.rmSync(path.join(dir, f), { recursive: true, force: true });
      } catch {
        // best effort: report the original failure
      }
      throw safeFsError(e, input.path);
    }
    return this.insert(dir, name, 'project.create');
  }

  /** Adds an existing folder; makes it a git repo with a first commit if needed. */
  async open(input: { path: string; name?: string }): Promise<ProjectSummary> {
    const dir = this.folderOf(input.path);
    const shown = showPath(input.path);
    try {
      if (!fs.existsSync(dir)) throw new MldeskError('NOT_FOUND', `Folder ${shown} does not exist`);
      if (!fs.statSync(dir).isDirectory()) throw new MldeskError('INVALID_INPUT', `${shown} is a file, not a folder`);
      const existing = this.byPath(dir);
      if (existing) return await this.summary(existing);
      if (!(await isRepo(dir))) await git.init({ fs, dir, defaultBranch: 'main' });
      const ignoreChanged = ensureGitignore(dir);
      if (!(await hasCommits(dir))) await commitFiles(dir, ['.gitignore'], 'Start tracking with mldesk');
      else if (ignoreChanged) await commitFiles(dir, ['.gitignore'], 'mldesk: ignore data cache');
    } catch (e) {
      throw safeFsError(e, input.path);
    }
    return this.insert(dir, input.name ?? path.basename(dir), 'project.open');
  }

  async remove(id: string): Promise<{ removed: boolean }> {
    const row = this.row(id);
    this.db.prepare('DELETE FROM projects WHERE id = ?').run(id);
    this.ctx.audit('project.remove', id, { path: row.path });
    this.ctx.events.publish('projects.changed', { id });
    return { removed: true };
  }

  private async insert(dir: string, name: string, action: string): Promise<ProjectSummary> {
    const row: ProjectRow = { id: randomUUID(), name, path: dir, added_at: Date.now() };
    // Two concurrent opens of one folder both pass the lookup before either inserts: the second gets the first's project.
    const inserted = this.db.prepare('INSERT INTO projects (id, name, path, added_at) VALUES (@id, @name, @path, @added_at) ON CONFLICT (path) DO NOTHING').run(row);
    if (inserted.changes === 0) {
      const existing = this.db.prepare('SELECT * FROM projects WHERE path = ?').get(dir) as ProjectRow;
      if (action === 'project.create') throw new MldeskError('ALREADY_EXISTS', `${name} is already in the project list`);
      return this.summary(existing);
    }
    this.ctx.audit(action, row.id, { path: dir });
    this.ctx.events.publish('projects.changed', { id: row.id });
    return this.summary(row);
  }
}
