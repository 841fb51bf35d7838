import type { Canary } from '../cluster';
import { histogramQuantile, INFERENCE_ROUTES, parsePrometheus, type Sample } from '../metrics';

/**
 * The canary's verdict: inference figures of the canary replica over the window against the other replicas'
 * (counter deltas of the runtime's /metrics, scraped at the start and the end of the window).
 */

export interface Window {
  requests: number;
  /** Inference answers with status ≥ 400. */
  errors: number;
  /** Cumulative latency histogram of the inference routes: le (seconds) → count. */
  buckets: Map<number, number>;
}

export const emptyWindow = (): Window => ({ requests: 0, errors: 0, buckets: new Map() });

export function windowOf(samples: Sample[]): Window {
  const w = emptyWindow();
  for (const s of samples) {
    if (!INFERENCE_ROUTES.has(s.labels.route ?? '')) continue;
    if (s.name === 'mldesk_requests_total') {
      w.requests += s.value;
      if (Number(s.labels.code) >= 400) w.errors += s.value;
    } else if (s.name === 'mldesk_request_duration_seconds_bucket') {
      const le = s.labels.le === '+Inf' ? Infinity : Number(s.labels.le);
      if (!Number.isNaN(le)) w.buckets.set(le, (w.buckets.get(le) ?? 0) + s.value);
    }
  }
  return w;
}

export const windowOfText = (text: string): Window => windowOf(parsePrometheus(text));

/** after − before (a replica that restarted meanwhile counts from zero). */
export function delta(after: Window, before: Window | null): Window {
  if (!before || after.requests < before.requests) return after;
  const buckets = new Map<number, number>();
  for (const [le, n] of after.buckets) buckets.set(le, Math.max(0, n - (before.buckets.get(le) ?? 0)));
  return { requests: after.requests - before.requests, errors: Math.max(0, after.errors - before.errors), buckets };
}

export function sum(ws: Window[]): Window {
  const out = emptyWindow();
  for (const w of ws) {
    out.requests += w.requests;
    out.errors += w.errors;
    for (const [le, n] of w.buckets) out.buckets.set(le, (out.buckets.get(le) ?? 0) + n);
  }
  return out;
}

export interface Figures {
  requests: number;
  errorRate: number | null;
  p50Ms: number | null;
}

export function figures(w: Window): Figures {
  const p50 = histogramQuantile(
    0.5,
    [...w.buckets].map(([le, count]) => ({ le, count })),
  );
  return { requests: w.requests, errorRate: w.requests > 0 ? w.errors / w.requests : null, p50Ms: p50 === null ? null : Number((p50 * 1000).toFixed(3)) };
}

export interface Verdict {
  ok: boolean;
  canary: Figures;
  others: Figures;
  /** In words, with the numbers: what the outcome message says. */
  summary: string;
}

/** Fewer canary requests than this in the window: not enough to judge (the update continues, and says so). */
export const MIN_REQUESTS = 5;

const pct = (x: number | null) => (x === null ? 'n/a' : `${(x * 100).toFixed(1)}%`);
const msText = (x: number | null) => (x === null ? 'n/a' : `${x.toFixed(1)} ms`);

export function verdict(canary: Window, others: Window, c: Canary, names: { canary: string; others: string }): Verdict {
  const a = figures(canary);
  const b = figures(others);
  const line = (n: string, f: Figures) => `${n}: ${f.requests} requests, error rate ${pct(f.errorRate)}, p50 ${msText(f.p50Ms)}`;
  const numbers = `${line(names.canary, a)}; ${line(names.others, b)}`;
  if (a.requests < MIN_REQUESTS) return { ok: true, canary: a, others: b, summary: `${numbers} — too little traffic reached the canary to judge it (under ${MIN_REQUESTS} requests); continuing` };
  const errDelta = (a.errorRate ?? 0) - (b.errorRate ?? 0);
  if (errDelta > c.maxErrorRateDelta) {
    return { ok: false, canary: a, others: b, summary: `${numbers} — the canary's error rate is ${(errDelta * 100).toFixed(1)} points above the others' (limit ${(c.maxErrorRateDelta * 100).toFixed(1)})` };
  }
  if (a.p50Ms !== null && b.p50Ms !== null && b.p50Ms > 0 && a.p50Ms > b.p50Ms * c.maxLatencyRatio) {
    return { ok: false, canary: a, others: b, summary: `${numbers} — the canary's p50 latency is ${(a.p50Ms / b.p50Ms).toFixed(2)}× the others' (limit ${c.maxLatencyRatio}×)` };
  }
  return { ok: true, canary: a, others: b, summary: `${numbers} — within limits (error rate +${(Math.max(0, errDelta) * 100).toFixed(1)} points ≤ ${(c.maxErrorRateDelta * 100).toFixed(1)}, p50 ratio ≤ ${c.maxLatencyRatio}×)` };
}
