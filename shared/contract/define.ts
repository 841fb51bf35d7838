import type { z } from 'zod';
import type { Role } from './roles';

export interface MethodDef<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  input: I;
  output: O;
  summary: string;
  /** The least role that may call it (enforced once, in Engine.invoke, for IPC and HTTP alike). */
  role: Role;
}
export interface TopicDef<P extends z.ZodType = z.ZodType> {
  payload: P;
  summary: string;
}

export const method = <I extends z.ZodType, O extends z.ZodType>(summary: string, input: I, output: O, role: Role): MethodDef<I, O> => ({
  input,
  output,
  summary,
  role,
});
export const topic = <P extends z.ZodType>(summary: string, payload: P): TopicDef<P> => ({ payload, summary });

export type FeatureMethods = Record<string, MethodDef>;
