/** Pure helpers of the Deployments UI (formatting, request/response summaries, CSV rows). */
import type { Deployment, DeploymentStatus, DeploymentStats } from '../../../../shared/contract';
import { formatBytes } from '../../../../shared/lib/bytes';
import type { CsvCell } from '../../lib/exportCsv';

/** "3d 4h", "2h 05m", "4m 09s", "12s". */
export function formatUptime(sec: number | null | undefined): string {
  if (sec === null || sec === undefined || !Number.isFinite(sec) || sec < 0) return '—';
  const s = Math.floor(sec);
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m ${String(r).padStart(2, '0')}s`;
  return `${r}s`;
}

/** Uptime in seconds from the stats when known, else from when the serving container started. */
export function uptimeSec(d: Pick<Deployment, 'startedAt' | 'status'>, stats: DeploymentStats | null, now = Date.now()): number | null {
  if (stats?.uptimeSec !== null && stats?.uptimeSec !== undefined) return stats.uptimeSec;
  if (d.startedAt === null || (d.status !== 'running' && d.status !== 'updating')) return null;
  return Math.max(0, (now - d.startedAt) / 1000);
}

export function statusTone(s: DeploymentStatus): 'ok' | 'warn' | 'danger' | 'neutral' {
  switch (s) {
    case 'running':
      return 'ok';
    case 'starting':
    case 'updating':
    case 'unknown':
      return 'warn';
    case 'failed':
    case 'gone':
      return 'danger';
    default:
      return 'neutral';
  }
}

export const shortDigest = (digest: string): string => digest.replace(/^sha256:/, '').slice(0, 12);

export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  return ms >= 100 ? `${Math.round(ms)} ms` : `${Number(ms.toPrecision(3))} ms`;
}

export function formatCpu(pct: number | null | undefined): string {
  return pct === null || pct === undefined || !Number.isFinite(pct) ? '—' : `${pct.toFixed(pct >= 10 ? 0 : 1)}%`;
}

export function formatMemory(used: number | null | undefined, limit: number | null | undefined): string {
  if (used === null || used === undefined) return '—';
  return limit ? `${formatBytes(used)} / ${formatBytes(limit)}` : formatBytes(used);
}

export function formatRate(r: number | null | undefined): string {
  if (r === null || r === undefined || !Number.isFinite(r)) return '—';
  return `${r >= 10 ? Math.round(r) : Number(r.toPrecision(2))}/s`;
}

export function limitsText(d: Pick<Deployment, 'cpus' | 'memoryMb'>): string {
  const cpu = d.cpus === null ? 'no CPU limit' : `${d.cpus} CPU${d.cpus === 1 ? '' : 's'}`;
  const mem = d.memoryMb === null ? 'no memory limit' : `${d.memoryMb} MiB`;
  return `${cpu} · ${mem}`;
}

/** The deployments table as CSV records (header first). */
export function deploymentsCsv(rows: readonly Deployment[]): CsvCell[][] {
  return [
    ['name', 'status', 'reason', 'model', 'version', 'runtime', 'url', 'port', 'image', 'digest', 'cpus', 'memory_mb', 'created', 'started', 'target'],
    ...rows.map((d) => [
      d.name,
      d.status,
      d.reason,
      d.model,
      d.version,
      d.runtime,
      d.url,
      d.port,
      d.image.ref,
      d.image.digest,
      d.cpus,
      d.memoryMb,
      new Date(d.createdAt),
      d.startedAt === null ? null : new Date(d.startedAt),
      d.target,
    ]),
  ];
}

const num = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function flatValues(v: unknown, out: unknown[] = [], limit = 16): unknown[] {
  if (out.length >= limit) return out;
  if (Array.isArray(v)) for (const x of v) flatValues(x, out, limit);
  else out.push(v);
  return out;
}

function show(v: unknown): string {
  if (num(v)) return String(Number(v.toPrecision(4)));
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

function valuesText(v: unknown): string {
  const flat = flatValues(v);
  const text = flat.map(show).join(', ');
  return Array.isArray(v) && flat.length > 1 ? `[${text}${flat.length >= 16 ? ', …' : ''}]` : text;
}

/**
 * The prediction of a runtime answer in one or a few lines: OIP `outputs[]` (name: values) or `/invocations`
 * `predictions` (a value, a list, or named outputs). Null when the body is neither (an error body, say).
 */
export function summarizePrediction(body: unknown): { label: string; value: string }[] | null {
  if (!body || typeof body !== 'object') return null;
  const b = body as Record<string, unknown>;
  if (Array.isArray(b.outputs)) {
    const outs = b.outputs.filter((o): o is { name?: unknown; data?: unknown } => !!o && typeof o === 'object');
    return outs.map((o) => ({ label: typeof o.name === 'string' ? o.name : 'output', value: valuesText(o.data) }));
  }
  if ('predictions' in b) {
    const p = b.predictions;
    if (p && typeof p === 'object' && !Array.isArray(p)) return Object.entries(p).map(([k, v]) => ({ label: k, value: valuesText(v) }));
    return [{ label: 'predictions', value: valuesText(p) }];
  }
  return null;
}

/** The runtime's error text of a non-2xx answer ({error}), if any. */
export function errorText(body: unknown): string | null {
  if (body && typeof body === 'object' && typeof (body as { error?: unknown }).error === 'string') return (body as { error: string }).error;
  return typeof body === 'string' && body ? body : null;
}

const INLINE_MAX = 100;

/** A value on one line (`{"a": 1, "b": [1, 2]}`), or null when it would not fit in `room` characters. */
function oneLine(v: unknown, room: number): string | null {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  const parts: string[] = [];
  let used = 2;
  const items: [string | null, unknown][] = Array.isArray(v) ? v.map((x) => [null, x]) : Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
  for (const [k, x] of items) {
    const head = k === null ? '' : `${JSON.stringify(k)}: `;
    const text = oneLine(x, room - used - head.length);
    if (text === null) return null;
    parts.push(head + text);
    used += head.length + text.length + 2;
    if (used > room) return null;
  }
  return Array.isArray(v) ? `[${parts.join(', ')}]` : `{${parts.join(', ')}}`;
}

/** JSON with two-space indents, where short arrays and objects stay on one line (tensors and data rows read better). */
export function prettyJson(v: unknown, indent = ''): string {
  const flat = oneLine(v, INLINE_MAX - indent.length);
  if (flat !== null || v === null || typeof v !== 'object') return flat ?? 'null';
  const next = `${indent}  `;
  if (Array.isArray(v)) return `[\n${v.map((x) => next + prettyJson(x, next)).join(',\n')}\n${indent}]`;
  const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
  return `{\n${entries.map(([k, x]) => `${next}${JSON.stringify(k)}: ${prettyJson(x, next)}`).join(',\n')}\n${indent}}`;
}
