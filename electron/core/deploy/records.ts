import { feedbackPage, recordsResponse } from '../../../shared/runtime';
import type { InferenceRecordRow } from '../../../shared/contract';
import type { EngineContext } from '../context';
import type { DeploymentRow, DeploymentsTable, RecordsCursor } from './table';

/**
 * Where records come from: one serving container (a Docker target, through `get` on its host and port) or one replica
 * of a cluster deployment (a swarm task, a pod through the API server). `replica` says which cursor it uses.
 */
export interface RecordSource {
  container: string;
  version: string;
  replica: boolean;
  get(path: string, timeoutMs: number): Promise<{ status: number; body: Buffer }>;
}

const cursorAfter = (c: RecordsCursor | null | undefined, s: RecordSource): number =>
  s.replica ? (c?.replicas?.[s.container] ?? 0) : c?.container === s.container ? c.after : 0;

function withCursor(c: RecordsCursor | null | undefined, s: RecordSource, after: number): RecordsCursor {
  if (!s.replica) return { ...(c ?? {}), container: s.container, after };
  return { container: c?.container ?? '', after: c?.after ?? 0, replicas: { ...(c?.replicas ?? {}), [s.container]: after } };
}

/** The feedback cursor's key: one row per deployment, per replica for clusters. */
const feedbackKey = (name: string, s: RecordSource) => (s.replica ? `${name}\u0000${s.container}` : name);

const PAGE = 1000;
const MAX_PAGES = 20;

interface RecordRaw {
  seq: number;
  id: string;
  time: string;
  route: string;
  version: string | null;
  inputs: string | null;
  outputs: string | null;
  latency_ms: number;
  status: number;
  error: string | null;
}

function json(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * Pulls each deployment's inference records (the runtime's ring, GET /mldesk/records?after=) into
 * `inference_records`, then the labels sent to it (GET /mldesk/feedback?after=) into `inference_feedback`. The runtime's seq restarts with each new container, so the store numbers records per
 * deployment itself and remembers, per deployment, which container and runtime seq it has read up to.
 */
export class RecordsPuller {
  private readonly chains = new Map<string, Promise<unknown>>();

  constructor(
    private readonly ctx: EngineContext,
    private readonly table: DeploymentsTable,
    /** The sources of a running deployment now (its serving container, or its replicas). */
    private readonly sourcesOf: (row: DeploymentRow) => Promise<RecordSource[]>,
  ) {}

