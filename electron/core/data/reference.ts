import fs from 'node:fs';
import path from 'node:path';
import { MldeskError } from '../../../shared/contract/errors';
import { checkPathSyntax, isInside, resolveRequestPath, safeFsError, showPath } from '../confine';
import type { EngineContext } from '../context';
import type { DataFormat } from './source';
import type { Against, Expectations, RowCountMode } from './validate';
import { datasetVersions, projectRelative } from './versions';

/**
 * Which expectations a file is validated against (README "Validation against a reference"):
 *
 * 1. given as they are (`--expectations FILE`, or inline in `data.validate`), else
 * 2. `--reference R` / `reference`: R's committed `<R>.expectations.json`, else inferred from R's data, else
 * 3. a declaration next to the file: `<file>.expectations.json` = `{"reference": "data/train.csv"}` (a path in
 *    the project; followed through further declarations, circles refused), else
 * 4. the file's own committed expectations, else
 * 5. the project's training reference: of the datasets with committed expectations, the one runs used as an
 *    input most recently; never used by a run, the one whose reference has the most rows; then by path.
 *
 * The row-count band is checked only when a file meets its own expectations (rule 4, or 2/3 naming the same
 * dataset); a batch checked against another dataset's expectations meets `rows.batchMin` when set, nothing else.
 */

export const EXPECTATIONS_SUFFIX = '.expectations.json';

/** A `<file>.expectations.json` holds expectations, or declares the dataset whose expectations apply. */
export type ExpectationsFile = { kind: 'expectations'; expectations: Expectations } | { kind: 'declaration'; reference: string };

