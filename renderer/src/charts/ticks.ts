/** Tick positions for numeric, logarithmic and time axes (charts draw them with recharts' `ticks` prop). */

/** 1, 2 or 5 × 10^k nearest to `raw` on a log scale (d3's rule). */
export function niceStep(raw: number): number {
  if (!(raw > 0) || !Number.isFinite(raw)) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(raw)));
  const f = raw / p;
  const m = f >= Math.sqrt(50) ? 10 : f >= Math.sqrt(10) ? 5 : f >= Math.sqrt(2) ? 2 : 1;
  return m * p;
}

/** Round multiples of a nice step inside [lo, hi], about `count` of them. */
export function linearTicks(lo: number, hi: number, count = 5, integer = false): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || hi < lo) return [];
  if (hi === lo) return [lo];
  let step = niceStep((hi - lo) / Math.max(1, count));
  if (integer) step = Math.max(1, Math.round(step));
  const first = Math.ceil(lo / step - 1e-9);
  const out: number[] = [];
  for (let i = first; i * step <= hi + step * 1e-9 && out.length < 1000; i++) {
    // Float noise: 0.30000000000000004 → 0.3.
    out.push(Number((i * step).toPrecision(12)));
  }
  return out;
}

/** Powers of ten inside [lo, hi] (lo > 0), with 2× and 5× when fewer than three decades are visible. */
export function logTicks(lo: number, hi: number, count = 5): number[] {
  if (!(lo > 0) || !(hi > lo)) return linearTicks(lo, hi, count);
  const a = Math.floor(Math.log10(lo));
  const b = Math.ceil(Math.log10(hi));
  const decades = b - a;
  const mults = decades <= 1 ? [1, 2, 3, 5] : decades <= 3 ? [1, 2, 5] : [1];
  const stride = decades > count * 2 ? Math.ceil(decades / count) : 1;
  const out: number[] = [];
  for (let e = a; e <= b; e += stride) {
    for (const m of mults) {
      const v = Number((m * Math.pow(10, e)).toPrecision(12));
      if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) out.push(v);
    }
  }
  return out.length >= 2 ? out : linearTicks(lo, hi, count);
}

const SEC = 1000;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const TIME_STEPS = [SEC, 2 * SEC, 5 * SEC, 10 * SEC, 15 * SEC, 30 * SEC, MIN, 2 * MIN, 5 * MIN, 10 * MIN, 15 * MIN, 30 * MIN, HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, DAY, 2 * DAY, 7 * DAY, 14 * DAY, 30 * DAY];

/**
 * Ticks on round clock intervals (1 s … 30 days) for millisecond axes. `local` aligns wall-clock ticks of an
 * hour or more to the local time zone (so "14:00" rather than a UTC hour); durations align to 0.
 */
export function timeTicks(lo: number, hi: number, count = 5, local = false): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || hi <= lo) return linearTicks(lo, hi, count);
  const raw = (hi - lo) / Math.max(1, count);
  if (raw < SEC) return linearTicks(lo, hi, count);
  const step = TIME_STEPS.find((s) => s >= raw) ?? niceStep(raw / DAY) * DAY;
  const offset = local && step >= HOUR ? -new Date(lo).getTimezoneOffset() * MIN : 0;
  const first = Math.ceil((lo + offset) / step) * step - offset;
  const out: number[] = [];
  for (let t = first; t <= hi && out.length < 1000; t += step) out.push(t);
  return out;
}
