// Request/response schemas of the serving runtime (resources/runtime): Open Inference Protocol V2,
// MLflow-style /invocations, and the records ring the app pulls. Shared by the runtime, the app and the tests.
import { z } from 'zod';

export const OIP_DATATYPES = ['FP32', 'FP64', 'INT64', 'INT32', 'BOOL', 'BYTES'] as const;
export const oipDatatype = z.enum(OIP_DATATYPES);
export type OipDatatype = z.infer<typeof oipDatatype>;

/** A dimension: a size, or -1 for "any". */
export const tensorMeta = z.object({ name: z.string(), datatype: oipDatatype, shape: z.array(z.number().int()) });
export type TensorMeta = z.infer<typeof tensorMeta>;

export const serverMetadata = z.object({ name: z.string(), version: z.string(), extensions: z.array(z.string()) });
export type ServerMetadata = z.infer<typeof serverMetadata>;

export const modelMetadata = z.object({
  name: z.string(),
  versions: z.array(z.string()).optional(),
  platform: z.string(),
  inputs: z.array(tensorMeta),
  outputs: z.array(tensorMeta),
});
export type ModelMetadata = z.infer<typeof modelMetadata>;

/**
 * Tensor data: flat or nested arrays of numbers/booleans/strings. Elements are checked by the runtime
 * against the model's signature while it fills the tensor (a per-element zod union costs more than
 * the inference on large batches), so the schema only says "an array".
 */
const nested = z.unknown();

export const inferInputTensor = z.object({
  name: z.string(),
  shape: z.array(z.number().int().nonnegative()),
  datatype: z.string(),
  parameters: z.record(z.string(), z.unknown()).optional(),
  data: z.array(nested),
});
export type InferInputTensor = z.infer<typeof inferInputTensor>;

export const inferRequest = z.object({
  id: z.string().optional(),
  parameters: z.record(z.string(), z.unknown()).optional(),
  inputs: z.array(inferInputTensor),
  outputs: z.array(z.object({ name: z.string(), parameters: z.record(z.string(), z.unknown()).optional() })).optional(),
});
export type InferRequest = z.infer<typeof inferRequest>;

export const inferOutputTensor = z.object({
  name: z.string(),
  shape: z.array(z.number().int()),
  datatype: oipDatatype,
  data: z.array(z.union([z.number(), z.boolean(), z.string()])),
});
export type InferOutputTensor = z.infer<typeof inferOutputTensor>;

export const inferResponse = z.object({
  model_name: z.string(),
  model_version: z.string().optional(),
  id: z.string(),
  outputs: z.array(inferOutputTensor),
});
export type InferResponse = z.infer<typeof inferResponse>;

/** Every 4xx/5xx body: OIP's `{error}`. */
export const errorResponse = z.object({ error: z.string() });
export type ErrorResponse = z.infer<typeof errorResponse>;

/** MLflow scoring-server bodies accepted by POST /invocations (exactly one key). */
export const invocationsRequest = z.union([
  z.object({ dataframe_split: z.object({ columns: z.array(z.string()).optional(), index: z.array(z.unknown()).optional(), data: z.array(z.array(nested)) }) }),
  z.object({ dataframe_records: z.array(z.record(z.string(), nested)) }),
  z.object({ instances: z.array(nested) }),
  z.object({ inputs: z.union([z.array(nested), z.record(z.string(), nested)]) }),
]);
export type InvocationsRequest = z.infer<typeof invocationsRequest>;
export const invocationsResponse = z.object({ predictions: z.unknown() });
export type InvocationsResponse = z.infer<typeof invocationsResponse>;

export const inferenceRecord = z.object({
  seq: z.number().int().positive(),
  id: z.string(),
  time: z.string(),
  route: z.string(),
  inputs: z.unknown(),
  outputs: z.unknown(),
  latency_ms: z.number(),
  status: z.number().int(),
  error: z.string().optional(),
});
export type InferenceRecord = z.infer<typeof inferenceRecord>;

export const recordsResponse = z.object({
  records: z.array(inferenceRecord),
  /** Pass as `after` for the next page. */
  next: z.number().int().nonnegative(),
  /** Records with seq below this were dropped by the ring (0 when none). */
  dropped_before: z.number().int().nonnegative(),
});
export type RecordsResponse = z.infer<typeof recordsResponse>;

/** Ground truth for a prediction: the request id (OIP `id`, or the `x-request-id` the runtime answered with), the row of a batch request (0 by default) and its label. */
export const FEEDBACK_MAX_ITEMS = 10_000;
export const feedbackLabel = z.union([z.number().finite(), z.string().max(1000), z.boolean()]);
export type FeedbackLabel = z.infer<typeof feedbackLabel>;
export const feedbackItem = z
  .object({
    id: z.string().min(1).max(256),
    row: z.number().int().min(0).max(1_000_000).optional(),
    label: feedbackLabel,
  })
  .strict();
export type FeedbackItem = z.infer<typeof feedbackItem>;
/** POST /mldesk/feedback: one `{id, label}` or a batch `{feedback: [{id, label}, …]}`. */
export const feedbackRequest = z.union([feedbackItem, z.object({ feedback: z.array(feedbackItem).min(1).max(FEEDBACK_MAX_ITEMS) }).strict()]);
export type FeedbackRequest = z.infer<typeof feedbackRequest>;
export const feedbackResponse = z.object({ accepted: z.number().int().nonnegative() });

/** One label as the runtime stored it (its own clock in `time`: the delay is measured against the record's). */
export const feedbackRecord = z.object({
  seq: z.number().int().positive(),
  id: z.string(),
  row: z.number().int().nonnegative(),
  label: feedbackLabel,
  time: z.string(),
});
export type FeedbackRecord = z.infer<typeof feedbackRecord>;
export const feedbackPage = z.object({
  feedback: z.array(feedbackRecord),
  next: z.number().int().nonnegative(),
  dropped_before: z.number().int().nonnegative(),
});
export type FeedbackPage = z.infer<typeof feedbackPage>;
