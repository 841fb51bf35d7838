import type { InsightRow, LocalExplanation } from '../../../../shared/contract';

/** Numbers for charts and tables: 3 significant digits, small ones in exponent form. */
export function fmt(v: number | null | undefined, digits = 3): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  if (v !== 0 && Math.abs(v) < 1e-3) return v.toExponential(1);
  return String(Number(v.toPrecision(digits)));
}

export const pct = (v: number | null | undefined) => (v === null || v === undefined || !Number.isFinite(v) ? '—' : `${Number((v * 100).toPrecision(3))}%`);

/** A cell of a row as text ("missing" for null). */
export const cellText = (v: unknown) => (v === null || v === undefined || v === '' ? 'missing' : typeof v === 'number' ? fmt(v, 6) : String(v));

export const METHOD_LABEL: Record<LocalExplanation['method'], string> = { kernelshap: 'KernelSHAP', treeshap: 'TreeSHAP (exact)', lime: 'LIME' };

export const SPACE_LABEL: Record<LocalExplanation['space'], string> = { probability: 'probability', 'log-odds': 'log-odds', value: 'model output' };

/** The first row of a request body ("Try it" example or a user's), or null. */
export function rowOfBody(body: unknown): InsightRow | null {
  if (!body || typeof body !== 'object') return null;
  const b = body as Record<string, unknown>;
  const split = b.dataframe_split as { columns?: unknown; data?: unknown } | undefined;
  if (split && Array.isArray(split.columns) && Array.isArray(split.data) && Array.isArray(split.data[0])) {
    const cols = split.columns.map(String);
    const vals = split.data[0] as unknown[];
    return Object.fromEntries(cols.map((c, i) => [c, scalar(vals[i])]));
  }
  const recs = b.dataframe_records;
  if (Array.isArray(recs) && recs[0] && typeof recs[0] === 'object') return Object.fromEntries(Object.entries(recs[0] as Record<string, unknown>).map(([k, v]) => [k, scalar(v)]));
  return null;
}

function scalar(v: unknown): InsightRow[string] {
  if (v === null || v === undefined) return null;
  if (Array.isArray(v)) return scalar(v[0]);
  if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v;
  return String(v);
}

export interface WaterfallStep {
  name: string;
  /** The feature's value in the row, or the condition LIME used. */
  detail: string;
  phi: number;
  from: number;
  to: number;
  kind: 'base' | 'up' | 'down' | 'total';
}

/**
 * Waterfall steps: E[f] → each contribution (largest |φ| first; the rest folded into one step) → f(x). Keeps the
 * additivity visible: the last bar ends where the sum of the steps does.
 */
export function waterfallSteps(e: LocalExplanation, max = 12): WaterfallStep[] {
  const sorted = [...e.contributions].sort((a, b) => Math.abs(b.phi) - Math.abs(a.phi));
  // One leftover feature is shown as itself, not as "1 other features".
  const cut = sorted.length <= max + 1 ? sorted.length : max;
  const shown = sorted.slice(0, cut);
  const rest = sorted.slice(cut);
  const steps: WaterfallStep[] = [{ name: e.method === 'lime' ? 'intercept' : 'E[f(X)]', detail: e.method === 'lime' ? 'surrogate intercept' : 'expected value over the background', phi: e.expected, from: 0, to: e.expected, kind: 'base' }];
  let at = e.expected;
  const push = (name: string, detail: string, phi: number) => {
    steps.push({ name, detail, phi, from: at, to: at + phi, kind: phi >= 0 ? 'up' : 'down' });
    at += phi;
  };
  for (const c of shown) push(c.feature, c.condition ?? cellText(c.value), c.phi);
  if (rest.length) push(`${rest.length} other features`, rest.map((r) => r.feature).join(', '), rest.reduce((a, r) => a + r.phi, 0));
  steps.push({ name: e.method === 'lime' ? 'surrogate f(x)' : 'f(x)', detail: e.method === 'lime' ? 'the surrogate at x' : 'the model’s output', phi: e.fx, from: 0, to: e.fx, kind: 'total' });
  return steps;
}
