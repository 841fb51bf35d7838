import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Engine } from '../../core/engine';

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT';

export interface MlflowRequest {
  /** JSON body (POST/PATCH) merged over query params (GET/DELETE); repeated query keys become arrays. */
  body: Record<string, unknown>;
  /** Path parameters from `{name}` segments. */
  params: Record<string, string>;
  query: URLSearchParams;
  req: IncomingMessage;
  res: ServerResponse;
  engine: Engine;
}

export interface MlflowRoute {
  method: HttpMethod;
  /** Relative to /api/2.0/mlflow/ (and /ajax-api/2.0/mlflow/), e.g. 'runs/get' or 'logged-models/{model_id}/tags'. */
  path: string;
  /** Returns the JSON response body; return `undefined` only if the handler wrote the response itself. */
  handler: (r: MlflowRequest) => unknown;
  /** Max JSON body bytes (default 16 MiB). log-batch uses MLflow's 1 MB. */
  bodyLimit?: number;
}

export const route = (method: HttpMethod, path: string, handler: MlflowRoute['handler'], bodyLimit?: number): MlflowRoute => ({
  method,
  path,
  handler,
  bodyLimit,
});
