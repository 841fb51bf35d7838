/** Reading the runtime's Prometheus /metrics (resources/runtime/metrics.ts) into the Deployments page's figures. */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Prometheus text exposition → samples (comments and malformed lines skipped). */
export function parsePrometheus(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    if (m[3]) {
      const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
      let l: RegExpExecArray | null;
      while ((l = re.exec(m[3]))) labels[l[1]!] = l[2]!.replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
    }
    const value = m[4] === '+Inf' ? Infinity : m[4] === '-Inf' ? -Infinity : Number(m[4]);
    if (!Number.isNaN(value)) out.push({ name: m[1]!, labels, value });
  }
  return out;
}

/** The routes that are inferences (what request rate and latency are about; health probes and scrapes are not). */
export const INFERENCE_ROUTES = new Set(['/v2/models/{name}/infer', '/invocations']);

/** The q-quantile (0..1) of a cumulative histogram [(le, count)], interpolated linearly inside its bucket (as Prometheus does). */
export function histogramQuantile(q: number, buckets: Array<{ le: number; count: number }>): number | null {
  const b = [...buckets].sort((x, y) => x.le - y.le);
  const total = b.at(-1)?.count ?? 0;
  if (total === 0) return null;
  const rank = q * total;
  let prevLe = 0;
  let prevCount = 0;
  for (const { le, count } of b) {
    if (count >= rank) {
      if (le === Infinity) return prevLe; // beyond the last finite bucket: its upper bound is the best we know
      const inBucket = count - prevCount;
      return inBucket === 0 ? le : prevLe + (le - prevLe) * ((rank - prevCount) / inBucket);
    }
    prevLe = le;
    prevCount = count;
  }
  return prevLe;
}

export interface RuntimeFigures {
  /** Inference requests served so far (all status codes). */
  requests: number;
  p50Ms: number | null;
  p99Ms: number | null;
  /** Error responses by status code (every route). */
  errors: Record<string, number>;
}

export function runtimeFigures(samples: Sample[]): RuntimeFigures {
  let requests = 0;
  const errors: Record<string, number> = {};
  const buckets = new Map<number, number>();
  for (const s of samples) {
    if (s.name === 'mldesk_requests_total' && INFERENCE_ROUTES.has(s.labels.route ?? '')) requests += s.value;
    else if (s.name === 'mldesk_errors_total' && s.labels.code) errors[s.labels.code] = (errors[s.labels.code] ?? 0) + s.value;
    else if (s.name === 'mldesk_request_duration_seconds_bucket' && INFERENCE_ROUTES.has(s.labels.route ?? '')) {
      const le = s.labels.le === '+Inf' ? Infinity : Number(s.labels.le);
      if (!Number.isNaN(le)) buckets.set(le, (buckets.get(le) ?? 0) + s.value);
    }
  }
  const hist = [...buckets].map(([le, count]) => ({ le, count }));
  const ms = (q: number) => {
    const v = histogramQuantile(q, hist);
    return v === null ? null : Number((v * 1000).toFixed(3));
  };
  return { requests, p50Ms: ms(0.5), p99Ms: ms(0.99), errors };
}
