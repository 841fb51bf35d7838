/** The wizard's resources step for remote targets: replicas, health check, canary (swarm), Ingress + HPA (Kubernetes), transport. */
import { useId, type ReactNode } from 'react';
import type { DeployInput, TargetKind } from '../../../../shared/contract';

export type Transport = 'auto' | 'registry' | 'stream';

/** Text fields as typed (numbers parsed when the input is built, so zod names what is wrong). */
export interface ClusterForm {
  replicas: string;
  transport: Transport;
  health: { intervalSec: string; timeoutSec: string; retries: string; startPeriodSec: string };
  canary: { on: boolean; windowSec: string; maxErrorRatePct: string; maxLatencyRatio: string };
  ingress: { on: boolean; host: string; path: string; className: string };
  hpa: { on: boolean; min: string; max: string; cpuPercent: string };
  progressDeadlineSec: string;
}

export function defaultClusterForm(): ClusterForm {
  return {
    replicas: '2',
    transport: 'auto',
    health: { intervalSec: '2', timeoutSec: '2', retries: '3', startPeriodSec: '10' },
    canary: { on: false, windowSec: '30', maxErrorRatePct: '5', maxLatencyRatio: '2' },
    ingress: { on: false, host: '', path: '/', className: '' },
    hpa: { on: false, min: '2', max: '5', cpuPercent: '80' },
    progressDeadlineSec: '120',
  };
}

const num = (s: string): number | undefined => (s.trim() === '' ? undefined : Number(s));

/** Where the wizard deploys: the target's name and kind, and whether it is this machine's engine. */
export interface PickedTarget {
  name: string;
  kind: TargetKind;
  local: boolean;
}

/**
 * The deploy-input fields a target adds. `manifests` are the wizard's edited Kubernetes manifests (sent instead of
 * the generated ones); undefined keeps the generated ones.
 */
export function clusterFields(form: ClusterForm, t: PickedTarget, manifests?: Record<string, unknown>[]): Partial<DeployInput> {
  const out: Partial<DeployInput> = { target: t.name };
  if (t.local) return out;
  out.transport = form.transport;
  if (t.kind === 'docker') return out;
  out.replicas = num(form.replicas);
  const h = form.health;
  out.health = { intervalSec: num(h.intervalSec), timeoutSec: num(h.timeoutSec), retries: num(h.retries), startPeriodSec: num(h.startPeriodSec) };
  if (t.kind === 'swarm' && form.canary.on) {
    const pct = num(form.canary.maxErrorRatePct);
    out.canary = { windowSec: num(form.canary.windowSec), maxErrorRateDelta: pct === undefined ? undefined : pct / 100, maxLatencyRatio: num(form.canary.maxLatencyRatio) };
  }
  if (t.kind === 'kubernetes') {
    const i = form.ingress;
    const hpa = form.hpa;
    out.kubernetes = {
      ...(i.on ? { ingress: { host: i.host.trim(), path: i.path.trim() || '/', ...(i.className.trim() ? { className: i.className.trim() } : {}) } } : {}),
      ...(hpa.on ? { hpa: { minReplicas: num(hpa.min) ?? NaN, maxReplicas: num(hpa.max) ?? NaN, cpuPercent: num(hpa.cpuPercent) } } : {}),
      ...(manifests ? { manifests } : {}),
      progressDeadlineSec: num(form.progressDeadlineSec),
    };
  }
  return out;
}

/** A problem zod cannot see (it needs two fields at once), or null. */
export function clusterProblem(form: ClusterForm, t: PickedTarget): string | null {
  if (t.kind === 'swarm' && !t.local && form.canary.on) {
    const r = num(form.replicas);
    if (r !== undefined && r < 2) return 'Canary: needs at least 2 replicas (one canary compared with the others)';
  }
  if (t.kind === 'kubernetes' && form.ingress.on && !form.ingress.host.trim()) return 'Ingress: give the host name it answers for';
  return null;
}

/** Field labels for zod issue paths (the wizard prefixes its messages with them). */
export const CLUSTER_FIELD_NAMES: Record<string, string> = {
  target: 'Target',
  replicas: 'Replicas',
  transport: 'Transport',
  intervalSec: 'Health check interval',
  timeoutSec: 'Health check timeout',
  retries: 'Health check retries',
  startPeriodSec: 'Health check start period',
  windowSec: 'Canary window',
  maxErrorRateDelta: 'Canary error-rate delta',
  maxLatencyRatio: 'Canary latency ratio',
  host: 'Ingress host',
  path: 'Ingress path',
  className: 'Ingress class',
  minReplicas: 'Autoscaler minimum',
  maxReplicas: 'Autoscaler maximum',
  hpa: 'Autoscaler',
  cpuPercent: 'Autoscaler CPU target',
  progressDeadlineSec: 'Progress deadline',
  manifests: 'Manifests',
};

