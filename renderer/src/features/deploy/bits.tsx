/** Small shared pieces of the Deployments UI: the status badge, the Docker problem panel. */
import type { DeploymentStatus, EngineStatus } from '../../../../shared/contract';
import { RefreshIcon } from '../../app/icons';
import { Spinner } from '../../ui/Spinner';
import { DeployIcon } from './icon';
import { statusTone } from './format';

export function StatusBadge({ status, reason }: { status: DeploymentStatus; reason?: string | null }) {
  const tone = statusTone(status);
  return (
    <span className={`badge badge-${tone} deploy-status`} data-testid="deployment-status" data-status={status} title={reason ?? undefined}>
      {status === 'starting' || status === 'updating' ? <Spinner size={9} /> : null}
      {status}
    </span>
  );
}

/** Docker is missing or stopped: what happened, how to fix it, and a Retry (never a crash or a spinner forever). */
export function EngineProblem({ engine, error, onRetry, retrying, compact = false }: { engine: EngineStatus | null; error: { code: string; message: string } | null; onRetry: () => void; retrying: boolean; compact?: boolean }) {
  const problem = engine?.problem ?? null;
  const message = problem?.message ?? error?.message ?? 'The Docker engine is not reachable.';
  const code = problem?.code ?? error?.code ?? null;
  const hint =
    problem?.hint ??
    'Start Docker (Docker Desktop, or `sudo systemctl start docker` on Linux), or point DOCKER_HOST at a running engine, then retry.';
  return (
    <div className={compact ? 'deploy-engine-problem compact' : 'deploy-engine-problem'} role="alert" data-testid="docker-unavailable">
      {compact ? null : (
        <div className="empty-icon" aria-hidden="true">
          <DeployIcon width={28} height={28} />
        </div>
      )}
      <div className="deploy-engine-text">
        <h2 className={compact ? 'deploy-engine-title small' : 'empty-title'}>Docker is not available</h2>
        <p>
          {code ? <code className="error-code">{code}</code> : null} {message}
        </p>
        <p className="deploy-engine-hint" data-testid="docker-hint">
          <strong>How to fix it:</strong> {hint}
        </p>
        {engine?.host ? (
          <p className="muted small">
            Looking for the engine at <code className="mono">{engine.host}</code>
          </p>
        ) : null}
      </div>
      <div className="button-row">
        <button type="button" className="button" onClick={onRetry} disabled={retrying} data-testid="docker-retry">
          {retrying ? <Spinner /> : <RefreshIcon />}
          Retry
        </button>
      </div>
    </div>
  );
}
