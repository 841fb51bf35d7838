import { z } from 'zod';
import { invalidParam } from '../../core/tracking/errors';

/**
 * Field schemas for MLflow's proto3 JSON: int64 may arrive as a number or a numeric string,
 * doubles may be "NaN" / "Infinity" / "-Infinity", GET query params are always strings.
 */
export const int64 = z.union([z.number().int(), z.string().regex(/^-?\d+$/).transform(Number)]);
export const double = z.union([
  z.number(),
  z.enum(['NaN', 'Infinity', '-Infinity', 'nan', 'inf', '-inf']).transform((s) => (s.toLowerCase() === 'nan' ? NaN : s.startsWith('-') ? -Infinity : Infinity)),
  z.string().regex(/^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/).transform(Number),
]);
export const str = z.string();
export const bool = z.union([z.boolean(), z.enum(['true', 'false', 'True', 'False']).transform((s) => s.toLowerCase() === 'true')]);
/** Repeated field: a JSON array, or repeated/single query params. */
export const repeated = <T extends z.ZodType>(item: T) => z.preprocess((v) => (v === undefined || Array.isArray(v) ? v : [v]), z.array(item));
export const keyValue = z.object({ key: str, value: str.optional().default('') });

/** Validates with MLflow-style messages naming the parameter. */
export function parseRequest<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const path = issue.path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('');
  const value = issue.path.reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<PropertyKey, unknown>)[k as PropertyKey] : undefined), input);
  if (value === undefined) throw invalidParam(`Missing value for required parameter '${path}'.`);
  throw invalidParam(`Invalid value ${safeJson(value)} for parameter '${path}' supplied: ${issue.message}`);
}

function safeJson(v: unknown): string {
  try {
    const s = JSON.stringify(v);
    return s.length > 200 ? s.slice(0, 200) + '…' : s;
  } catch {
    return String(v);
  }
}

/** proto3 JSON for doubles: non-finite numbers as strings. */
export function jsonDouble(v: number): number | string {
  if (Number.isFinite(v)) return v;
  return Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
}
