import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Engine } from '../../core/engine';
import type { MessageDef, Parsed } from './proto';
import type { Role } from '../../../shared/contract/roles';

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT';

export interface MlflowRequest {
  /** Path parameters from `{name}` segments. */
  params: Record<string, string>;
  query: URLSearchParams;
  req: IncomingMessage;
  res: ServerResponse;
  engine: Engine;
}

export interface MlflowRoute {
  method: HttpMethod;
  /** Relative to /api/2.0/mlflow/ (and the other prefixes), e.g. 'runs/get' or 'logged-models/{model_id}/tags'. */
  path: string;
  /** The proto request message the body (or a GET's query string) is parsed into. */
  message: MessageDef;
  /** Returns the JSON response body; return `undefined` only if the handler wrote the response itself. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  handler: (body: any, r: MlflowRequest) => unknown;
  /** Max JSON body bytes (default 16 MiB). log-batch uses MLflow's 1 MB. */
  bodyLimit?: number;
  /** Reads (Get*, Search*, List* messages) need a viewer; every other call changes something and needs a member. */
  role: Role;
}

export const route = <M extends MessageDef>(
  method: HttpMethod,
  path: string,
  message: M,
  handler: (body: Parsed<M>, r: MlflowRequest) => unknown,
  bodyLimit?: number,
): MlflowRoute => ({ method, path, message, handler, bodyLimit, role: /^(Get|Search|List)/.test(message.name) ? 'viewer' : 'member' });

/** Parsed key/value messages (tags, params) with proto's unset strings as "" — the shape the services take. */
export const kv = (xs: Array<{ key?: string; value?: string }>) => xs.map((x) => ({ key: x.key ?? '', value: x.value ?? '' }));
