import { MldeskError } from '../api/client';

/** Anything thrown → MldeskError, so the UI always has a code and a message. */
export function asMldeskError(e: unknown): MldeskError {
  if (e instanceof MldeskError) return e;
  if (e instanceof Error) return new MldeskError('INTERNAL', e.message || e.name);
  return new MldeskError('INTERNAL', typeof e === 'string' ? e : 'Unexpected error');
}

/** "NOT_FOUND: Folder /x does not exist" */
export function describeError(e: unknown): string {
  const err = asMldeskError(e);
  return `${err.code}: ${err.message}`;
}
