import { randomUUID } from 'node:crypto';
import type { Alert, AlertRule, MonitorConfig, MonitorWindow, WindowSpec } from '../../../shared/contract';
import type { EngineContext } from '../context';
import { parseJsonColumn } from '../store/json';
import type { Statement } from 'better-sqlite3';

/** The monitor's tables (migration 7): config, closed windows, labelled predictions, rules, alerts. */

// 500 rows: against a reference of more than 1,000 rows Evidently's rules pick distances (≥ 0.1), which windows of a few hundred rows of the training data itself cross by chance.
export const DEFAULT_WINDOW: WindowSpec = { kind: 'count', size: 500 };

export interface ConfigRow {
  deployment: string;
  window: WindowSpec;
  /** The user's override; null: lineage. */
  reference: { projectId: string; path: string; commit: string | null } | null;
  columns: MonitorConfig['columns'];
  webhook: string | null;
  epoch: number;
}

interface ConfigRaw {
  deployment: string;
  window_spec: string;
  reference: string | null;
  columns: string;
  webhook: string | null;
  epoch: number;
}

export interface WindowRow {
  idx: number;
  firstSeq: number;
  lastSeq: number;
  window: MonitorWindow;
}

interface AlertRaw {
  id: string;
  deployment: string;
  rule_id: string;
  epoch: number;
  metric: string;
  value: number;
  threshold: number;
  message: string;
  window_idx: number;
  column_name: string | null;
  fired_at: number;
  state: Alert['state'];
  updated_at: number;
}

const alertOf = (r: AlertRaw): Alert => ({
  id: r.id,
  deployment: r.deployment,
  ruleId: r.rule_id,
  metric: r.metric,
  value: r.value,
  threshold: r.threshold,
  message: r.message,
  window: r.window_idx,
  column: r.column_name,
  firedAt: r.fired_at,
  state: r.state,
  updatedAt: r.updated_at,
});

interface RuleRaw {
  id: string;
  deployment: string;
  metric: string;
  op: '>=' | '<=';
  threshold: number;
  windows: number;
  enabled: number;
}

const ruleOf = (r: RuleRaw): AlertRule => ({ id: r.id, deployment: r.deployment, metric: r.metric, op: r.op, threshold: r.threshold, windows: r.windows, enabled: r.enabled !== 0 });

export class MonitorTables {
  /** Prepared statements, compiled once (the loop runs the same few queries every second). */
  private readonly statements = new Map<string, Statement>();

  constructor(private readonly ctx: EngineContext) {}

  private get db() {
    return this.ctx.store.db;
  }

  /** A cached prepared statement. */
  stmt(sql: string): Statement {
    let st = this.statements.get(sql);
    if (!st) this.statements.set(sql, (st = this.db.prepare(sql)));
    return st;
  }

  get open(): boolean {
    return this.db.open;
  }

  // ── config ───────────────────────────────────────────────────────────────────────────────────────────────────────

  config(deployment: string): ConfigRow | null {
    const r = this.stmt('SELECT deployment, window_spec, reference, columns, webhook, epoch FROM monitor_config WHERE deployment = ?').get(deployment) as ConfigRaw | undefined;
    if (!r) return null;
    return { deployment: r.deployment, window: parseJsonColumn(r.window_spec, DEFAULT_WINDOW), reference: parseJsonColumn(r.reference, null), columns: parseJsonColumn(r.columns, {}), webhook: r.webhook, epoch: r.epoch };
  }

  /** The config, created with the defaults the first time (returns whether it was created). */
  ensureConfig(deployment: string, window: WindowSpec = DEFAULT_WINDOW): { config: ConfigRow; created: boolean } {
    const now = Date.now();
    const info = this.stmt('INSERT OR IGNORE INTO monitor_config (deployment, window_spec, reference, columns, webhook, epoch, created_at, updated_at) VALUES (?, ?, NULL, ?, NULL, 1, ?, ?)')
      .run(deployment, JSON.stringify(window), '{}', now, now);
    return { config: this.config(deployment)!, created: info.changes > 0 };
  }

  /** Saves a config; `recompute` starts a new epoch (the windows are computed again from the records). */
  saveConfig(c: ConfigRow, recompute: boolean): ConfigRow {
    const epoch = recompute ? c.epoch + 1 : c.epoch;
    this.stmt('UPDATE monitor_config SET window_spec = ?, reference = ?, columns = ?, webhook = ?, epoch = ?, updated_at = ? WHERE deployment = ?')
      .run(JSON.stringify(c.window), c.reference ? JSON.stringify(c.reference) : null, JSON.stringify(c.columns), c.webhook, epoch, Date.now(), c.deployment);
    if (recompute) {
      this.stmt('UPDATE monitor_config SET feedback_cursor = 0 WHERE deployment = ?').run(c.deployment);
      this.stmt('DELETE FROM monitor_windows WHERE deployment = ? AND epoch < ?').run(c.deployment, epoch);
      this.stmt('DELETE FROM monitor_labels WHERE deployment = ? AND epoch < ?').run(c.deployment, epoch);
    }
    return { ...c, epoch };
  }

