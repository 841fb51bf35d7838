/** Small shared pieces of the Deployments UI: copy buttons, code blocks, the status badge, the Docker problem panel. */
import type { DeploymentStatus, EngineStatus } from '../../../../shared/contract';
import { RefreshIcon } from '../../app/icons';
import { toast } from '../../app/toasts';
import { Spinner } from '../../ui/Spinner';
import { DeployIcon } from './icon';
import { statusTone } from './format';

export function copyText(text: string, label: string): void {
  if (!navigator.clipboard) {
    toast.warn('The clipboard is not available here');
    return;
  }
  navigator.clipboard.writeText(text).then(
    () => toast.success(`${label} copied`),
    () => toast.warn('The clipboard is not available here'),
  );
}

function CopyIcon() {
  return (
    <svg width="14" height="14" viewBox="0 0 16 16" fill="none" stroke="currentColor" strokeWidth="1.5" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true" focusable="false">
      <rect x="5.25" y="5.25" width="8.5" height="8.5" rx="1.5" />
      <path d="M10.75 5.25v-1.5c0-.83-.67-1.5-1.5-1.5h-5.5c-.83 0-1.5.67-1.5 1.5v5.5c0 .83.67 1.5 1.5 1.5h1.5" />
    </svg>
  );
}

export function CopyButton({ text, label, testId, compact = false }: { text: string; label: string; testId?: string; compact?: boolean }) {
  return (
    <button
      type="button"
      className={compact ? 'icon-button deploy-copy' : 'button button-xs deploy-copy'}
      onClick={() => copyText(text, label)}
      aria-label={`Copy ${label}`}
      title={`Copy ${label}`}
      data-testid={testId}
    >
      <CopyIcon />
      {compact ? null : 'Copy'}
    </button>
  );
}

/** A monospaced, scrollable block with a copy button in its corner. */
export function CodeBlock({ code, label, testId }: { code: string; label: string; testId?: string }) {
  return (
    <div className="deploy-code" data-testid={testId}>
      <pre tabIndex={0} aria-label={label}>
        <code>{code}</code>
      </pre>
      <CopyButton text={code} label={label} compact />
    </div>
  );
}

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
