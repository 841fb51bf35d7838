// Prometheus text exposition: requests by route and code, a latency histogram, errors by code, in-flight gauge.
const BUCKETS = [0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000];

export class Metrics {
  inflight = 0;
  private requests = new Map<string, number>();
  private errors = new Map<number, number>();
  private hist = new Map<string, { buckets: number[]; sum: number; count: number }>();

  observe(route: string, code: number, ms: number): void {
    const key = `${route}\u0000${code}`;
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
    if (code >= 400) this.errors.set(code, (this.errors.get(code) ?? 0) + 1);
    let h = this.hist.get(route);
    if (!h) this.hist.set(route, (h = { buckets: BUCKETS.map(() => 0), sum: 0, count: 0 }));
    BUCKETS.forEach((b, i) => {
      if (ms <= b) h.buckets[i]!++;
    });
    h.sum += ms / 1000;
    h.count++;
  }

  render(): string {
    const esc = (s: string) => s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
    const out: string[] = [];
    out.push('# HELP mldesk_requests_total HTTP requests by route and status code.', '# TYPE mldesk_requests_total counter');
    for (const [k, v] of this.requests) {
      const [route, code] = k.split('\u0000');
      out.push(`mldesk_requests_total{route="${esc(route!)}",code="${code}"} ${v}`);
    }
    out.push('# HELP mldesk_errors_total Error responses by status code.', '# TYPE mldesk_errors_total counter');
    for (const [code, v] of this.errors) out.push(`mldesk_errors_total{code="${code}"} ${v}`);
    out.push('# HELP mldesk_request_duration_seconds Request latency.', '# TYPE mldesk_request_duration_seconds histogram');
    for (const [route, h] of this.hist) {
      const r = esc(route);
      BUCKETS.forEach((b, i) => out.push(`mldesk_request_duration_seconds_bucket{route="${r}",le="${b / 1000}"} ${h.buckets[i]}`));
      out.push(`mldesk_request_duration_seconds_bucket{route="${r}",le="+Inf"} ${h.count}`);
      out.push(`mldesk_request_duration_seconds_sum{route="${r}"} ${h.sum}`, `mldesk_request_duration_seconds_count{route="${r}"} ${h.count}`);
    }
    out.push('# HELP mldesk_inflight_requests Requests being served.', '# TYPE mldesk_inflight_requests gauge', `mldesk_inflight_requests ${this.inflight}`);
    return out.join('\n') + '\n';
  }
}