  feedbackCursor(deployment: string, epoch: number): number {
    return (this.stmt('SELECT feedback_cursor FROM monitor_config WHERE deployment = ? AND epoch = ?').pluck().get(deployment, epoch) as number | undefined) ?? 0;
  }

  setFeedbackCursor(deployment: string, epoch: number, seq: number): void {
    this.stmt('UPDATE monitor_config SET feedback_cursor = MAX(feedback_cursor, ?) WHERE deployment = ? AND epoch = ?').run(seq, deployment, epoch);
  }

  deployments(): string[] {
    return this.stmt('SELECT deployment FROM monitor_config ORDER BY deployment').pluck().all() as string[];
  }

  // ── windows ──────────────────────────────────────────────────────────────────────────────────────────────────────

  lastWindow(deployment: string, epoch: number): WindowRow | null {
    const r = this.stmt('SELECT idx, first_seq, last_seq, data FROM monitor_windows WHERE deployment = ? AND epoch = ? ORDER BY idx DESC LIMIT 1').get(deployment, epoch) as
      | { idx: number; first_seq: number; last_seq: number; data: string }
      | undefined;
    return r ? { idx: r.idx, firstSeq: r.first_seq, lastSeq: r.last_seq, window: JSON.parse(r.data) as MonitorWindow } : null;
  }

  window(deployment: string, epoch: number, idx: number): WindowRow | null {
    const r = this.stmt('SELECT idx, first_seq, last_seq, data FROM monitor_windows WHERE deployment = ? AND epoch = ? AND idx = ?').get(deployment, epoch, idx) as
      | { idx: number; first_seq: number; last_seq: number; data: string }
      | undefined;
    return r ? { idx: r.idx, firstSeq: r.first_seq, lastSeq: r.last_seq, window: JSON.parse(r.data) as MonitorWindow } : null;
  }

  /** The last `n` closed windows, oldest first. */
  windows(deployment: string, epoch: number, n: number, beforeOrAt = Number.MAX_SAFE_INTEGER): MonitorWindow[] {
    const rows = this.stmt('SELECT data FROM monitor_windows WHERE deployment = ? AND epoch = ? AND idx <= ? ORDER BY idx DESC LIMIT ?').pluck().all(deployment, epoch, beforeOrAt, n) as string[];
    return rows.reverse().map((d) => JSON.parse(d) as MonitorWindow);
  }

  /** The closed window holding record `seq`, if any. */
  windowOfSeq(deployment: string, epoch: number, seq: number): number | null {
    const r = this.stmt('SELECT idx, first_seq FROM monitor_windows WHERE deployment = ? AND epoch = ? AND last_seq >= ? ORDER BY last_seq LIMIT 1').get(deployment, epoch, seq) as
      | { idx: number; first_seq: number }
      | undefined;
    return r && r.first_seq <= seq ? r.idx : null;
  }

