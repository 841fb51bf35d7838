import { MldeskError } from '../../../shared/contract/errors';
import { FilterSyntaxError } from '../../../shared/lib/mlflowFilter';

/** MLflow error codes; the REST adapter derives error_code from MldeskError.code unless details.error_code says otherwise. */
export type MlflowErrorCode =
  | 'INVALID_PARAMETER_VALUE'
  | 'RESOURCE_DOES_NOT_EXIST'
  | 'RESOURCE_ALREADY_EXISTS'
  | 'INVALID_STATE'
  | 'ENDPOINT_NOT_FOUND'
  | 'INTERNAL_ERROR'
  | 'BAD_REQUEST'
  | 'UNAUTHENTICATED'
  | 'PERMISSION_DENIED'
  | 'REQUEST_LIMIT_EXCEEDED';

export const invalidParam = (message: string) => new MldeskError('INVALID_INPUT', message, { error_code: 'INVALID_PARAMETER_VALUE' });
export const notFound = (message: string) => new MldeskError('NOT_FOUND', message, { error_code: 'RESOURCE_DOES_NOT_EXIST' });
export const alreadyExists = (message: string) => new MldeskError('ALREADY_EXISTS', message, { error_code: 'RESOURCE_ALREADY_EXISTS' });
export const invalidState = (message: string) => new MldeskError('FAILED_PRECONDITION', message, { error_code: 'INVALID_STATE' });

const BY_CODE: Record<string, MlflowErrorCode> = {
  INVALID_INPUT: 'INVALID_PARAMETER_VALUE',
  NOT_FOUND: 'RESOURCE_DOES_NOT_EXIST',
  ALREADY_EXISTS: 'RESOURCE_ALREADY_EXISTS',
  CONFLICT: 'RESOURCE_ALREADY_EXISTS',
  FAILED_PRECONDITION: 'INVALID_STATE',
  PAYLOAD_TOO_LARGE: 'REQUEST_LIMIT_EXCEEDED',
  UNAUTHORIZED: 'UNAUTHENTICATED',
  FORBIDDEN: 'PERMISSION_DENIED',
};

/** MLflow's HTTP status mapping (databricks_pb2 → status). */
export const MLFLOW_STATUS: Record<MlflowErrorCode, number> = {
  INVALID_PARAMETER_VALUE: 400,
  RESOURCE_ALREADY_EXISTS: 400,
  INVALID_STATE: 400,
  BAD_REQUEST: 400,
  RESOURCE_DOES_NOT_EXIST: 404,
  ENDPOINT_NOT_FOUND: 404,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  REQUEST_LIMIT_EXCEEDED: 429,
  INTERNAL_ERROR: 500,
};

export function toMlflowError(e: unknown): { status: number; body: { error_code: MlflowErrorCode; message: string } } {
  if (e instanceof MldeskError) {
    const explicit = (e.details as { error_code?: MlflowErrorCode } | undefined)?.error_code;
    const code = explicit ?? BY_CODE[e.code] ?? 'INTERNAL_ERROR';
    return { status: MLFLOW_STATUS[code], body: { error_code: code, message: e.message } };
  }
  return { status: 500, body: { error_code: 'INTERNAL_ERROR', message: e instanceof Error ? e.message : String(e) } };
}

/** Runs a filter/order_by parse; syntax errors become INVALID_PARAMETER_VALUE with the position kept for the UI. */
export function withFilterErrors<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof FilterSyntaxError) {
      const err = invalidParam(e.message);
      Object.assign(err.details as Record<string, unknown>, { position: e.position, length: e.length });
      throw err;
    }
    throw e;
  }
}