function NumField({ label, value, onChange, min, max, step = 1, hint, testId, suffix }: { label: string; value: string; onChange: (v: string) => void; min?: number; max?: number; step?: number; hint?: string; testId: string; suffix?: string }) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>
        {label}
        {suffix ? <span className="muted small"> ({suffix})</span> : null}
      </label>
      <input id={id} className="input" type="number" min={min} max={max} step={step} inputMode={step < 1 ? 'decimal' : 'numeric'} value={value} onChange={(e) => onChange(e.target.value)} data-testid={testId} />
      {hint ? <span className="field-hint">{hint}</span> : null}
    </div>
  );
}

function TextField({ label, value, onChange, placeholder, testId }: { label: string; value: string; onChange: (v: string) => void; placeholder?: string; testId: string }) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input id={id} className="input mono" value={value} onChange={(e) => onChange(e.target.value)} placeholder={placeholder} autoComplete="off" data-testid={testId} />
    </div>
  );
}

/** A fieldset whose legend is an on/off checkbox: its hint always, its fields only while it is on. */
function ToggleGroup({ label, on, onToggle, testId, hint, fieldsTestId, children }: { label: string; on: boolean; onToggle: (on: boolean) => void; testId: string; hint: string; fieldsTestId: string; children: ReactNode }) {
  return (
    <fieldset className="field wizard-subgroup">
      <legend>
        <label className="wizard-toggle">
          <input type="checkbox" checked={on} onChange={(e) => onToggle(e.target.checked)} data-testid={testId} /> {label}
        </label>
      </legend>
      <p className="field-hint">{hint}</p>
      {on ? (
        <div className="form-grid wizard-grid-3" data-testid={fieldsTestId}>
          {children}
        </div>
      ) : null}
    </fieldset>
  );
}

const TRANSPORTS: readonly { id: Transport; label: string; text: string }[] = [
  { id: 'auto', label: 'Automatic', text: 'The target’s registry when it has one, else streamed to its engine.' },
  { id: 'registry', label: 'Registry', text: 'Pushed to the registry configured on the target; the cluster pulls it.' },
  { id: 'stream', label: 'Stream', text: 'Saved here and loaded into the remote engine (no registry needed); layers it already has are skipped.' },
];

