/**
 * "Deploy to <target>" in one click on a model version: the main part deploys (deploy.quick) to the target this model
 * was last deployed to from here with the settings last used there; the menu lists the other targets.
 */
import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';
import type { Deployment, JobInfo, Target } from '../../../../shared/contract';
import { api } from '../../api/client';
import { navigate } from '../../app/router';
import { toast } from '../../app/toasts';
import { Dialog } from '../../ui/Dialog';
import { JobProgress } from '../../ui/JobProgress';
import { Spinner } from '../../ui/Spinner';
import { ClusterRollout } from './ClusterRollout';
import { KindBadge } from './TargetStep';
import { describeSettings, lastTargetFor, rememberTarget, targetsSettingsHash, useTargetList } from './targets';
import './deploy.css';

type Settings = Record<string, unknown> | null;

/** deploy.lastSettings per target, fetched once per target while the component lives. */
function useLastSettings(model: string, names: readonly string[]): Map<string, Settings | 'loading' | 'error'> {
  const [map, setMap] = useState(() => new Map<string, Settings | 'loading' | 'error'>());
  const asked = useRef(new Set<string>());
  const mounted = useRef(true);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
      asked.current.clear(); // a remount (StrictMode) asks again
    };
  }, []);
  const key = names.join(',');
  useEffect(() => {
    for (const target of key ? key.split(',') : []) {
      if (asked.current.has(target)) continue;
      asked.current.add(target);
      setMap((m) => new Map(m).set(target, 'loading'));
      api.deploy.lastSettings({ target, model }).then(
        (s) => mounted.current && setMap((m) => new Map(m).set(target, s)),
        () => mounted.current && setMap((m) => new Map(m).set(target, 'error')),
      );
    }
  }, [model, key]);
  return map;
}

/** The tooltip: what one click does, and which settings it reuses. */
export function quickTooltip(model: string, version: string, target: string, s: Settings | 'loading' | 'error' | undefined): string {
  const head = `Deploy ${model} v${version} to ${target} in one click`;
  if (s === undefined || s === 'loading') return `${head} (reading the last settings used there…)`;
  if (s === 'error') return `${head} with the settings last used there (they could not be read now)`;
  if (s === null) return `${head}. Not deployed there yet: the defaults (built-in ONNX runtime, a free port, no limits).`;
  const d = describeSettings(s);
  return `${head}, reusing the settings last used there${d ? `: ${d}` : ''}.`;
}

interface Started {
  jobId: string;
  name: string;
  target: Target | null;
}

function QuickDeployDialog({ started, model, version, onClose, onDeployed }: { started: Started; model: string; version: string; onClose: () => void; onDeployed?: () => void }) {
  const [end, setEnd] = useState<JobInfo | null>(null);
  const [dep, setDep] = useState<Deployment | null>(null);
  const cluster = started.target !== null && started.target.kind !== 'docker';
  // On a cluster the tasks move while the job runs: show them as soon as the deployment exists.
  useEffect(() => {
    if (!cluster || dep) return;
    let alive = true;
    const look = () => api.deploy.get({ name: started.name }).then((d) => alive && setDep(d), () => undefined);
    void look();
    const t = setInterval(() => void look(), 2000);
    return () => {
      alive = false;
      clearInterval(t);
    };
  }, [cluster, dep, started.name]);
  const onEnd = (info: JobInfo) => {
    setEnd(info);
    api.deploy.get({ name: started.name }).then(setDep, () => undefined);
    if (info.state === 'done') onDeployed?.();
  };
  const targetName = started.target?.name ?? 'the target';
  return (
    <Dialog
      title={`Deploying ${model} v${version} to ${targetName}`}
      onClose={onClose}
      size="lg"
      testId="dialog-quick-deploy"
      footer={
        <>
          <button
            type="button"
            className="button"
            onClick={() => {
              onClose();
              navigate('/deployments', { name: started.name });
            }}
            data-testid="quick-open-deployment"
          >
            Open in Deployments
          </button>
          <button type="button" className="button button-primary" onClick={onClose} data-testid="quick-close">
            Close
          </button>
        </>
      }
    >
      <JobProgress jobId={started.jobId} title={`Deploying ${started.name}`} onEnd={onEnd} testId="quick-deploy-job" />
      {cluster && dep ? <ClusterRollout d={dep} showJob={false} poll={!end} /> : null}
      {end?.state === 'done' ? (
        <p className="small" data-testid="quick-done">
          <span className="badge badge-ok">ready</span> <span className="mono">{started.name}</span> serves v{version}
          {dep ? (
            <>
              {' '}
              at{' '}
              <a href={dep.url} target="_blank" rel="noreferrer" className="mono">
                {dep.url}
              </a>
            </>
          ) : null}
          .
        </p>
      ) : end?.state === 'failed' ? (
        <p className="small" data-testid="quick-failed">
          It did not complete; anything that served before keeps serving. To change the settings, use <strong>Deploy…</strong> (the wizard).
        </p>
      ) : (
        <p className="muted small">It keeps going if you close this dialog; the Deployments page shows how it ends.</p>
      )}
    </Dialog>
  );
}

