import type { RolloutReport } from '../../../../shared/contract';
import { RelativeTime } from '../../ui/RelativeTime';

/** Why a new version never became ready: the message, the failing probe and the new container's last log lines. */
export function RolloutFailure({ report, stillServing }: { report: RolloutReport; stillServing: string | null }) {
  return (
    <section className="rollout-failure" role="alert" data-testid="rollout-failure" aria-label="Failed rollout">
      <p>
        <strong>Version {report.version} did not become ready</strong> <RelativeTime ms={report.at} className="muted small" />
      </p>
      {stillServing ? (
        <p className="small" data-testid="rollout-still-serving">
          Version {stillServing} keeps serving: nothing changed for callers.
        </p>
      ) : null}
      <p className="small" data-testid="rollout-message">
        {report.message}
      </p>
      {report.probe ? (
        <p className="small">
          Failing probe: <code className="mono" data-testid="rollout-probe">{report.probe}</code>
        </p>
      ) : null}
      {report.logTail.length ? (
        <>
          <p className="small muted">Last log lines of the new container:</p>
          <pre className="code-box deploy-log small" data-testid="rollout-log" tabIndex={0}>
            {report.logTail.join('\n')}
          </pre>
        </>
      ) : (
        <p className="small muted">The new container wrote no log lines.</p>
      )}
    </section>
  );
}
