import fs from 'node:fs';
import path from 'node:path';
import type { DiffResult, FileRef, Profile } from '../../../shared/contract/data';
import { MldeskError } from '../../../shared/contract/errors';
import { datasetLocation } from '../../../shared/lib/datasetSource';
import type { EngineContext } from '../context';
import { commitFiles } from '../projects/git';
import type { ProjectsService } from '../projects/service';
import { checkPathSyntax, isFsError, redactPaths, resolveRequestPath, showPath, type ProjectRootsProvider } from '../confine';
import { readColumnTables, type ColumnSource } from './columns';
import { DiffCache, diffSources, type DiffOptions } from './diff';
import { describe, Duck, ident, readError, scan } from './duck';
import { sha256File } from './hash';
import { mapEntries, ProfileCache, profileSource } from './profile';
import { openSource, type DataFormat } from './source';
import { checkExpectations, inferExpectations, sharesOf, type Expectations, type RowCountMode, type ValidationReport } from './validate';
import { EXPECTATIONS_SUFFIX, expectationsFor, findReference, inProject, readExpectationsFile, type DataTarget } from './reference';
import { projectStatus } from './status';
import { addDataset, cachedFile, checkoutDataset, datasetVersions, listPointers, pointerAt, POINTER_SUFFIX, projectRelative, readPointer } from './versions';

export { addDataset, checkoutDataset, datasetVersions, listPointers } from './versions';
export type { Against, Expectations, RowCountMode, ValidationReport } from './validate';
export { EXPECTATIONS_SUFFIX, type DataTarget } from './reference';
export type { ColumnSource } from './columns';
export { autoScan, cellOf, NUMERIC_TYPE } from './duck';

/** Data versions, profiles, diffs and validation for projects and plain files. */
export class DataService {
  readonly duck: Duck;
  private readonly profiles: ProfileCache;
  private readonly diffs = new DiffCache(4);

  /** Where callers below admin may name files: the registered projects (see confine.allowedRoots). */
  private readonly roots: ProjectRootsProvider = () => this.projects?.roots() ?? [];

  constructor(
    private readonly ctx: EngineContext,
    private readonly projects: ProjectsService | null,
  ) {
    this.duck = new Duck(path.join(ctx.dataDir, 'duckdb-tmp'));
    this.profiles = new ProfileCache(path.join(ctx.dataDir, 'profiles'));
  }

  projectDir(projectId: string): string {
    if (!this.projects) throw new MldeskError('FAILED_PRECONDITION', 'No project service');
    return this.projects.pathOf(projectId);
  }

  /**
   * Absolute file (working tree, cached version, or plain path) and its sha256 when known; `label` names it as the
   * caller did. A `{file}` must be absolute (nothing resolves against the server's working folder) and, for callers
   * below admin, inside a registered project; a `{projectId, path}` stays inside its project.
   */
  async resolve(ref: FileRef): Promise<{ file: string; sha?: string; label: string; format?: DataFormat; pairs: Array<[string, string]> }> {
    if ('file' in ref) {
      const file = resolveRequestPath(ref.file, 'file', { roots: this.roots });
      return { file, label: ref.file, pairs: [[file, ref.file]] };
    }
    const dir = this.projectDir(ref.projectId);
    const rel = projectRelative(dir, ref.path);
    if (ref.version) {
      const p = await pointerAt(dir, rel, ref.version);
      const label = `${rel}@${ref.version.slice(0, 8)}`;
      const file = cachedFile(dir, p);
      return { file, sha: p.sha256, label, format: p.format, pairs: [[file, label], [dir, '.']] };
    }
    const file = path.join(dir, rel);
    return { file, label: rel, pairs: [[file, rel], [dir, '.']] };
  }