/** The split button. Test ids: quick-deploy (main part, data-target), quick-deploy-menu (caret), quick-deploy-option (menu items, data-target). */
export function QuickDeploy({ model, version, onDeployed, size = 'xs' }: { model: string; version: string; onDeployed?: () => void; size?: 'xs' | 'sm' }) {
  const { targets, error } = useTargetList();
  const [remembered, setRemembered] = useState(() => lastTargetFor(model));
  useEffect(() => setRemembered(lastTargetFor(model)), [model]);
  const current = targets?.find((t) => t.name === remembered) ?? targets?.find((t) => t.builtin) ?? null;
  const currentName = current?.name ?? remembered;
  const others = (targets ?? []).filter((t) => t.name !== currentName);
  const [open, setOpen] = useState(false);
  const settings = useLastSettings(model, open ? [currentName, ...others.map((t) => t.name)] : [currentName]);
  const [busy, setBusy] = useState<string | null>(null);
  const [started, setStarted] = useState<Started | null>(null);
  const root = useRef<HTMLDivElement>(null);
  const caret = useRef<HTMLButtonElement>(null);
  const menuId = useId();

  useEffect(() => {
    if (!open) return;
    const onDown = (e: MouseEvent) => {
      if (root.current && e.target instanceof Node && !root.current.contains(e.target)) setOpen(false);
    };
    document.addEventListener('mousedown', onDown);
    // Focus the first item (menu-button pattern).
    root.current?.querySelector<HTMLElement>('[role="menuitem"]')?.focus();
    return () => document.removeEventListener('mousedown', onDown);
  }, [open]);

  const deployTo = async (t: Target | null, name: string) => {
    setOpen(false);
    setBusy(name);
    try {
      const r = await api.deploy.quick({ target: name, model, version });
      rememberTarget(model, name);
      setRemembered(name);
      setStarted({ jobId: r.jobId, name: r.name, target: t });
    } catch (e) {
      toast.error(e, `Could not deploy to ${name}`);
    } finally {
      setBusy(null);
    }
  };

  const onMenuKey = (e: KeyboardEvent<HTMLDivElement>) => {
    const items = [...(root.current?.querySelectorAll<HTMLElement>('[role="menuitem"]') ?? [])];
    const i = items.indexOf(document.activeElement as HTMLElement);
    const move = (to: number) => {
      e.preventDefault();
      items[(to + items.length) % items.length]?.focus();
    };
    if (e.key === 'ArrowDown') move(i + 1);
    else if (e.key === 'ArrowUp') move(i - 1);
    else if (e.key === 'Home') move(0);
    else if (e.key === 'End') move(items.length - 1);
    else if (e.key === 'Escape' || e.key === 'Tab') {
      if (e.key === 'Escape') {
        e.preventDefault();
        e.stopPropagation();
        caret.current?.focus();
      }
      setOpen(false);
    }
  };

  const tip = quickTooltip(model, version, currentName, settings.get(currentName));
  const btn = `button button-${size}`;
  return (
    <div className="popover-anchor quick-deploy" ref={root} data-testid="quick-deploy-group">
      <div className="split-button" role="group" aria-label={`Deploy ${model} v${version} in one click`}>
        <button
          type="button"
          className={`${btn} button-primary split-main`}
          onClick={() => void deployTo(current, currentName)}
          disabled={busy !== null}
          aria-busy={busy === currentName || undefined}
          title={tip}
          data-testid="quick-deploy"
          data-target={currentName}
        >
          {busy === currentName ? <Spinner /> : null}
          Deploy to {currentName}
        </button>
        <button
          ref={caret}
          type="button"
          className={`${btn} button-primary split-caret`}
          aria-haspopup="menu"
          aria-expanded={open}
          aria-controls={open ? menuId : undefined}
          aria-label="Deploy to another target"
          title="Deploy to another target"
          onClick={() => setOpen((o) => !o)}
          onKeyDown={(e) => {
            if (e.key === 'ArrowDown' && !open) {
              e.preventDefault();
              setOpen(true);
            }
          }}
          disabled={busy !== null}
          data-testid="quick-deploy-menu"
        >
          <span aria-hidden="true">▾</span>
        </button>
      </div>
      {open ? (
        <div id={menuId} className="popover quick-deploy-menu" role="menu" aria-label="Deploy to another target" onKeyDown={onMenuKey} data-testid="quick-deploy-popover">
          {error ? (
            <p className="small text-danger quick-deploy-note" role="none">
              Could not list the targets: {error.message}
            </p>
          ) : targets === null ? (
            <p className="small muted quick-deploy-note" role="none">
              <Spinner /> Loading targets…
            </p>
          ) : others.length === 0 ? (
            <p className="small muted quick-deploy-note" role="none" data-testid="quick-deploy-none">
              No other target yet. Remote Docker engines, Swarms and Kubernetes clusters are added in Settings → Targets.
            </p>
          ) : (
            others.map((t) => (
              <button
                key={t.name}
                type="button"
                role="menuitem"
                tabIndex={-1}
                className="quick-deploy-item"
                onClick={() => void deployTo(t, t.name)}
                title={quickTooltip(model, version, t.name, settings.get(t.name))}
                data-testid="quick-deploy-option"
                data-target={t.name}
              >
                <span className="mono truncate">Deploy to {t.name}</span>
                <KindBadge kind={t.kind} />
                {t.lastTest && !t.lastTest.ok ? <span className="badge badge-danger">test failed</span> : null}
              </button>
            ))
          )}
          <a role="menuitem" tabIndex={-1} className="quick-deploy-item quick-deploy-link" href={targetsSettingsHash()} onClick={() => setOpen(false)} data-testid="quick-deploy-settings">
            Set up targets…
          </a>
        </div>
      ) : null}
      {started ? <QuickDeployDialog started={started} model={model} version={version} onClose={() => setStarted(null)} onDeployed={onDeployed} /> : null}
    </div>
  );
}