  insertWindow(deployment: string, epoch: number, firstSeq: number, lastSeq: number, w: MonitorWindow): boolean {
    return (
      this.stmt('INSERT OR IGNORE INTO monitor_windows (deployment, epoch, idx, first_seq, last_seq, start_at, end_at, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
        .run(deployment, epoch, w.index, firstSeq, lastSeq, Math.round(w.start), Math.round(w.end), JSON.stringify(w)).changes > 0
    );
  }

  updateWindow(deployment: string, epoch: number, w: MonitorWindow): void {
    this.stmt('UPDATE monitor_windows SET data = ? WHERE deployment = ? AND epoch = ? AND idx = ?').run(JSON.stringify(w), deployment, epoch, w.index);
  }

  // ── labels ───────────────────────────────────────────────────────────────────────────────────────────────────────

  upsertLabel(deployment: string, epoch: number, l: { requestId: string; row: number; idx: number; score: number | null; predicted: string | null; label: string; delayMs: number | null }): void {
    this.stmt('INSERT OR REPLACE INTO monitor_labels (deployment, epoch, request_id, row_index, idx, score, predicted, label, delay_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(deployment, epoch, l.requestId, l.row, l.idx, l.score, l.predicted, l.label, l.delayMs);
  }

  /** The newest window with labels. */
  lastLabelledWindow(deployment: string, epoch: number): number | null {
    return (this.stmt('SELECT MAX(idx) FROM monitor_labels WHERE deployment = ? AND epoch = ?').pluck().get(deployment, epoch) as number | null) ?? null;
  }

  labels(deployment: string, epoch: number, idx: number): Array<{ score: number | null; cls: string | null; label: string; delayMs: number | null }> {
    return (
      this.stmt('SELECT score, predicted, label, delay_ms FROM monitor_labels INDEXED BY monitor_labels_by_window WHERE deployment = ? AND epoch = ? AND idx = ?').all(deployment, epoch, idx) as Array<{
        score: number | null;
        predicted: string | null;
        label: string;
        delay_ms: number | null;
      }>
    ).map((r) => ({ score: r.score, cls: r.predicted, label: r.label, delayMs: r.delay_ms }));
  }

  // ── rules ────────────────────────────────────────────────────────────────────────────────────────────────────────

  rules(deployment: string): AlertRule[] {
    return (this.stmt('SELECT * FROM monitor_rules WHERE deployment = ? ORDER BY position').all(deployment) as RuleRaw[]).map(ruleOf);
  }

  replaceRules(deployment: string, rules: Array<Omit<AlertRule, 'id' | 'deployment'> & { id?: string }>): AlertRule[] {
    const mine = new Set(this.rules(deployment).map((r) => r.id));
    const insert = this.stmt('INSERT INTO monitor_rules (id, deployment, position, metric, op, threshold, windows, enabled) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    this.db.transaction(() => {
      this.stmt('DELETE FROM monitor_rules WHERE deployment = ?').run(deployment);
      const used = new Set<string>();
      rules.forEach((r, i) => {
        // An id is kept when it is one of this deployment's rules (its alerts stay linked), else a new one.
        const id = r.id && mine.has(r.id) && !used.has(r.id) ? r.id : `rule-${randomUUID().slice(0, 12)}`;
        used.add(id);
        insert.run(id, deployment, i, r.metric, r.op, r.threshold, r.windows, r.enabled ? 1 : 0);
      });
    })();
    return this.rules(deployment);
  }

  // ── alerts ───────────────────────────────────────────────────────────────────────────────────────────────────────

  alerts(filter: { deployment?: string; state?: Alert['state']; limit: number }): Alert[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (filter.deployment !== undefined) {
      where.push('deployment = ?');
      args.push(filter.deployment);
    }
    if (filter.state !== undefined) {
      where.push('state = ?');
      args.push(filter.state);
    }
    const sql = `SELECT * FROM monitor_alerts ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY fired_at DESC, rowid DESC LIMIT ?`;
    return (this.stmt(sql).all(...args, filter.limit) as AlertRaw[]).map(alertOf);
  }

  alert(id: string): Alert | null {
    const r = this.stmt('SELECT * FROM monitor_alerts WHERE id = ?').get(id) as AlertRaw | undefined;
    return r ? alertOf(r) : null;
  }

  /** The alert `rule` fired in this epoch within windows [from, to] (one streak), if any. */
  firedIn(ruleId: string, epoch: number, from: number, to: number): Alert | null {
    const r = this.stmt('SELECT * FROM monitor_alerts WHERE rule_id = ? AND epoch = ? AND window_idx BETWEEN ? AND ? LIMIT 1').get(ruleId, epoch, from, to) as AlertRaw | undefined;
    return r ? alertOf(r) : null;
  }

  insertAlert(a: Alert, epoch: number): void {
    this.stmt(
        'INSERT INTO monitor_alerts (id, deployment, rule_id, epoch, metric, value, threshold, message, window_idx, column_name, fired_at, state, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(a.id, a.deployment, a.ruleId, epoch, a.metric, a.value, a.threshold, a.message, a.window, a.column, a.firedAt, a.state, a.updatedAt);
  }

  setAlertState(id: string, state: Alert['state']): Alert | null {
    this.stmt('UPDATE monitor_alerts SET state = ?, updated_at = ? WHERE id = ?').run(state, Date.now(), id);
    return this.alert(id);
  }

  /** Alerts of a deployment by state (open, acknowledged; resolved ones are not counted). */
  alertCounts(deployment: string): { open: number; acknowledged: number } {
    const rows = this.stmt("SELECT state, COUNT(*) AS n FROM monitor_alerts WHERE deployment = ? AND state != 'resolved' GROUP BY state").all(deployment) as Array<{ state: string; n: number }>;
    return { open: rows.find((r) => r.state === 'open')?.n ?? 0, acknowledged: rows.find((r) => r.state === 'acknowledged')?.n ?? 0 };
  }
}