  /** Runs `fn`; its errors name files as the caller did (see confine.redactPaths), never by server paths. */
  private async named<T>(pairs: Array<[string, string]>, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw redactPaths(e, pairs);
    }
  }

  async profileFile(file: string, sha?: string, format?: DataFormat): Promise<Profile> {
    const src = openSource(file, format);
    const digest = sha ?? (await sha256File(file));
    const hit = this.profiles.get(digest);
    if (hit) return hit;
    const p = await profileSource(this.duck, src, digest);
    this.profiles.put(p);
    return p;
  }

  async profile(ref: FileRef): Promise<Profile> {
    const r = await this.resolve(ref);
    return this.named(r.pairs, () => this.profileFile(r.file, r.sha, r.format));
  }

  async diffFiles(a: string, b: string, opts: DiffOptions, formats: [DataFormat?, DataFormat?] = []): Promise<DiffResult> {
    return diffSources(this.duck, openSource(a, formats[0]), openSource(b, formats[1]), opts, this.diffs);
  }

  async diff(a: FileRef, b: FileRef, opts: DiffOptions): Promise<DiffResult> {
    const [ra, rb] = [await this.resolve(a), await this.resolve(b)];
    return this.named([...ra.pairs, ...rb.pairs], () => this.diffFiles(ra.file, rb.file, opts, [ra.format, rb.format]));
  }

  /**
   * Two files as column tables for the drift engine (columns.ts: sorted numbers or category counts per column,
   * types settled for both sides together). `columnMap`: current column → reference column.
   */
  columnTables(ref: ColumnSource, cur: ColumnSource, columnMap: Record<string, string> = {}) {
    return readColumnTables(this.duck, ref, cur, columnMap);
  }

  /** `columnTables` of two refs (see resolve); errors name the files as the caller did. */
  async columnTablesOf(ref: FileRef, cur: FileRef, columnMap: Record<string, string> = {}) {
    const [ra, rb] = [await this.resolve(ref), await this.resolve(cur)];
    return this.named([...ra.pairs, ...rb.pairs], () =>
      readColumnTables(this.duck, { file: ra.file, format: ra.format, label: ra.label }, { file: rb.file, format: rb.format, label: rb.label }, columnMap),
    );
  }

  /**
   * Expectations inferred from a file: its profile, plus the exact shares of its non-missing values over the
   * inferred bins, counted by the same pass validation uses (so the file checked against them scores PSI 0).
   */
  async inferFromFile(file: string, format?: DataFormat, sha?: string): Promise<Expectations> {
    const prof = await this.profileFile(file, sha, format);
    const rough = inferExpectations(prof);
    const { shares } = await this.tableStats(file, { ...rough, columns: rough.columns.map((c) => ({ ...c, unique: false })) }, format);
    return inferExpectations(prof, shares);
  }

  /** `inferFromFile` for a resolved ref (errors named as the caller named it). */
  async infer(ref: FileRef): Promise<Expectations> {
    const r = await this.resolve(ref);
    return this.named(r.pairs, () => this.inferFromFile(r.file, r.format, r.sha));
  }

  /**
   * One streaming pass over the data for what a profile does not hold: repeated values of unique columns, and
   * exact shares of each numeric column over the reference's bin edges (for the PSI drift test).
   */
  private async tableStats(file: string, exp: Expectations, format?: DataFormat): Promise<{ duplicates: Record<string, number>; shares: Record<string, number[]> }> {
    const src = openSource(file, format);
    try {
      const present = new Set((await describe(this.duck, scan(src, false))).map((c) => c.name));
      const unique = exp.columns.filter((c) => c.unique && present.has(c.name));
      const binned = exp.columns.filter((c) => c.drift?.bins && present.has(c.name));
      if (unique.length === 0 && binned.length === 0) return { duplicates: {}, shares: {} };
      const sel = [
        ...unique.map((c, i) => `count(${ident(c.name)}) - count(DISTINCT ${ident(c.name)}) AS d${i}`),
        ...binned.map((c, i) => {
          const v = `TRY_CAST(${ident(c.name)} AS DOUBLE)`;
          const bin = c.drift!.bins!.map((e) => `(${v} >= ${Number(e)})::INTEGER`).join(' + ') || '0';
          return `histogram(${bin}) FILTER (WHERE ${v} IS NOT NULL) AS s${i}`;
        }),
      ];
      const [r] = await this.duck.all<Record<string, unknown>>(`SELECT ${sel.join(', ')} FROM ${scan(src, false)}`);
      const duplicates = Object.fromEntries(unique.map((c, i) => [c.name, Number(r?.[`d${i}`] ?? 0)]));
      const shares = Object.fromEntries(
        binned.map((c, i) => {
          const counts = new Array<number>(c.drift!.bins!.length + 1).fill(0);
          for (const [b, n] of mapEntries(r?.[`s${i}`])) counts[Number(b)]! += Number(n);
          return [c.name, sharesOf(counts)];
        }),
      );
      return { duplicates, shares };
    } catch (e) {
      throw readError(src, e);
    }
  }

  /**
   * `label`: how the caller named the file (errors show it instead of the absolute path). `rowCount`: `band`
   * (default) when the file meets its own expectations, `batch` when they are another dataset's (validate.ts).
   */
  async validateFile(file: string, exp: Expectations, opts: { format?: DataFormat; label?: string; rowCount?: RowCountMode } = {}): Promise<ValidationReport> {
    return this.named(opts.label ? [[file, opts.label]] : [], async () => {
      const prof = await this.profileFile(file, undefined, opts.format);
      const stats = await this.tableStats(file, exp, opts.format);
      return checkExpectations(exp, prof, stats.duplicates, stats.shares, opts.rowCount);
    });
  }

  /** A resolved ref (see resolve) as a DataTarget: with its project dataset when it is (a version of) one. */
  async target(ref: FileRef): Promise<DataTarget & { pairs: Array<[string, string]> }> {
    const r = await this.resolve(ref);
    if ('file' in ref) {
      const own = inProject(this.projects?.roots() ?? [], r.file);
      return { file: r.file, label: r.label, pairs: r.pairs, ...(own ?? {}) };
    }
    const dir = this.projectDir(ref.projectId);
    return { file: r.file, format: r.format, label: r.label, pairs: r.pairs, dir, rel: projectRelative(dir, ref.path), version: ref.version };
  }

  /**
   * Validates `target` against the expectations it is declared against (reference.ts: given, `reference`, a
   * declaration, its own, or the project's training reference); the report says which (`against`).
   */
  async validateTarget(target: DataTarget, how: { expectations?: Expectations; reference?: DataTarget; rowCount?: RowCountMode } = {}): Promise<ValidationReport> {
    const { expectations, against } = await expectationsFor(this.ctx, this, target, how);
    const report = await this.validateFile(target.file, expectations, { format: target.format, label: target.label, rowCount: against.rowCount });
    return { ...report, against };
  }

  /** The dataset a project dataset is validated against by default, and the project's training-reference candidates. */
  async referenceOf(projectId: string, file: string) {
    const dir = this.projectDir(projectId);
    const rel = projectRelative(dir, file);
    const { found, candidates } = await findReference(this.ctx, dir, rel, true);
    return { reference: found?.reference ?? null, rule: found?.rule ?? null, source: found ? (found.expectations ? ('committed' as const) : ('inferred' as const)) : null, candidates };
  }

  /** Expectations committed next to a project dataset (`rel` from projectRelative), if any; a `{"reference": …}` declaration is not. */
  readExpectations(projectDir: string, rel: string): Expectations | null {
    const f = readExpectationsFile(projectDir, rel);
    return f?.kind === 'expectations' ? f.expectations : null;
  }

  /** Writes and commits `<rel>.expectations.json` (`rel` from projectRelative); its folder must exist. */
  async saveExpectations(projectDir: string, rel: string, exp: Expectations): Promise<string> {
    const fileRel = rel + EXPECTATIONS_SUFFIX;
    checkPathSyntax(fileRel, 'expectations file');
    const file = path.join(projectDir, fileRel);
    const folder = path.posix.dirname(fileRel);
    try {
      let isDir = false;
      try {
        isDir = fs.statSync(path.dirname(file)).isDirectory();
      } catch (e) {
        if (!isFsError(e) || e.code !== 'ENOENT') throw e;
      }
      if (!isDir) throw new MldeskError('NOT_FOUND', `Folder '${showPath(folder)}' does not exist in the project`);
      fs.writeFileSync(file, JSON.stringify(exp, null, 2) + '\n');
      // Commits this file only: whatever else the user has staged stays staged.
      return await commitFiles(projectDir, [fileRel], `data: expectations for ${rel}`);
    } catch (e) {
      throw redactPaths(e, [[file, fileRel], [projectDir, '.']]);
    }
  }

  /**
   * Lineage from the run side: the project dataset version a logged input names. Its path comes from the
   * source (`{"uri": …}` or plain) or the name; its digest must be a prefix (≥ 8 hex) of the version's sha256.
   */
  async locate(input: { name: string; source: string; digest: string; projectId?: string }): Promise<{ projectId: string; path: string; commit: string } | null> {
    const digest = input.digest.toLowerCase();
    if (!/^[0-9a-f]{8,64}$/.test(digest) || !this.projects) return null;
    const source = datasetLocation(input.source);
    const folders = this.projects.folders().filter((p) => !input.projectId || p.id === input.projectId);
    for (const { id, path: dir } of folders) {
      for (const candidate of [source, input.name]) {
        if (!candidate) continue;
        let rel: string;
        try {
          rel = projectRelative(dir, candidate.replace(/^file:\/\//, ''));
        } catch {
          continue;
        }
        if (!fs.existsSync(path.join(dir, rel + POINTER_SUFFIX))) continue;
        const hit = (await datasetVersions(dir, rel).catch(() => [])).find((v) => v.pointer.sha256.startsWith(digest));
        if (hit) return { projectId: id, path: rel, commit: hit.commit };
      }
    }
    return null;
  }

  datasets(projectId: string) {
    return listPointers(this.projectDir(projectId));
  }

  versions(projectId: string, rel: string) {
    return datasetVersions(this.projectDir(projectId), rel);
  }

  /** `file`: relative to the project, or absolute inside it. */
  add(projectId: string, file: string) {
    const dir = this.projectDir(projectId);
    const rel = projectRelative(dir, file);
    return this.named([[path.join(dir, rel), rel], [dir, '.']], () => addDataset(this.duck, dir, rel));
  }

  /** `file`: relative to the project, or absolute inside it. */
  checkout(projectId: string, file: string, version: string, force = false) {
    const dir = this.projectDir(projectId);
    const rel = projectRelative(dir, file);
    return this.named([[path.join(dir, rel), rel], [dir, '.']], () => checkoutDataset(dir, rel, version, { force, duck: this.duck, dataDir: this.ctx.dataDir }));
  }

  /** `data status` of the project's datasets (or of `paths`, relative to the project); see status.ts. */
  status(projectId: string, paths?: string[]) {
    const dir = this.projectDir(projectId);
    return this.named([[dir, '.']], () => projectStatus(this.duck, dir, paths));
  }

  pointer(projectDir: string, rel: string) {
    return readPointer(projectDir, rel);
  }

  close(): void {
    this.diffs.clear();
    this.duck.close();
  }
}
