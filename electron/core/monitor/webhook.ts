/**
 * Alert webhooks: a JSON POST per alert, retried with exponential backoff on network errors, timeouts, 429 and 5xx
 * (other 4xx are final). Bounded: at most MAX_PENDING deliveries wait (the oldest is dropped), each tries MAX_ATTEMPTS
 * times; nothing here is awaited by the monitor loop, and every timer is unref'd.
 */

export interface Delivery {
  url: string;
  body: unknown;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  state: 'pending' | 'delivered' | 'failed' | 'dropped';
}

export const MAX_ATTEMPTS = 5;
const MAX_PENDING = 100;
const TIMEOUT_MS = 5000;
const MAX_DELAY_MS = 60_000;

export class WebhookSender {
  /** First retry delay; doubles each attempt (tests lower it). */
  baseDelayMs = 1000;
  private readonly pending = new Set<{ d: Delivery; timer: NodeJS.Timeout | null; abort: AbortController | null }>();
  private closed = false;
  /** The last deliveries (newest last), for status and tests. */
  readonly recent: Delivery[] = [];

  constructor(private readonly onFinal?: (d: Delivery) => void) {}

  send(url: string, body: unknown): Delivery {
    const d: Delivery = { url, body, attempts: 0, lastStatus: null, lastError: null, state: 'pending' };
    this.recent.push(d);
    if (this.recent.length > 50) this.recent.shift();
    if (this.closed) {
      d.state = 'dropped';
      return d;
    }
    if (this.pending.size >= MAX_PENDING) {
      const oldest = this.pending.values().next().value!;
      this.finish(oldest, 'dropped');
    }
    const entry = { d, timer: null as NodeJS.Timeout | null, abort: null as AbortController | null };
    this.pending.add(entry);
    void this.attempt(entry);
    return d;
  }

  private finish(entry: { d: Delivery; timer: NodeJS.Timeout | null; abort: AbortController | null }, state: Delivery['state']): void {
    if (entry.timer) clearTimeout(entry.timer);
    entry.abort?.abort();
    entry.d.state = state;
    this.pending.delete(entry);
    if (state !== 'pending') this.onFinal?.(entry.d);
  }

  private async attempt(entry: { d: Delivery; timer: NodeJS.Timeout | null; abort: AbortController | null }): Promise<void> {
    const { d } = entry;
    if (this.closed || !this.pending.has(entry)) return;
    d.attempts++;
    const abort = new AbortController();
    entry.abort = abort;
    const timer = setTimeout(() => abort.abort(), TIMEOUT_MS);
    timer.unref();
    let retry = false;
    try {
      const res = await fetch(d.url, { method: 'POST', headers: { 'content-type': 'application/json', 'user-agent': 'mldesk-monitor' }, body: JSON.stringify(d.body), signal: abort.signal, redirect: 'manual' });
      await res.arrayBuffer().catch(() => undefined);
      d.lastStatus = res.status;
      d.lastError = null;
      if (res.status >= 200 && res.status < 300) return this.finish(entry, 'delivered');
      retry = res.status === 429 || res.status >= 500;
    } catch (e) {
      d.lastError = abort.signal.aborted ? `no answer within ${TIMEOUT_MS} ms` : (e as Error).message;
      retry = true;
    } finally {
      clearTimeout(timer);
      entry.abort = null;
    }
    if (!this.pending.has(entry)) return;
    if (!retry || d.attempts >= MAX_ATTEMPTS || this.closed) return this.finish(entry, 'failed');
    const delay = Math.min(MAX_DELAY_MS, this.baseDelayMs * 2 ** (d.attempts - 1));
    entry.timer = setTimeout(() => {
      entry.timer = null;
      void this.attempt(entry);
    }, delay);
    entry.timer.unref();
  }

  close(): void {
    this.closed = true;
    for (const e of [...this.pending]) this.finish(e, 'dropped');
  }
}