export function parseExpectationsFile(text: string, shown: string): ExpectationsFile {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new MldeskError('INVALID_INPUT', `${shown}: not valid JSON (${(e as Error).message})`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new MldeskError('INVALID_INPUT', `${shown}: expected a JSON object (expectations, or {"reference": "<dataset>"})`);
  const ref = (v as { reference?: unknown }).reference;
  if (typeof ref === 'string') return { kind: 'declaration', reference: checkPathSyntax(ref, `reference in ${shown}`) };
  return { kind: 'expectations', expectations: v as Expectations };
}

/** `<rel>.expectations.json` of a project dataset, if there is one. */
export function readExpectationsFile(dir: string, rel: string): ExpectationsFile | null {
  const fileRel = rel + EXPECTATIONS_SUFFIX;
  const f = path.join(dir, fileRel);
  let text: string;
  try {
    if (!fs.existsSync(f)) return null;
    text = fs.readFileSync(f, 'utf8');
  } catch (e) {
    throw safeFsError(e, fileRel);
  }
  return parseExpectationsFile(text, fileRel);
}

/** Datasets of the project with committed (not declared) expectations. */
export function datasetsWithExpectations(dir: string): Array<{ path: string; expectations: Expectations }> {
  const out: Array<{ path: string; expectations: Expectations }> = [];
  const walk = (abs: string) => {
    for (const e of fs.readdirSync(abs, { withFileTypes: true })) {
      if (e.name === '.git' || e.name === '.mldesk' || e.name === 'node_modules') continue;
      const child = path.join(abs, e.name);
      if (e.isDirectory()) walk(child);
      else if (e.isFile() && e.name.endsWith(EXPECTATIONS_SUFFIX)) {
        const rel = path.relative(dir, child).split(path.sep).join('/').slice(0, -EXPECTATIONS_SUFFIX.length);
        try {
          const f = readExpectationsFile(dir, rel);
          if (f?.kind === 'expectations') out.push({ path: rel, expectations: f.expectations });
        } catch {
          // unreadable or not JSON: not a reference anyone can validate against
        }
      }
    }
  };
  walk(dir);
  return out.sort((a, b) => a.path.localeCompare(b.path));
}

/**
 * When runs last used a dataset as an input (start time, ms): run inputs naming its path (name or source) whose
 * digest is a prefix of one of its versions' sha256 — the launcher's and the scripts' own log-inputs alike.
 */
export async function lastUsed(ctx: EngineContext, dir: string, rel: string): Promise<number | null> {
  const rows = ctx.store.db
    .prepare(
      `SELECT d.digest AS digest, max(r.start_time) AS t
       FROM run_inputs ri JOIN datasets d ON d.dataset_uuid = ri.dataset_uuid JOIN runs r ON r.run_uuid = ri.run_uuid
       WHERE (d.source = ? OR d.name = ? OR d.source LIKE '%/' || ?) AND length(d.digest) >= 8 AND r.lifecycle_stage = 'active'
       GROUP BY d.digest`,
    )
    .all(rel, rel, rel) as Array<{ digest: string; t: number | null }>;
  if (rows.length === 0) return null;
  const shas = (await datasetVersions(dir, rel).catch(() => [])).map((v) => v.pointer.sha256);
  let best: number | null = null;
  for (const r of rows) if (r.t !== null && shas.some((s) => s.startsWith(r.digest.toLowerCase())) && (best === null || r.t > best)) best = r.t;
  return best;
}

export interface Candidate {
  path: string;
  rows: number;
  lastUsed: number | null;
}

/** Training reference order: most recently used by a run, then never-used by reference rows (most first), then path. */
export function rankCandidates(list: Candidate[]): Candidate[] {
  return [...list].sort((a, b) => (b.lastUsed ?? -Infinity) - (a.lastUsed ?? -Infinity) || b.rows - a.rows || a.path.localeCompare(b.path));
}

export interface FoundReference {
  /** The dataset whose expectations apply (project-relative). */
  reference: string;
  rule: 'declared' | 'own' | 'training';
  /** Its committed expectations; null: a declared dataset without any (they are inferred from its data). */
  expectations: Expectations | null;
}

const MAX_HOPS = 8;

/**
 * Rules 3–5 for a project dataset (`rel` from projectRelative); null when none applies. `candidates` (the
 * training-reference ranking) is computed when rule 5 needs it or `withCandidates` asks for it, else empty.
 */
export async function findReference(ctx: EngineContext, dir: string, rel: string, withCandidates = false): Promise<{ found: FoundReference | null; candidates: Candidate[] }> {
  let file = readExpectationsFile(dir, rel);
  let cur = rel;
  const chain = [rel];
  while (file?.kind === 'declaration') {
    const declaredIn = cur + EXPECTATIONS_SUFFIX;
    let next: string;
    try {
      next = projectRelative(dir, file.reference);
    } catch (e) {
      throw new MldeskError('INVALID_INPUT', `${declaredIn}: reference '${showPath(file.reference)}': ${(e as Error).message}`);
    }
    if (chain.includes(next)) {
      throw new MldeskError(
        'INVALID_INPUT',
        next === cur ? `${declaredIn} declares the dataset itself as its reference` : `${declaredIn}: circular references (${[...chain, next].join(' → ')})`,
      );
    }
    chain.push(next);
    if (chain.length > MAX_HOPS) throw new MldeskError('INVALID_INPUT', `${rel}: more than ${MAX_HOPS - 1} declared references in a row (${chain.join(' → ')})`);
    cur = next;
    file = readExpectationsFile(dir, cur);
  }
  const ranked = async () =>
    rankCandidates(
      await Promise.all(
        datasetsWithExpectations(dir)
          .filter((d) => d.path !== rel)
          .map(async (d) => ({ path: d.path, rows: Number(d.expectations.reference?.rows) || 0, lastUsed: await lastUsed(ctx, dir, d.path) })),
      ),
    );
  const settled = cur !== rel || file?.kind === 'expectations';
  const candidates = settled && !withCandidates ? [] : await ranked();
  if (cur !== rel) return { found: { reference: cur, rule: 'declared', expectations: file?.kind === 'expectations' ? file.expectations : null }, candidates };
  if (file?.kind === 'expectations') return { found: { reference: rel, rule: 'own', expectations: file.expectations }, candidates };
  const best = candidates[0];
  if (!best) return { found: null, candidates };
  const chosen = readExpectationsFile(dir, best.path);
  return { found: { reference: best.path, rule: 'training', expectations: chosen?.kind === 'expectations' ? chosen.expectations : null }, candidates };
}

/** A file to validate or to take expectations from: readable `file`, and its project dataset when it is one. */
export interface DataTarget {
  file: string;
  format?: DataFormat;
  /** How the caller named it (messages). */
  label: string;
  /** The project folder and dataset path (project-relative) when the file is a project dataset or a version of one. */
  dir?: string;
  rel?: string;
  /** A git version of the dataset rather than its working file. */
  version?: string;
}

/** Project folder and dataset path of an absolute file inside one of `folders`, if any. */
export function inProject(folders: readonly string[], file: string): { dir: string; rel: string } | null {
  for (const dir of folders) {
    if (!path.isAbsolute(dir) || !isInside(dir, file) || path.resolve(dir) === path.resolve(file)) continue;
    try {
      return { dir, rel: projectRelative(dir, file) };
    } catch {
      // .git/ or .mldesk/ inside it, or a symlink out of it: not a dataset of that project
    }
  }
  return null;
}

const sameDataset = (a: DataTarget, b: DataTarget) => (a.dir !== undefined && a.dir === b.dir && a.rel !== undefined && a.rel === b.rel) || path.resolve(a.file) === path.resolve(b.file);

export interface ExpectationsSource {
  /** Expectations inferred from a file's data (exact reference shares). */
  inferFromFile(file: string, format?: DataFormat): Promise<Expectations>;
}

/**
 * The expectations `target` is validated against, and why (rules 1–5 above). `how.rowCount` overrides the
 * row-count mode the rules pick.
 */
export async function expectationsFor(
  ctx: EngineContext,
  data: ExpectationsSource,
  target: DataTarget,
  how: { expectations?: Expectations; reference?: DataTarget; rowCount?: RowCountMode } = {},
): Promise<{ expectations: Expectations; against: Against }> {
  const mode = (same: boolean): RowCountMode => how.rowCount ?? (same ? 'band' : 'batch');
  if (how.expectations) return { expectations: how.expectations, against: { reference: null, rule: 'given', source: 'given', rowCount: how.rowCount ?? 'band' } };
  if (how.reference) {
    const ref = how.reference;
    const committed = ref.dir && ref.rel && !ref.version ? readExpectationsFile(ref.dir, ref.rel) : null;
    if (committed?.kind === 'declaration') {
      // The reference itself declares one: follow it.
      const { found } = await findReference(ctx, ref.dir!, ref.rel!);
      if (found) return resolved(found, ref.dir!, target, data, 'explicit', mode);
    }
    const expectations = committed?.kind === 'expectations' ? committed.expectations : await data.inferFromFile(ref.file, ref.format);
    return { expectations, against: { reference: ref.rel ?? ref.label, rule: 'explicit', source: committed?.kind === 'expectations' ? 'committed' : 'inferred', rowCount: mode(sameDataset(ref, target)) } };
  }
  if (target.dir && target.rel) {
    const { found } = await findReference(ctx, target.dir, target.rel);
    if (found) return resolved(found, target.dir, target, data, found.rule, mode);
  } else {
    // Outside any project: expectations (or a declaration) next to the file.
    const beside = target.file + EXPECTATIONS_SUFFIX;
    if (fs.existsSync(beside)) {
      let text: string;
      try {
        text = fs.readFileSync(beside, 'utf8');
      } catch (e) {
        throw safeFsError(e, target.label + EXPECTATIONS_SUFFIX);
      }
      const f = parseExpectationsFile(text, target.label + EXPECTATIONS_SUFFIX);
      if (f.kind === 'expectations') return { expectations: f.expectations, against: { reference: target.label, rule: 'own', source: 'committed', rowCount: mode(true) } };
      const refFile = resolveRequestPath(f.reference, `reference in ${target.label}${EXPECTATIONS_SUFFIX}`, { base: path.dirname(target.file) });
      if (path.resolve(refFile) === path.resolve(target.file)) throw new MldeskError('INVALID_INPUT', `${target.label}${EXPECTATIONS_SUFFIX} declares the file itself as its reference`);
      return expectationsFor(ctx, data, target, { reference: { file: refFile, label: f.reference }, rowCount: how.rowCount }).then((r) => ({ ...r, against: { ...r.against, rule: 'declared' } }));
    }
  }
  const name = target.rel ?? target.label;
  throw new MldeskError(
    'FAILED_PRECONDITION',
    `No expectations for ${name}: pass --reference <file> (the data it should look like), commit expectations (mldesk data expect ${name} --commit), or declare a reference in ${name}${EXPECTATIONS_SUFFIX}: {"reference": "data/train.csv"}`,
  );
}

async function resolved(
  found: FoundReference,
  dir: string,
  target: DataTarget,
  data: ExpectationsSource,
  rule: Against['rule'],
  mode: (same: boolean) => RowCountMode,
): Promise<{ expectations: Expectations; against: Against }> {
  const expectations = found.expectations ?? (await data.inferFromFile(path.join(dir, found.reference)));
  const same = target.dir === dir && target.rel === found.reference;
  return { expectations, against: { reference: found.reference, rule, source: found.expectations ? 'committed' : 'inferred', rowCount: mode(same) } };
}
