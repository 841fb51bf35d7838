/** A swarm service's / Kubernetes Deployment's rollout: its state and reason, the replica counts, one row per task (pod). */
import { useEffect, useState } from 'react';
import type { Deployment, JobInfo } from '../../../../shared/contract';
import { api, subscribe } from '../../api/client';
import { JobProgress } from '../../ui/JobProgress';
import { RelativeTime } from '../../ui/RelativeTime';
import { Spinner } from '../../ui/Spinner';
import { KIND_LABELS } from '../targets';

const POLL_MS = 2000;

export type RolloutTone = 'ok' | 'progress' | 'rolledback' | 'failed' | 'none';

/** Swarm UpdateStatus states (updating, paused, completed, rollback_started, rollback_paused, rollback_completed) and Kubernetes rollout words. */
export function rolloutTone(state: string | null | undefined): RolloutTone {
  const s = (state ?? '').toLowerCase();
  if (!s) return 'none';
  if (/roll(ed)?[ _-]?back|rollback/.test(s)) return /start|progress|updating/.test(s) ? 'progress' : 'rolledback';
  if (/pause|fail|error|deadline|stuck/.test(s)) return 'failed';
  if (/complet|done|available|succeed/.test(s)) return 'ok';
  return 'progress';
}

const TONE_BADGE: Record<RolloutTone, string> = { ok: 'badge-ok', progress: 'badge-warn', rolledback: 'badge-danger', failed: 'badge-danger', none: 'badge-neutral' };
const TONE_WORD: Record<RolloutTone, string> = { ok: 'completed', progress: 'updating', rolledback: 'rolled back', failed: 'failed', none: 'no rollout yet' };

/** A rollout still moving (poll it), as opposed to settled. */
export function rolloutMoving(d: Deployment): boolean {
  return d.status === 'starting' || d.status === 'updating' || rolloutTone(d.rollout?.state) === 'progress';
}

/** The deployment, re-read on `deploy.changed` and every 2 s while its rollout moves (tasks change without events). */
export function useLiveDeployment(initial: Deployment, extraPolling = false): Deployment {
  const [d, setD] = useState(initial);
  useEffect(() => setD(initial), [initial]);
  const name = initial.name;
  const moving = rolloutMoving(d) || extraPolling;
  useEffect(() => {
    let alive = true;
    const refresh = () =>
      api.deploy.get({ name }).then(
        (x) => alive && setD(x),
        () => undefined, // the store's own load reports errors; a gone deployment leaves the last view
      );
    const off = subscribe('deploy.changed', (p) => {
      if (p.name === name) void refresh();
    });
    const timer = moving ? setInterval(() => void refresh(), POLL_MS) : null;
    return () => {
      alive = false;
      off();
      if (timer) clearInterval(timer);
    };
  }, [name, moving]);
  return d;
}

const isRolloutJobOf = (name: string, j: Pick<JobInfo, 'kind' | 'title'>) => j.kind === 'deploy' && j.title.endsWith(` as ${name}`);

/** The running deploy job of a deployment — a rollout started here, from the CLI or by one click — or null. Matched on the job title "… as <name>": jobs carry no deployment name. */
export function useRolloutJob(name: string): string | null {
  const [jobId, setJobId] = useState<string | null>(null);
  useEffect(() => {
    let alive = true;
    setJobId(null);
    const find = () =>
      api.jobs.list({}).then(
        (jobs) => {
          if (!alive) return;
          const j = jobs.find((x) => x.state === 'running' && isRolloutJobOf(name, x));
          if (j) setJobId(j.id);
        },
        () => undefined,
      );
    void find();
    const offJobs = subscribe('jobs.progress', (p) => {
      if (alive && p.state === 'running' && isRolloutJobOf(name, p)) setJobId((cur) => cur ?? p.id);
    });
    const offDeploy = subscribe('deploy.changed', (p) => {
      if (p.name === name) void find();
    });
    return () => {
      alive = false;
      offJobs();
      offDeploy();
    };
  }, [name]);
  return jobId;
}

function Count({ label, value, of }: { label: string; value: number | null; of: number }) {
  return (
    <div className="deploy-stat" data-testid={`replicas-${label.toLowerCase()}`}>
      <span className="deploy-stat-label">{label}</span>
      <span className="deploy-stat-value tabular">
        {value === null ? '—' : value}
        <span className="muted small"> / {of}</span>
      </span>
    </div>
  );
}

function taskTone(state: string): string {
  const s = state.toLowerCase();
  if (s === 'running' || s === 'ready') return 'badge-ok';
  if (/fail|reject|error|crash|orphan|remove|shutdown|complete|oomkilled|evicted/.test(s)) return s === 'shutdown' || s === 'complete' ? 'badge-neutral' : 'badge-danger';
  return 'badge-warn';
}

