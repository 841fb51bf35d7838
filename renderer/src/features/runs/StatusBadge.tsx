import type { RunStatus } from '../../../../shared/contract';

const LABEL: Record<RunStatus, string> = { RUNNING: 'Running', SCHEDULED: 'Scheduled', FINISHED: 'Finished', FAILED: 'Failed', KILLED: 'Killed' };
const TITLE: Record<RunStatus, string> = {
  RUNNING: 'The run is in progress',
  SCHEDULED: 'The run is waiting to start',
  FINISHED: 'The run finished successfully',
  FAILED: 'The run ended with an error',
  KILLED: 'The run was stopped before it finished',
};

/** Status pill; RUNNING pulses. `testId` lets the detail header expose it as `run-status`. */
export function StatusBadge({ status, deleted = false, testId }: { status: RunStatus; deleted?: boolean; testId?: string }) {
  return (
    <span className={`run-status run-status-${status.toLowerCase()}`} title={TITLE[status]} data-testid={testId} data-status={status} data-deleted={deleted || undefined}>
      <span className="run-status-dot" aria-hidden="true" />
      {LABEL[status]}
    </span>
  );
}
