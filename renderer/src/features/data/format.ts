/** Display helpers of the data section (pure). */

const int = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const sig = new Intl.NumberFormat(undefined, { maximumSignificantDigits: 5 });

export function formatInt(n: number): string {
  return int.format(n);
}

/** Compact, readable statistic: 0.1234, 12 345, 1.2e-7. */
export function formatStat(v: number | string | null | undefined): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'string') return v;
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-4 || a >= 1e12)) return v.toExponential(3);
  if (Number.isInteger(v)) return int.format(v);
  return sig.format(v);
}

/** Axis ticks: 1.2k, 3.4M. */
export function formatTick(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 1e9) return `${Number((v / 1e9).toPrecision(3))}B`;
  if (a >= 1e6) return `${Number((v / 1e6).toPrecision(3))}M`;
  if (a >= 1e4) return `${Number((v / 1e3).toPrecision(3))}k`;
  if (a !== 0 && a < 1e-3) return v.toExponential(1);
  return String(Number(v.toPrecision(3)));
}

export { formatBytes } from '../../../../shared/lib/bytes';

/** 0.0123 → "1.23 %". */
export function formatPercent(share: number, digits = 2): string {
  if (!Number.isFinite(share)) return '—';
  if (share === 0) return '0 %';
  const p = share * 100;
  return `${p < 0.01 ? '<0.01' : p.toFixed(p >= 10 ? 1 : digits)} %`;
}

export const shortSha = (sha: string): string => sha.slice(0, 10);
export const shortCommit = (c: string): string => c.slice(0, 7);

/** "2025-01-31 14:05" in local time. */
export function formatDate(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** Shown for a null cell in previews and diffs. */
export const NULL_TEXT = '∅';
export const cellText = (v: string | null | undefined): string => (v === null || v === undefined ? NULL_TEXT : v === '' ? '""' : v);
