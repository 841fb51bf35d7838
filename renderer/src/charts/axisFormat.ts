/** Axis tick and tooltip formatters shared by charts: compact numbers, wall-clock time, durations. */

const nf = new Intl.NumberFormat(undefined, { maximumSignificantDigits: 6 });

/** Compact tick label: 1.2k, 3.4M, 1e-5, 0.125. */
export function formatTick(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 1e9) return `${Number((v / 1e9).toPrecision(3))}B`;
  if (a >= 1e6) return `${Number((v / 1e6).toPrecision(3))}M`;
  if (a >= 1e4) return `${Number((v / 1e3).toPrecision(3))}k`;
  if (a !== 0 && a < 1e-3) return v.toExponential(1);
  return String(Number(v.toPrecision(4)));
}

/** Full-precision value for tooltips (6 significant digits, exponent for tiny/huge). */
export function formatValue(v: number): string {
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-4 || a >= 1e12)) return v.toExponential(4);
  return nf.format(v);
}

export function formatInteger(v: number): string {
  return nf.format(Math.round(v));
}

const clock = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
const clockMinutes = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', hour12: false });
const dayClock = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hour12: false });
const fullTime = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });

/** Tick formatter for epoch-ms axes, by the visible span: 13:05:09 · 13:05 · Mar 3, 13:05. */
export function clockTickFormatter(spanMs: number): (ms: number) => string {
  if (spanMs > 36 * 3600_000) return (ms) => dayClock.format(ms);
  if (spanMs > 3 * 3600_000) return (ms) => clockMinutes.format(ms);
  return (ms) => clock.format(ms);
}

/** Tooltip label of an epoch-ms value: full date and time to the second. */
export function formatClock(ms: number): string {
  return Number.isFinite(ms) ? fullTime.format(ms) : String(ms);
}

/** Tick formatter for durations in ms, unit picked by the visible span: 45s · 12.5m · 3.2h. */
export function durationTickFormatter(spanMs: number): (ms: number) => string {
  const unit = spanMs >= 2 * 3600_000 ? 'h' : spanMs >= 120_000 ? 'm' : 's';
  const div = unit === 'h' ? 3600_000 : unit === 'm' ? 60_000 : 1000;
  return (ms) => `${Number((ms / div).toPrecision(3))}${unit}`;
}

/** Tooltip label of a duration: 1h 02m 05s, 3m 07s, 12.3s. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  const sign = ms < 0 ? '−' : '';
  let s = Math.abs(ms) / 1000;
  if (s < 60) return `${sign}${Number(s.toPrecision(3))}s`;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s = Math.round(s - m * 60);
  const pad = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${sign}${h}h ${pad(m)}m ${pad(s)}s` : `${sign}${m}m ${pad(s)}s`;
}
