import { z } from 'zod';

/** Error codes that cross the process boundary. HTTP status is derived, never chosen ad hoc. */
export const errorCodes = {
  INVALID_INPUT: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  CONFLICT: 409,
  FAILED_PRECONDITION: 412,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  UNAVAILABLE: 503,
  INTERNAL: 500,
} as const;

export type ErrorCode = keyof typeof errorCodes;

export const errorShape = z.object({
  code: z.enum(Object.keys(errorCodes) as [ErrorCode, ...ErrorCode[]]),
  message: z.string(),
  details: z.unknown().optional(),
});
export type ErrorShape = z.infer<typeof errorShape>;

export class MldeskError extends Error {
  override readonly name = 'MldeskError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
  get status(): number {
    return errorCodes[this.code];
  }
  toJSON(): ErrorShape {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
  static from(shape: unknown): MldeskError {
    const parsed = errorShape.safeParse(shape);
    if (parsed.success) return new MldeskError(parsed.data.code, parsed.data.message, parsed.data.details);
    return new MldeskError('INTERNAL', 'Malformed error from the engine');
  }
}

export const isMldeskError = (e: unknown): e is MldeskError => e instanceof MldeskError;

/** Turns anything thrown into the wire shape; unknown errors keep their message but become INTERNAL. */
export function toErrorShape(e: unknown): ErrorShape {
  if (e instanceof MldeskError) return e.toJSON();
  if (e instanceof z.ZodError) return zodToError(e).toJSON();
  const message = e instanceof Error ? e.message : String(e);
  return { code: 'INTERNAL', message };
}

/** Names the offending field(s), e.g. `path: Required` → "Invalid input: path — expected string, received undefined". */
export function zodToError(err: z.ZodError, prefix = 'Invalid input'): MldeskError {
  const issues = err.issues.map((i) => ({ path: i.path.map(String).join('.') || '(root)', message: i.message }));
  const text = issues.map((i) => `${i.path} — ${i.message}`).join('; ');
  return new MldeskError('INVALID_INPUT', `${prefix}: ${text}`, { issues });
}
