/** The wizard's Target step: where the deployment runs (the local engine first), each with its kind and last test. */
import type { Target } from '../../../../shared/contract';
import { Spinner } from '../../ui/Spinner';
import { endpointLine, TargetKindBadge } from '../targets';
import { targetsSettingsHash, testSummary, type LoadErr } from './targets';

/** A target's kind, as the Settings → Targets section shows it (one badge style for targets across the app). */
export function KindBadge({ kind, builtin = false }: { kind: Target['kind']; builtin?: boolean }) {
  return <TargetKindBadge kind={kind} builtin={builtin} />;
}

/** What the target is, in one muted line: "unix:///var/run/docker.sock", "https://k8s:6443 · context prod · namespace ml". */
export function targetWhere(t: Target): string {
  return `${endpointLine(t)}${t.tls ? ' · TLS' : ''}`;
}

export function TargetStep({
  targets,
  error,
  value,
  onChange,
  fixed,
  onReload,
  onNavigateAway,
}: {
  targets: Target[] | null;
  error: LoadErr | null;
  value: string;
  onChange: (name: string) => void;
  /** Redeploying: a deployment stays on its target. */
  fixed: boolean;
  onReload: () => void;
  /** Following the Settings link leaves the wizard. */
  onNavigateAway: () => void;
}) {
  const addLink = (
    <a href={targetsSettingsHash()} onClick={onNavigateAway} data-testid="wizard-add-target">
      Add a target in Settings → Targets
    </a>
  );
  if (error) {
    return (
      <div className="field">
        <p className="field-error" role="alert">
          <code className="error-code">{error.code}</code> Could not list the targets: {error.message}
        </p>
        <p className="small">
          <button type="button" className="link-button" onClick={onReload}>
            Try again
          </button>{' '}
          or deploy to this machine’s engine ({addLink} later).
        </p>
      </div>
    );
  }
  if (targets === null) {
    return (
      <p className="muted small">
        <Spinner /> Loading targets…
      </p>
    );
  }
  const onlyLocal = targets.every((t) => t.builtin);
  return (
    <>
      <div className="wizard-choices" role="radiogroup" aria-label="Target" data-testid="wizard-targets">
        {targets.map((t) => {
          const test = testSummary(t.lastTest);
          const disabled = fixed && t.name !== value;
          return (
            <label key={t.name} className={`wizard-choice${t.name === value ? ' selected' : ''}${disabled ? ' disabled' : ''}`} data-testid="wizard-target" data-target={t.name} data-kind={t.kind}>
              <input type="radio" name="wizard-target" checked={t.name === value} disabled={disabled} onChange={() => onChange(t.name)} aria-describedby={`wizard-target-${t.name}-info`} data-autofocus={t.name === value || undefined} />
              <span className="wizard-choice-main">
                <strong className="mono">{t.name}</strong>
                <KindBadge kind={t.kind} builtin={t.builtin} />
                <span className={`badge badge-${test.tone} deploy-target-test`} data-testid="target-test" data-tone={test.tone} title={test.text}>
                  {t.lastTest ? (t.lastTest.ok ? (t.lastTest.missing.length ? 'needs setup' : 'tested OK') : 'test failed') : 'not tested'}
                </span>
              </span>
              <span id={`wizard-target-${t.name}-info`} className="small muted">
                <span className="mono truncate deploy-target-where">{targetWhere(t)}</span>
                <span className="deploy-target-note">{test.text}</span>
              </span>
            </label>
          );
        })}
      </div>
      {fixed ? <p className="small muted">A redeploy stays on the deployment’s target; to move it, deploy under another name.</p> : null}
      <p className="small muted" data-testid="wizard-targets-hint">
        {onlyLocal ? (
          <>
            Only this machine’s Docker engine is set up. To run on a remote Docker engine, a Swarm or a Kubernetes cluster, {addLink} (this closes the wizard;
            open it again once the target tests OK).
          </>
        ) : (
          <>Another engine or cluster? {addLink}. A target that failed its last test can still be picked: the deploy tests it again.</>
        )}
      </p>
    </>
  );
}