export function TaskTable({ d }: { d: Deployment }) {
  const word = d.targetKind === 'kubernetes' ? 'pod' : 'task';
  if (d.tasks.length === 0) {
    return (
      <p className="muted small" data-testid="deployment-tasks-empty">
        No {word}s yet: {d.status === 'stopped' ? 'the deployment is stopped (scaled to 0).' : 'the orchestrator has not scheduled any replica.'}
      </p>
    );
  }
  const tasks = [...d.tasks].sort((a, b) => (a.slot ?? 1e9) - (b.slot ?? 1e9) || (b.since ?? 0) - (a.since ?? 0));
  return (
    <div className="table-wrap">
      <table className="data-table deploy-tasks" data-testid="deployment-tasks">
        <thead>
          <tr>
            <th scope="col">{d.targetKind === 'kubernetes' ? 'Pod' : 'Slot'}</th>
            <th scope="col">Node</th>
            <th scope="col">State</th>
            <th scope="col">Version</th>
            <th scope="col">Message</th>
            <th scope="col">Since</th>
          </tr>
        </thead>
        <tbody>
          {tasks.map((t) => (
            <tr key={t.id} data-testid="deployment-task" data-state={t.state} data-version={t.version ?? ''}>
              <td className="mono small" title={t.id}>
                {t.slot !== null ? `#${t.slot}` : t.id.slice(0, 16)}
              </td>
              <td className="small">{t.node ?? <span className="muted">—</span>}</td>
              <td>
                <span className={`badge ${taskTone(t.state)}`}>{t.state}</span>
                {t.desired && t.desired !== t.state ? <span className="muted small"> → {t.desired}</span> : null}
              </td>
              <td className="small">{t.version ? `v${t.version}` : <span className="muted">—</span>}</td>
              <td className="small deploy-task-message">{t.message ?? <span className="muted">—</span>}</td>
              <td className="small muted">{t.since ? <RelativeTime ms={t.since} /> : '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The rollout's state; when it rolled back, the reason in a prominent callout (the whole point of watching it). */
export function RolloutState({ d }: { d: Deployment }) {
  const tone = rolloutTone(d.rollout?.state);
  const message = d.rollout?.message ?? null;
  if (tone === 'rolledback' || tone === 'failed') {
    return (
      <div className="rollout-failure" role="alert" data-testid="rollout-state" data-tone={tone} data-state={d.rollout?.state ?? ''}>
        <p>
          <span className={`badge ${TONE_BADGE[tone]}`}>{TONE_WORD[tone]}</span> <strong>{tone === 'rolledback' ? `The update was rolled back: v${d.version} keeps serving.` : 'The rollout stopped.'}</strong>
        </p>
        <p className="small" data-testid="rollout-reason">
          {message ?? 'The orchestrator gave no reason; the task table below shows the failing replicas.'}
        </p>
      </div>
    );
  }
  return (
    <p className="deploy-rollout-line" data-testid="rollout-state" data-tone={tone} data-state={d.rollout?.state ?? ''}>
      <span className={`badge ${TONE_BADGE[tone]}`}>
        {tone === 'progress' ? <Spinner size={9} /> : null}
        {d.rollout?.state ? `${TONE_WORD[tone]}${TONE_WORD[tone] !== d.rollout.state ? ` (${d.rollout.state})` : ''}` : TONE_WORD[tone]}
      </span>
      {message ? <span className="small">{message}</span> : null}
    </p>
  );
}

/** The cluster card of a deployment: rollout state, replica counts, the running rollout job, the per-task table. */
export function ClusterRollout({ d: initial, showJob = true, poll = false }: { d: Deployment; /** Show the running rollout job (off where the caller shows it already). */ showJob?: boolean; /** Keep polling (the caller knows a rollout runs). */ poll?: boolean }) {
  const foundJob = useRolloutJob(initial.name);
  const jobId = showJob ? foundJob : null;
  const [jobRunning, setJobRunning] = useState(false);
  useEffect(() => setJobRunning(!!jobId), [jobId]);
  const d = useLiveDeployment(initial, jobRunning || poll);
  if (d.targetKind === 'docker') return null;
  const r = d.replicas;
  return (
    <section className="card deploy-cluster" data-testid="deployment-cluster" data-kind={d.targetKind} aria-label={`${KIND_LABELS[d.targetKind]} rollout`}>
      <div className="deploy-card-head">
        <h3 className="card-title">
          {d.targetKind === 'kubernetes' ? 'Kubernetes rollout' : 'Swarm service'} <span className="muted small">on {d.target}</span>
        </h3>
      </div>
      <RolloutState d={d} />
      <div className="deploy-stats deploy-replicas" data-testid="deployment-replicas" data-desired={r.desired} data-running={r.running} data-ready={r.ready ?? ''}>
        <Count label="Running" value={r.running} of={r.desired} />
        <Count label="Ready" value={r.ready} of={r.desired} />
        <Count label="Updated" value={r.updated} of={r.desired} />
        {d.targetKind === 'kubernetes' ? <Count label="Available" value={r.available} of={r.desired} /> : null}
      </div>
      {jobId ? <JobProgress key={jobId} jobId={jobId} title="Rollout" onEnd={() => setJobRunning(false)} testId="rollout-job" /> : null}
      <h4 className="section-title">{d.targetKind === 'kubernetes' ? 'Pods' : 'Tasks'}</h4>
      <TaskTable d={d} />
    </section>
  );
}
