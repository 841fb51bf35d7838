/** Pure logic of the data section: URL params, diff defaults, histogram overlay, expectation drafts. */
import type { ColumnProfile, DiffRow, Output, ValidationReportT } from '../../../../shared/contract';
import { formatStat } from './format';

export type Expectations = Output<'data.expectations'>['expectations'];
export type ExpectationColumn = Expectations['columns'][number];
export type DatasetItem = Output<'data.datasets'>[number];
export type DiffKind = DiffRow['kind'];

export const TABS = ['versions', 'profile', 'diff', 'validation', 'drift'] as const;
export type DataTab = (typeof TABS)[number];
export const parseTab = (raw: string | undefined): DataTab => (TABS as readonly string[]).includes(raw ?? '') ? (raw as DataTab) : 'versions';

/** A version reference in the UI: a commit, or the working file. */
export const WORKING = 'working';
export const isCommit = (v: string | undefined): v is string => v !== undefined && /^[0-9a-f]{4,40}$/.test(v);

export const ALL_KINDS: readonly DiffKind[] = ['added', 'removed', 'changed'];
export function parseKinds(raw: string | undefined): DiffKind[] {
  if (!raw) return [...ALL_KINDS];
  const out = raw.split(',').filter((k): k is DiffKind => (ALL_KINDS as readonly string[]).includes(k));
  return out.length > 0 ? ALL_KINDS.filter((k) => out.includes(k)) : [...ALL_KINDS];
}
/** All kinds → undefined (dropped from the URL). */
export const formatKinds = (kinds: readonly DiffKind[]): string | undefined => (kinds.length === ALL_KINDS.length ? undefined : ALL_KINDS.filter((k) => kinds.includes(k)).join(','));

/** `key` in the URL: comma list; `-` = explicitly no key (rows compared as multisets). */
export const NO_KEY = '-';
export function parseKey(raw: string | undefined): string[] | undefined {
  if (raw === undefined) return undefined;
  if (raw === NO_KEY || raw === '') return [];
  return raw.split(',').filter((k) => k !== '');
}
export const formatKey = (key: readonly string[]): string => (key.length === 0 ? NO_KEY : key.join(','));

/** Columns present in both sides, in A's order. */
export function commonColumns(a: readonly string[], b: readonly string[]): string[] {
  const inB = new Set(b);
  return a.filter((c) => inB.has(c));
}

/** Default diff key: a column named `id`, else the first `*_id` / `*-id` / `*Id` column. */
export function defaultKey(columns: readonly string[]): string[] {
  const exact = columns.find((c) => c.toLowerCase() === 'id');
  if (exact) return [exact];
  const suffixed = columns.find((c) => /(_|-)id$/i.test(c) || /[a-z]Id$/.test(c));
  return suffixed ? [suffixed] : [];
}

/** Key values of a diff row as one string (`data-key`): single key → its value, several → joined with `|`. */
export function rowKeyText(row: DiffRow): string {
  return Object.values(row.key)
    .map((v) => v ?? '')
    .join('|');
}

/** Display order of a diff page's columns: key columns first, then file order. */
export function diffColumns(rows: readonly DiffRow[], key: readonly string[]): string[] {
  const seen = new Set<string>(key);
  const out = [...key];
  for (const r of rows) {
    for (const c of Object.keys(r.cells)) {
      if (!seen.has(c)) {
        seen.add(c);
        out.push(c);
      }
    }
  }
  return out;
}

// ---------- stats diff: two histograms on one grid ----------

export interface OverlayBin {
  label: string;
  lo: number;
  hi: number;
  /** Share of the side's non-missing values (0..1). */
  a: number;
  b: number;
  countA: number;
  countB: number;
}

type Hist = NonNullable<ColumnProfile['histogram']>;