  /** Runs pulls of one deployment one after another (the loop, a rollout's last pull of the old container, a read). */
  private serial<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.chains.get(name) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const settled = next.catch(() => undefined);
    this.chains.set(name, settled);
    void settled.then(() => {
      if (this.chains.get(name) === settled) this.chains.delete(name);
    });
    return next;
  }

  /** Pulls what a deployment's serving container (or replicas) recorded since last time; returns how many records came. */
  pull(name: string): Promise<number> {
    return this.serial(name, async () => {
      const row = this.table.get(name);
      if (!row || row.desired !== 'running') return 0;
      let total = 0;
      for (const s of await this.sourcesOf(row)) total += await this.pullFrom(name, s);
      return total;
    });
  }

  /** Pulls from one source (a rollout calls this for the old container before stopping it). */
  pullSource(name: string, source: RecordSource): Promise<number> {
    return this.serial(name, () => this.pullFrom(name, source));
  }

  private async pullFrom(name: string, source: RecordSource): Promise<number> {
    const { container, version } = source;
    const db = this.ctx.store.db;
    let total = 0;
    for (let page = 0; page < MAX_PAGES; page++) {
      const row = this.table.get(name);
      if (!row) return total;
      const after = cursorAfter(row.recordsCursor, source);
      let parsed;
      try {
        const a = await source.get(`/mldesk/records?after=${after}&limit=${PAGE}`, 3000);
        if (a.status !== 200) return total;
        parsed = recordsResponse.safeParse(JSON.parse(a.body.toString('utf8')));
      } catch {
        return total; // not answering now (stopped, restarting): next tick
      }
      if (!parsed.success) return total;
      const { records, next } = parsed.data;
      if (!db.open) return total;
      const insert = db.prepare(
        `INSERT OR IGNORE INTO inference_records (deployment, seq, id, time, route, model, version, inputs, outputs, latency_ms, status, error, container, source_seq)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      db.transaction(() => {
        // Another mldesk process on this data dir (the app and the CLI) may have stored this page meanwhile: the
        // cursor read again inside the transaction says what is new.
        const now = this.table.get(name)?.recordsCursor;
        const done = Math.max(after, cursorAfter(now, source));
        let seq = (db.prepare('SELECT COALESCE(MAX(seq), 0) FROM inference_records WHERE deployment = ?').pluck().get(name) as number) ?? 0;
        for (const r of records) {
          if (r.seq <= done) continue;
          insert.run(name, ++seq, r.id, r.time, r.route, row.model, version, JSON.stringify(r.inputs ?? null), JSON.stringify(r.outputs ?? null), r.latency_ms, r.status, r.error ?? null, container, r.seq);
        }
        this.table.update(name, { recordsCursor: withCursor(now, source, Math.max(done, next)), updatedAt: row.updatedAt });
      }).immediate();
      total += records.length;
      if (records.length < PAGE) break;
    }
    await this.pullFeedback(name, source).catch(() => 0);
    return total;
  }

  /** Labels of one source since the last pull (after its records: a label's prediction is in the store first). */
  private async pullFeedback(name: string, source: RecordSource): Promise<number> {
    const db = this.ctx.store.db;
    const { container } = source;
    const key = feedbackKey(name, source);
    let total = 0;
    for (let page = 0; page < MAX_PAGES; page++) {
      if (!db.open) return total;
      const cur = db.prepare('SELECT container, after FROM inference_feedback_cursor WHERE deployment = ?').get(key) as { container: string; after: number } | undefined;
      const after = cur?.container === container ? cur.after : 0;
      let parsed;
      try {
        const a = await source.get(`/mldesk/feedback?after=${after}&limit=${PAGE}`, 3000);
        if (a.status !== 200) return total; // an older runtime without feedback, or not answering now
        parsed = feedbackPage.safeParse(JSON.parse(a.body.toString('utf8')));
      } catch {
        return total;
      }
      if (!parsed.success || !db.open) return total;
      const { feedback, next } = parsed.data;
      const upsert = db.prepare(
        // A label sent again replaces the earlier one, under a new seq (readers follow seq).
        'INSERT OR REPLACE INTO inference_feedback (deployment, request_id, row_index, label, received_at, container, source_seq) VALUES (?, ?, ?, ?, ?, ?, ?)',
      );
      db.transaction(() => {
        const now = db.prepare('SELECT container, after FROM inference_feedback_cursor WHERE deployment = ?').get(key) as { container: string; after: number } | undefined;
        const done = now?.container === container ? Math.max(after, now.after) : after;
        for (const f of feedback) {
          if (f.seq <= done) continue;
          const at = Date.parse(f.time);
          upsert.run(name, f.id, f.row, JSON.stringify(f.label), Number.isFinite(at) ? at : Date.now(), container, f.seq);
        }
        db.prepare('INSERT INTO inference_feedback_cursor (deployment, container, after) VALUES (?, ?, ?) ON CONFLICT (deployment) DO UPDATE SET container = excluded.container, after = excluded.after').run(
          key,
          container,
          Math.max(done, next),
        );
      }).immediate();
      total += feedback.length;
      if (feedback.length < PAGE) break;
    }
    return total;
  }

  read(name: string, after: number, limit: number): { records: InferenceRecordRow[]; next: number } {
    const rows = this.ctx.store.db
      .prepare('SELECT seq, id, time, route, version, inputs, outputs, latency_ms, status, error FROM inference_records WHERE deployment = ? AND seq > ? ORDER BY seq LIMIT ?')
      .all(name, after, limit) as RecordRaw[];
    const records = rows.map((r) => ({
      seq: r.seq,
      id: r.id,
      time: r.time,
      route: r.route,
      version: r.version,
      inputs: json(r.inputs),
      outputs: json(r.outputs),
      latencyMs: r.latency_ms,
      status: r.status,
      error: r.error,
    }));
    return { records, next: records.at(-1)?.seq ?? after };
  }
}
