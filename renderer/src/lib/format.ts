/** Small display helpers; pure and locale-aware where it matters. */

const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
const UNITS: readonly [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 24 * 3600_000],
  ['month', 30 * 24 * 3600_000],
  ['week', 7 * 24 * 3600_000],
  ['day', 24 * 3600_000],
  ['hour', 3600_000],
  ['minute', 60_000],
];

/** "3 minutes ago", "yesterday", "just now". `ms` is epoch milliseconds. */
export function relativeTime(ms: number, now: number = Date.now()): string {
  const diff = ms - now;
  const abs = Math.abs(diff);
  if (abs < 45_000) return 'just now';
  for (const [unit, size] of UNITS) {
    if (abs >= size || unit === 'minute') return rtf.format(Math.round(diff / size), unit);
  }
  return 'just now';
}

const dtf = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
export function absoluteTime(ms: number): string {
  return dtf.format(new Date(ms));
}

export function shortOid(oid: string): string {
  return oid.slice(0, 7);
}

/** First line of a commit message. */
export function firstLine(text: string): string {
  const i = text.indexOf('\n');
  return (i < 0 ? text : text.slice(0, i)).trim();
}

/** Last path segment of a POSIX or Windows path. */
export function baseName(p: string): string {
  const parts = p.replace(/[\\/]+$/, '').split(/[\\/]/);
  return parts[parts.length - 1] ?? '';
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** A metric / param number: integers as is, else 5 significant digits; tiny / huge in exponent form. */
export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? 'NaN' : v > 0 ? '∞' : '−∞';
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-4 || a >= 1e9)) return v.toExponential(3);
  return String(Number(v.toPrecision(5)));
}