/** Spreads each source bin's count over the target grid in proportion to the overlap (a degenerate bin goes to one cell). */
function spread(hist: Hist, lo: number, width: number, n: number): number[] {
  const out = new Array<number>(n).fill(0);
  for (const h of hist) {
    if (h.count === 0) continue;
    const span = h.hi - h.lo;
    if (!(span > 0)) {
      const i = Math.min(n - 1, Math.max(0, Math.floor((h.lo - lo) / width)));
      out[i]! += h.count;
      continue;
    }
    const first = Math.max(0, Math.floor((h.lo - lo) / width));
    const last = Math.min(n - 1, Math.floor((h.hi - lo) / width));
    for (let i = first; i <= last; i++) {
      const cl = lo + i * width;
      const overlap = Math.min(h.hi, cl + width) - Math.max(h.lo, cl);
      if (overlap > 0) out[i]! += (h.count * overlap) / span;
    }
  }
  return out;
}

/** Re-bins two numeric profiles onto a shared grid of `bins` equal-width bins (shares, so row counts may differ). */
export function overlayHistograms(a: Hist | null, b: Hist | null, bins = 20): OverlayBin[] {
  const all = [...(a ?? []), ...(b ?? [])];
  if (all.length === 0) return [];
  const lo = Math.min(...all.map((h) => h.lo));
  const hi = Math.max(...all.map((h) => h.hi));
  const n = hi > lo ? bins : 1;
  const width = hi > lo ? (hi - lo) / n : 1;
  const ca = a ? spread(a, lo, width, n) : new Array<number>(n).fill(0);
  const cb = b ? spread(b, lo, width, n) : new Array<number>(n).fill(0);
  const ta = ca.reduce((s, x) => s + x, 0) || 1;
  const tb = cb.reduce((s, x) => s + x, 0) || 1;
  return ca.map((x, i) => {
    const l = lo + i * width;
    const h = hi > lo ? l + width : hi;
    return { label: formatStat(l), lo: l, hi: h, a: x / ta, b: cb[i]! / tb, countA: Math.round(x), countB: Math.round(cb[i]!) };
  });
}

/** Top values of two categorical profiles as shares, union of both sides' values (most frequent first). */
export function overlayTop(a: ColumnProfile | null, b: ColumnProfile | null, limit = 12): OverlayBin[] {
  const values = new Map<string, { countA: number; countB: number }>();
  const label = (v: string | null) => (v === null ? '(missing)' : v);
  for (const t of a?.top ?? []) values.set(label(t.value), { countA: t.count, countB: 0 });
  for (const t of b?.top ?? []) {
    const k = label(t.value);
    const cur = values.get(k);
    if (cur) cur.countB = t.count;
    else values.set(k, { countA: 0, countB: t.count });
  }
  const ta = a?.count || 1;
  const tb = b?.count || 1;
  return [...values.entries()]
    .map(([k, v]) => ({ label: k, lo: 0, hi: 0, a: v.countA / ta, b: v.countB / tb, countA: v.countA, countB: v.countB }))
    .sort((x, y) => Math.max(y.a, y.b) - Math.max(x.a, x.b) || x.label.localeCompare(y.label))
    .slice(0, limit);
}

export const isNumericType = (t: string): boolean => t === 'integer' || t === 'float';

// ---------- expectations editor ----------

/** Editable text of one expectation column; `orig` keeps exact numbers a field was loaded with. */
export interface ColumnDraft {
  name: string;
  type: string;
  maxMissingPct: string;
  rangeMin: string;
  rangeMax: string;
  categories: string;
  unique: boolean;
  psiMax: string;
  orig: ExpectationColumn;
}

export interface ExpectationsDraft {
  rowsMin: string;
  rowsMax: string;
  /** Least rows of a batch checked against these expectations (empty = not checked). */
  batchMin: string;
  columns: ColumnDraft[];
  base: Expectations;
}

/** Readable but exact enough: up to 6 significant digits. */
export function numText(v: number | undefined): string {
  if (v === undefined || !Number.isFinite(v)) return '';
  return String(Number(v.toPrecision(6)));
}

const pctText = (share: number) => String(Number((share * 100).toPrecision(6)));

export function toDraft(exp: Expectations): ExpectationsDraft {
  return {
    rowsMin: String(exp.rows.min),
    rowsMax: String(exp.rows.max),
    batchMin: exp.rows.batchMin === undefined ? '' : String(exp.rows.batchMin),
    base: exp,
    columns: exp.columns.map((c) => ({
      name: c.name,
      type: c.type,
      maxMissingPct: pctText(c.maxMissing),
      rangeMin: numText(c.range?.min),
      rangeMax: numText(c.range?.max),
      categories: (c.categories ?? []).join(', '),
      unique: c.unique ?? false,
      psiMax: numText(c.drift?.psiMax),
      orig: c,
    })),
  };
}

