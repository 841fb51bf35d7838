import { formatBytes as formatBytesShared } from '../../../../shared/lib/bytes';
import { formatNumber } from '../../lib/format';

/** Display helpers for runs: durations, metric values, timestamps, byte sizes. Pure functions. */

/** "850 ms", "12.3 s", "4m 05s", "1h 02m", "3d 4h". Negative or NaN → "—". */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s < 10 ? s.toFixed(1) : Math.floor(s)} s`;
  const pad = (n: number) => String(n).padStart(2, '0');
  const totalS = Math.floor(s);
  const m = Math.floor(totalS / 60);
  if (m < 60) return `${m}m ${pad(totalS % 60)}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h ${pad(m % 60)}m`;
  const d = Math.floor(h / 24);
  return `${d}d ${h % 24}h`;
}

/** Run duration in ms: end − start, or now − start while running; null when unknown. */
export function runDurationMs(info: { start_time?: number | undefined; end_time?: number | undefined; status: string }, now: number): number | null {
  if (info.start_time === undefined || info.start_time === null) return null;
  if (info.end_time !== undefined && info.end_time !== null && info.end_time > 0) return info.end_time - info.start_time;
  if (info.status === 'RUNNING' || info.status === 'SCHEDULED') return Math.max(0, now - info.start_time);
  return null;
}

/**
 * Metric values: integers as is, otherwise up to 5 significant digits; tiny/huge in exponent form.
 * The engine sends NaN and ±Infinity as JSON null: shown as "non-finite".
 */
export function formatMetric(v: number | null | undefined): string {
  if (v === undefined) return '';
  if (v === null) return 'non-finite';
  return formatNumber(v);
}

/** Compact axis ticks: 1.2k, 3.4M, 0.0012. */
export function formatTick(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 1e9) return `${Number((v / 1e9).toPrecision(3))}B`;
  if (a >= 1e6) return `${Number((v / 1e6).toPrecision(3))}M`;
  if (a >= 1e4) return `${Number((v / 1e3).toPrecision(3))}k`;
  if (a !== 0 && a < 1e-3) return v.toExponential(1);
  return String(Number(v.toPrecision(4)));
}

const currentYear = new Date().getFullYear();
const dtShort = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });
const dtLong = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });

/** "Jan 31, 14:05:12" (the year only when it is not this year). */
export function formatDateTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms <= 0) return '—';
  const d = new Date(ms);
  return d.getFullYear() === currentYear ? dtShort.format(d) : dtLong.format(d);
}

/** Byte sizes as the rest of the app shows them; '' for a size that is not known. */
export function formatBytes(n: number | null | undefined): string {
  return n === null || n === undefined || !Number.isFinite(n) ? '' : formatBytesShared(n);
}

export const numberFormat = new Intl.NumberFormat();
