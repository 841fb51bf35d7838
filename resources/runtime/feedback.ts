// Ground truth sent to the runtime: POST /mldesk/feedback ({id, label} or {feedback: [{id, row?, label}, …]}) is
// validated and appended to a small on-disk ring beside the records; the app pulls it with GET /mldesk/feedback?after=
// (the same paging as the records) and joins it to the predictions by request id.
import path from 'node:path';
import { feedbackRequest, type FeedbackPage, type FeedbackRecord } from '../../shared/runtime';
import { RecordRing } from './ring';

/** Bodies above this are refused (a batch of 10,000 labels fits well under it). */
export const FEEDBACK_MAX_BODY = 2 * 1024 * 1024;

export class FeedbackError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface FeedbackOptions {
  dir: string;
  maxBytes: number;
  segmentBytes: number;
  maxSegments: number;
}

/** The feedback ring: `<records dir>-feedback` by default, a sibling (the records folder holds the records' segments only). */
export function feedbackDirOf(recordsDir: string): string {
  const r = path.resolve(recordsDir);
  return path.join(path.dirname(r), `${path.basename(r)}-feedback`);
}

export class FeedbackStore {
  private readonly ring: RecordRing<FeedbackRecord>;

  constructor(opts: FeedbackOptions) {
    this.ring = new RecordRing<FeedbackRecord>(opts);
  }

  /** Validates a parsed body and stores its labels (all or none); returns how many were stored. */
  accept(body: unknown): number {
    const parsed = feedbackRequest.safeParse(body);
    if (!parsed.success) {
      const msg = parsed.error.issues
        .slice(0, 3)
        .map((i) => `${i.path.map(String).join('.') || 'body'}: ${i.message}`)
        .join('; ');
      throw new FeedbackError(400, `expected {id, label} or {feedback: [{id, row?, label}, …]} (label a number, string or boolean): ${msg}`);
    }
    const items = 'feedback' in parsed.data ? parsed.data.feedback : [parsed.data];
    const time = new Date().toISOString();
    for (const it of items) this.ring.append({ id: it.id, row: it.row ?? 0, label: it.label, time });
    return items.length;
  }

  read(after: number, limit: number): FeedbackPage {
    const r = this.ring.read(after, limit);
    return { feedback: r.records, next: r.next, dropped_before: r.dropped_before };
  }

  close(): void {
    this.ring.close();
  }
}