export class DraftError extends Error {
  constructor(
    readonly column: string | null,
    message: string,
  ) {
    super(message);
  }
}

/** Number of a field: unchanged text keeps the exact loaded value; empty → undefined. */
function parseNum(text: string, loaded: number | undefined, column: string | null, what: string): number | undefined {
  const t = text.trim();
  if (t === '') return undefined;
  if (loaded !== undefined && t === numText(loaded)) return loaded;
  const v = Number(t);
  if (!Number.isFinite(v)) throw new DraftError(column, `${column ? `${column}: ` : ''}${what} “${text}” is not a number`);
  return v;
}

function splitCategories(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** Draft → expectations; throws DraftError naming the field. */
export function fromDraft(d: ExpectationsDraft): Expectations {
  const rowsMin = parseNum(d.rowsMin, d.base.rows.min, null, 'minimum rows');
  const rowsMax = parseNum(d.rowsMax, d.base.rows.max, null, 'maximum rows');
  if (rowsMin === undefined || rowsMax === undefined) throw new DraftError(null, 'Give the row count band (min and max)');
  if (!Number.isInteger(rowsMin) || !Number.isInteger(rowsMax) || rowsMin < 0 || rowsMax < 0) throw new DraftError(null, 'Row counts must be whole numbers ≥ 0');
  if (rowsMin > rowsMax) throw new DraftError(null, `Row count band is empty: min ${rowsMin} > max ${rowsMax}`);
  const batchMin = parseNum(d.batchMin ?? '', d.base.rows.batchMin, null, 'batch minimum rows');
  if (batchMin !== undefined && (!Number.isInteger(batchMin) || batchMin < 0)) throw new DraftError(null, 'The batch minimum must be a whole number ≥ 0');
  const columns = d.columns.map((c): ExpectationColumn => {
    const o = c.orig;
    const pct = parseNum(c.maxMissingPct, o.maxMissing * 100, c.name, 'max missing %');
    const share = pct === undefined ? 0 : pct === o.maxMissing * 100 ? o.maxMissing : pct / 100;
    if (share < 0 || share > 1) throw new DraftError(c.name, `${c.name}: max missing must be between 0 and 100 %`);
    const out: ExpectationColumn = { name: c.name, type: c.type, maxMissing: share, ...(o.refMissing !== undefined ? { refMissing: o.refMissing } : {}) };
    const min = parseNum(c.rangeMin, o.range?.min, c.name, 'range min');
    const max = parseNum(c.rangeMax, o.range?.max, c.name, 'range max');
    if ((min === undefined) !== (max === undefined)) throw new DraftError(c.name, `${c.name}: give both ends of the range, or neither`);
    if (min !== undefined && max !== undefined) {
      if (min > max) throw new DraftError(c.name, `${c.name}: range min ${min} > max ${max}`);
      out.range = { min, max };
    }
    const cats = splitCategories(c.categories);
    if (cats.length > 0) out.categories = cats;
    if (c.unique) out.unique = true;
    const psi = parseNum(c.psiMax, o.drift?.psiMax, c.name, 'PSI max');
    if (psi !== undefined) {
      if (!(psi > 0)) throw new DraftError(c.name, `${c.name}: PSI max must be > 0`);
      if (!o.drift) throw new DraftError(c.name, `${c.name}: no reference distribution to test drift against`);
      out.drift = { ...o.drift, psiMax: psi };
    }
    return out;
  });
  return { ...d.base, rows: { min: rowsMin, max: rowsMax, ...(batchMin !== undefined ? { batchMin } : {}) }, columns };
}

export type Check = ValidationReportT['checks'][number];

/** Failures first, otherwise the engine's order. */
export function sortChecks(checks: readonly Check[]): Check[] {
  return checks
    .map((c, i) => ({ c, i }))
    .sort((x, y) => Number(x.c.passed) - Number(y.c.passed) || x.i - y.i)
    .map((x) => x.c);
}