/** Replicas, health check, canary / Ingress / HPA and transport for the picked target (nothing for the local engine). */
export function ClusterSettings({ form, onChange, target }: { form: ClusterForm; onChange: (f: ClusterForm) => void; target: PickedTarget }) {
  if (target.local) return null;
  const set = <K extends keyof ClusterForm>(k: K, v: ClusterForm[K]) => onChange({ ...form, [k]: v });
  const cluster = target.kind !== 'docker';
  const kube = target.kind === 'kubernetes';
  return (
    <div className="wizard-cluster" data-testid="cluster-settings" data-kind={target.kind}>
      {cluster ? (
        <>
          <div className="form-grid">
            <NumField
              label="Replicas"
              value={form.replicas}
              onChange={(v) => set('replicas', v)}
              min={1}
              max={100}
              hint={kube && form.hpa.on ? 'The starting count; the autoscaler moves it between its bounds.' : 'A new version replaces them one at a time (rolling update).'}
              testId="wizard-replicas"
            />
            {kube ? (
              <NumField
                label="Progress deadline"
                suffix="s"
                value={form.progressDeadlineSec}
                onChange={(v) => set('progressDeadlineSec', v)}
                min={10}
                max={3600}
                hint="Not ready by then: mldesk rolls back to the previous ReplicaSet."
                testId="wizard-progress-deadline"
              />
            ) : null}
          </div>
          <fieldset className="field wizard-subgroup">
            <legend>Health check</legend>
            <p className="field-hint">
              {kube ? 'The readiness probe on the runtime’s /v2/health/ready.' : 'The container HEALTHCHECK; a replica that fails it is replaced, an update that fails it rolls back.'}
            </p>
            <div className="form-grid wizard-grid-4">
              <NumField label="Interval" suffix="s" value={form.health.intervalSec} onChange={(v) => set('health', { ...form.health, intervalSec: v })} min={1} max={300} testId="wizard-health-interval" />
              <NumField label="Timeout" suffix="s" value={form.health.timeoutSec} onChange={(v) => set('health', { ...form.health, timeoutSec: v })} min={1} max={300} testId="wizard-health-timeout" />
              <NumField label="Retries" value={form.health.retries} onChange={(v) => set('health', { ...form.health, retries: v })} min={1} max={100} testId="wizard-health-retries" />
              <NumField label="Start period" suffix="s" value={form.health.startPeriodSec} onChange={(v) => set('health', { ...form.health, startPeriodSec: v })} min={0} max={3600} testId="wizard-health-start" />
            </div>
          </fieldset>
        </>
      ) : null}
      {target.kind === 'swarm' ? (
        <ToggleGroup
          label="Canary"
          on={form.canary.on}
          onToggle={(on) => set('canary', { ...form.canary, on })}
          testId="wizard-canary"
          hint="Update one replica first and hold it for a window, comparing its error rate and latency (the runtime’s /metrics) with the others; then continue, or roll back."
          fieldsTestId="canary-fields"
        >
          <NumField label="Window" suffix="s" value={form.canary.windowSec} onChange={(v) => set('canary', { ...form.canary, windowSec: v })} min={5} max={3600} testId="wizard-canary-window" />
          <NumField
            label="Max error-rate delta"
            suffix="points"
            value={form.canary.maxErrorRatePct}
            onChange={(v) => set('canary', { ...form.canary, maxErrorRatePct: v })}
            min={0}
            max={100}
            step={0.5}
            hint="Roll back when the canary’s error rate exceeds the others’ by more (5 = 5 %)."
            testId="wizard-canary-errors"
          />
          <NumField
            label="Max latency ratio"
            suffix="× p50"
            value={form.canary.maxLatencyRatio}
            onChange={(v) => set('canary', { ...form.canary, maxLatencyRatio: v })}
            min={1}
            max={100}
            step={0.1}
            hint="Roll back when its p50 latency is more than this multiple of the others’."
            testId="wizard-canary-latency"
          />
        </ToggleGroup>
      ) : null}
      {kube ? (
        <>
          <ToggleGroup
            label="Ingress"
            on={form.ingress.on}
            onToggle={(on) => set('ingress', { ...form.ingress, on })}
            testId="wizard-ingress"
            hint="Expose the Service through the cluster’s ingress controller under a host name."
            fieldsTestId="ingress-fields"
          >
            <TextField label="Host" value={form.ingress.host} onChange={(v) => set('ingress', { ...form.ingress, host: v })} placeholder="model.example.com" testId="wizard-ingress-host" />
            <TextField label="Path" value={form.ingress.path} onChange={(v) => set('ingress', { ...form.ingress, path: v })} placeholder="/" testId="wizard-ingress-path" />
            <TextField label="Ingress class" value={form.ingress.className} onChange={(v) => set('ingress', { ...form.ingress, className: v })} placeholder="the cluster default" testId="wizard-ingress-class" />
          </ToggleGroup>
          <ToggleGroup
            label="Autoscaling (HorizontalPodAutoscaler)"
            on={form.hpa.on}
            onToggle={(on) => set('hpa', { ...form.hpa, on })}
            testId="wizard-hpa"
            hint="Scale the replicas on CPU use. Needs the cluster’s metrics server; set a CPU limit above so the percentage has a base."
            fieldsTestId="hpa-fields"
          >
            <NumField label="Minimum" value={form.hpa.min} onChange={(v) => set('hpa', { ...form.hpa, min: v })} min={1} max={1000} testId="wizard-hpa-min" />
            <NumField label="Maximum" value={form.hpa.max} onChange={(v) => set('hpa', { ...form.hpa, max: v })} min={1} max={1000} testId="wizard-hpa-max" />
            <NumField label="CPU target" suffix="%" value={form.hpa.cpuPercent} onChange={(v) => set('hpa', { ...form.hpa, cpuPercent: v })} min={1} max={1000} testId="wizard-hpa-cpu" />
          </ToggleGroup>
        </>
      ) : null}
      <fieldset className="field wizard-subgroup">
        <legend>Image transport</legend>
        <div className="wizard-choices wizard-choices-row" role="radiogroup" aria-label="Image transport">
          {TRANSPORTS.map((tr) => {
            const disabled = kube && tr.id === 'stream';
            return (
              <label key={tr.id} className={`wizard-choice${form.transport === tr.id ? ' selected' : ''}${disabled ? ' disabled' : ''}`} data-testid={`transport-${tr.id}`}>
                <input type="radio" name="wizard-transport" checked={form.transport === tr.id} disabled={disabled} onChange={() => set('transport', tr.id)} />
                <span className="wizard-choice-main">
                  <strong>{tr.label}</strong>
                </span>
                <span className="small muted">{disabled ? 'A Kubernetes cluster pulls images from a registry: there is no engine to stream to.' : tr.text}</span>
              </label>
            );
          })}
        </div>
      </fieldset>
    </div>
  );
}
