import type { z } from 'zod';

export interface MethodDef<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  input: I;
  output: O;
  summary: string;
}
export interface TopicDef<P extends z.ZodType = z.ZodType> {
  payload: P;
  summary: string;
}

export const method = <I extends z.ZodType, O extends z.ZodType>(summary: string, input: I, output: O): MethodDef<I, O> => ({
  input,
  output,
  summary,
});
export const topic = <P extends z.ZodType>(summary: string, payload: P): TopicDef<P> => ({ payload, summary });

export type FeatureMethods = Record<string, MethodDef>;
