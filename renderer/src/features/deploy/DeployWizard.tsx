import { useEffect, useId, useLayoutEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { contract, deploymentName, type DeployInput, type DeployPlan, type Deployment, type EngineStatus, type JobInfo, type ModelVersion, type RegisteredModel } from '../../../../shared/contract';
import { api } from '../../api/client';
import { buildHash, navigate } from '../../app/router';
import { asMldeskError } from '../../lib/errors';
import { CodeBlock, CopyButton } from '../../ui/CopyButton';
import { Dialog } from '../../ui/Dialog';
import { JobProgress } from '../../ui/JobProgress';
import { Spinner } from '../../ui/Spinner';
import { EngineProblem } from './bits';
import { ClusterRollout } from './ClusterRollout';
import { CLUSTER_FIELD_NAMES, ClusterSettings, clusterFields, clusterProblem, defaultClusterForm, type ClusterForm, type PickedTarget } from './ClusterSettings';
import { ManifestReview, parseManifests } from './ManifestReview';
import { KindBadge, TargetStep } from './TargetStep';
import { lastTargetFor, rememberTarget, useTargetList } from './targets';
import { prettyJson } from './format';
import { RolloutFailure } from './RolloutFailure';
import { withTimeout } from './store';
import { TryItPanel } from './TryItPanel';
import './deploy.css';

/** What opens the wizard already filled in: a version from the Models page, or a deployment to redeploy. */
export interface WizardPrefill {
  model?: string;
  version?: string;
  /** An existing deployment's name: the wizard redeploys it (the name is fixed). */
  name?: string;
  /** Where to deploy (a target's name); default: the model's last-used target, else the local engine. A redeploy stays on its target. */
  target?: string;
}

type StepId = 'version' | 'runtime' | 'target' | 'resources' | 'review' | 'deploy' | 'done';
const STEPS: readonly { id: StepId; label: string }[] = [
  { id: 'version', label: 'Model version' },
  { id: 'runtime', label: 'Runtime' },
  { id: 'target', label: 'Target' },
  { id: 'resources', label: 'Resources' },
  { id: 'review', label: 'Review' },
  { id: 'deploy', label: 'Deploy' },
  { id: 'done', label: 'Done' },
];
const EDIT_STEPS: readonly StepId[] = ['version', 'runtime', 'target', 'resources', 'review'];

type Err = { code?: string; message: string };
type OnnxCheck = { state: 'idle' | 'checking' } | { state: 'ok'; dockerfile: string; base: string } | { state: 'missing'; message: string } | { state: 'error'; error: Err };
interface EnvRow {
  id: number;
  key: string;
  value: string;
}

const err = (e: unknown): Err => {
  const m = asMldeskError(e);
  return { code: m.code, message: m.message };
};

function FieldError({ error }: { error: Err | null }) {
  if (!error) return null;
  return (
    <p className="field-error" role="alert" data-testid="wizard-error">
      {error.code ? <code className="error-code">{error.code}</code> : null}
      {error.code ? ' ' : null}
      {error.message}
    </p>
  );
}

/** The step-by-step deploy: version → runtime → target → resources → review → deploy (progress, readiness) → done (endpoint, Try it). */
export function DeployWizard({ prefill = {}, onClose, onDeployed }: { prefill?: WizardPrefill; onClose: () => void; onDeployed?: (name: string) => void }) {
  const redeployName = prefill.name;
  const [step, setStep] = useState<StepId>('version');
  const [models, setModels] = useState<RegisteredModel[] | Err | null>(null);
  const [model, setModel] = useState(prefill.model ?? '');
  const [versions, setVersions] = useState<ModelVersion[] | Err | null>(null);
  const [version, setVersion] = useState(prefill.version ?? '');
  const [name, setName] = useState(redeployName ?? '');
  const [runtime, setRuntime] = useState<'onnx' | 'dockerfile'>('onnx');
  const [context, setContext] = useState('');
  const [dockerfile, setDockerfile] = useState('Dockerfile');
  const [readinessPath, setReadinessPath] = useState('/ping');
  const [onnx, setOnnx] = useState<OnnxCheck>({ state: 'idle' });
  /** The runtime moved to Dockerfile because the version had no ONNX (not the user's choice). */
  const autoDockerfile = useRef(false);
  const [cpus, setCpus] = useState('');
  const [memoryMb, setMemoryMb] = useState('');
  const [port, setPort] = useState('');
  const [readyTimeout, setReadyTimeout] = useState('60');
  const [env, setEnv] = useState<EnvRow[]>([]);
  const envSeq = useRef(0);
  const [target, setTarget] = useState(() => prefill.target ?? (prefill.model ? lastTargetFor(prefill.model) : 'local'));
  const targetList = useTargetList();
  const [cluster, setCluster] = useState<ClusterForm>(defaultClusterForm);
  /** The user's edit of the Kubernetes manifests (null: the generated ones). */
  const [manifestsText, setManifestsText] = useState<string | null>(null);
  const manifestsParsed = useMemo(() => (manifestsText === null ? null : parseManifests(manifestsText)), [manifestsText]);
  const manifestsInvalid = manifestsParsed !== null && !manifestsParsed.ok;
  const [plan, setPlan] = useState<DeployPlan | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Err | null>(null);
  const [job, setJob] = useState<{ id: string; name: string } | null>(null);
  const [jobEnd, setJobEnd] = useState<JobInfo | null>(null);
  const [deployment, setDeployment] = useState<Deployment | Err | null>(null);
  const [engine, setEngine] = useState<EngineStatus | Err | null>(null);
  const [engineChecking, setEngineChecking] = useState(false);
  const stepRef = useRef<HTMLDivElement>(null);
  const ids = { model: useId(), name: useId(), context: useId(), dockerfile: useId(), ready: useId(), cpus: useId(), mem: useId(), port: useId(), timeout: useId() };

  const targetInfo = targetList.targets?.find((t) => t.name === target) ?? null;
  const picked: PickedTarget = targetInfo ? { name: targetInfo.name, kind: targetInfo.kind, local: targetInfo.builtin } : { name: target, kind: 'docker', local: target === 'local' };
  // A remembered target that was removed since: back to the local engine (a redeploy keeps its own, even if missing).
  useEffect(() => {
    const list = targetList.targets;
    if (list && !redeployName && !list.some((t) => t.name === target)) setTarget(list.find((t) => t.builtin)?.name ?? 'local');
  }, [targetList.targets, target, redeployName]);
  const pickTarget = (t: string) => {
    if (t !== target) setManifestsText(null); // edits were for the other target's manifests
    setTarget(t);
  };

  const checkEngine = () => {
    setEngineChecking(true);
    withTimeout(api.containers.engine({}), 15_000, 'The Docker engine check').then(
      (s) => {
        setEngine(s);
        setEngineChecking(false);
      },
      (e: unknown) => {
        setEngine(err(e));
        setEngineChecking(false);
      },
    );
  };
  useEffect(checkEngine, []);
  const engineDown = engine !== null && ('available' in engine ? !engine.available : true);

  useEffect(() => {
    let alive = true;
    api.models.list({}).then(
      (list) => {
        if (!alive) return;
        setModels(list);
        setModel((m) => m || (list[0]?.name ?? ''));
      },
      (e: unknown) => alive && setModels(err(e)),
    );
    return () => {
      alive = false;
    };
  }, []);

  useEffect(() => {
    if (!model) {
      setVersions(null);
      return;
    }
    let alive = true;
    setVersions(null);
    api.models.versions({ name: model }).then(
      (list) => {
        if (!alive) return;
        setVersions(list);
        // Keep the prefilled version; else the champion, else the newest.
        setVersion((v) => (list.some((x) => x.version === v) ? v : (list.find((x) => x.aliases.includes('champion')) ?? list[0])?.version ?? ''));
      },
      (e: unknown) => alive && setVersions(err(e)),
    );
    return () => {
      alive = false;
    };
  }, [model]);

  // Whether the built-in runtime can serve this version: the generated Dockerfile needs an .onnx file.
  useEffect(() => {
    if (!model || !version) {
      setOnnx({ state: 'idle' });
      return;
    }
    let alive = true;
    setOnnx({ state: 'checking' });
    api.containers.dockerfile({ model, version }).then(
      (d) => {
        if (!alive) return;
        setOnnx({ state: 'ok', dockerfile: d.dockerfile, base: d.base });
        // Back to the built-in runtime if only the previous version's missing ONNX had moved us off it.
        if (autoDockerfile.current) setRuntime('onnx');
        autoDockerfile.current = false;
      },
      (e: unknown) => {
        if (!alive) return;
        const x = err(e);
        if (x.code === 'FAILED_PRECONDITION') {
          setOnnx({ state: 'missing', message: x.message });
          setRuntime((r) => {
            if (r === 'onnx') autoDockerfile.current = true;
            return 'dockerfile';
          });
        } else setOnnx({ state: 'error', error: x });
      },
    );
    return () => {
      alive = false;
    };
  }, [model, version]);

  // Each step starts with its first field (or its heading) focused, so Enter / Tab work at once.
  useLayoutEffect(() => {
    const root = stepRef.current;
    if (!root) return;
    const target =
      root.querySelector<HTMLElement>('[data-autofocus]:not([disabled])') ??
      root.querySelector<HTMLElement>('input:not([disabled]):not([readonly]), select:not([disabled]), textarea:not([disabled])') ??
      root.querySelector<HTMLElement>('h3');
    target?.focus();
  }, [step]);

  /** `generated`: leave out the user's edited manifests (the engine's own). */
  const buildInput = ({ generated = false }: { generated?: boolean } = {}): DeployInput => {
    const runtimeChoice: DeployInput['runtime'] =
      runtime === 'onnx' ? { kind: 'onnx' } : { kind: 'dockerfile', context: context.trim(), dockerfile: dockerfile.trim() || 'Dockerfile', readinessPath: readinessPath.trim() || '/ping' };
    const n = (s: string) => (s.trim() === '' ? undefined : Number(s));
    return {
      ...(name.trim() ? { name: name.trim() } : {}),
      model,
      version,
      runtime: runtimeChoice,
      ...(n(port) !== undefined ? { port: n(port) } : {}),
      ...(n(cpus) !== undefined ? { cpus: n(cpus) } : {}),
      ...(n(memoryMb) !== undefined ? { memoryMb: n(memoryMb) } : {}),
      env: Object.fromEntries(env.filter((r) => r.key.trim()).map((r) => [r.key.trim(), r.value])),
      readyTimeoutSec: n(readyTimeout) ?? 60,
      ...clusterFields(cluster, picked, !generated && picked.kind === 'kubernetes' && manifestsParsed?.ok ? manifestsParsed.manifests : undefined),
    };
  };

  const FIELD_NAMES: Record<string, string> = {
    name: 'Deployment name',
    port: 'Port',
    cpus: 'CPUs',
    memoryMb: 'Memory',
    readyTimeoutSec: 'Ready timeout',
    env: 'Environment',
    context: 'Build context',
    dockerfile: 'Dockerfile',
    readinessPath: 'Readiness path',
    ...CLUSTER_FIELD_NAMES,
  };
  const validate = (): Err | null => {
    const keys = env.map((r) => r.key.trim()).filter(Boolean);
    const dup = keys.find((k, i) => keys.indexOf(k) !== i);
    if (dup) return { message: `Environment: ${dup} is set twice` };
    const cross = clusterProblem(cluster, picked);
    if (cross) return { message: cross };
    const check = contract.deploy.plan.input.safeParse(buildInput());
    if (check.success) return null;
    const issue = check.error.issues[0];
    const field = issue?.path.map(String).reverse().find((p) => FIELD_NAMES[p]) ?? '';
    return { message: `${FIELD_NAMES[field] ? `${FIELD_NAMES[field]}: ` : ''}${issue?.message ?? 'Invalid input'}` };
  };

  const stepValid = (s: StepId): Err | null => {
    if (s === 'version') {
      if (!model) return { message: 'Pick a model' };
      if (!version) return { message: 'Pick a version' };
      const check = name.trim() ? deploymentName.safeParse(name.trim()) : null;
      if (check && !check.success) return { message: `Deployment name: ${check.error.issues[0]?.message ?? 'invalid'}` };
      return null;
    }
    if (s === 'runtime') {
      if (runtime === 'onnx' && onnx.state === 'missing') return { message: 'This version has no ONNX model: choose the custom Dockerfile runtime' };
      if (runtime === 'dockerfile' && !context.trim()) return { message: 'Give the build context folder of your Dockerfile' };
      if (runtime === 'dockerfile' && !/^\//.test(readinessPath.trim() || '/ping')) return { message: 'Readiness path: must start with /' };
      return null;
    }
    if (s === 'target') {
      if (targetList.targets === null && !targetList.error) return { message: 'The targets are still loading' };
      return null;
    }
    if (s === 'resources') return validate();
    return null;
  };

  const loadPlan = async (input: DeployInput = buildInput()): Promise<boolean> => {
    setBusy(true);
    setError(null);
    setPlan(null);
    try {
      setPlan(await api.deploy.plan(input));
      return true;
    } catch (e) {
      setError(err(e));
      return false;
    } finally {
      setBusy(false);
    }
  };

  const deploy = async () => {
    setBusy(true);
    setError(null);
    try {
      const started = await api.deploy.apply(buildInput());
      rememberTarget(model, target);
      setJob({ id: started.jobId, name: started.name });
      setJobEnd(null);
      setDeployment(null);
      setStep('deploy');
    } catch (e) {
      setError(err(e));
    } finally {
      setBusy(false);
    }
  };

  // A cluster rollout: the deployment (tasks, replicas) appears while the job runs; until then, look for it.
  const clusterJob = step === 'deploy' && job && !jobEnd && picked.kind !== 'docker' ? job.name : null;
  const haveDeployment = !!deployment && 'status' in deployment;
  useEffect(() => {
    if (!clusterJob || haveDeployment) return;
    let alive = true;
    const look = () =>
      api.deploy.get({ name: clusterJob }).then(
        (d) => alive && setDeployment(d),
        () => undefined, // not created yet (image still building or on its way)
      );
    void look();
    const t = setInterval(() => void look(), 2000);
    return () => {
      alive = false;
      clearInterval(t);
    };
  }, [clusterJob, haveDeployment]);

  const onJobEnd = (info: JobInfo) => {
    setJobEnd(info);
    const depName = job?.name ?? plan?.name;
    if (!depName) return;
    api.deploy.get({ name: depName }).then(
      (d) => setDeployment(d),
      (e: unknown) => setDeployment(err(e)),
    );
    if (info.state === 'done') {
      onDeployed?.(depName);
      setStep('done');
    }
  };

  const goTo = (s: StepId) => {
    setError(null);
    if (s === 'review') {
      setStep('review');
      void loadPlan();
      return;
    }
    setStep(s);
  };

  const next = () => {
    if (busy) return;
    const i = EDIT_STEPS.indexOf(step);
    if (i < 0) return;
    if (step === 'review') {
      if (plan && !engineDown && !manifestsInvalid) void deploy();
      return;
    }
    const problem = stepValid(step);
    if (problem) {
      setError(problem);
      return;
    }
    goTo(EDIT_STEPS[i + 1]!);
  };
  const back = () => {
    const i = EDIT_STEPS.indexOf(step);
    if (step === 'deploy') goTo('review');
    else if (i > 0) goTo(EDIT_STEPS[i - 1]!);
  };

  const currentIndex = STEPS.findIndex((s) => s.id === step);
  const depName = job?.name ?? plan?.name ?? name;
  const depUrl = deployment && 'url' in deployment ? deployment.url : plan?.url;

  let body: ReactNode;
  if (step === 'version') {
    body = (
      <>
        <div className="field">
          <label htmlFor={ids.model}>Model</label>
          {models === null ? (
            <p className="muted small">
              <Spinner /> Loading models…
            </p>
          ) : 'message' in models ? (
            <FieldError error={models} />
          ) : models.length === 0 ? (
            <p className="muted">No registered models yet: register one from a run’s Artifacts tab first.</p>
          ) : (
            <select id={ids.model} className="input" value={model} onChange={(e) => setModel(e.target.value)} data-testid="wizard-model" data-autofocus={!model || undefined}>
              {model ? null : <option value="">Pick a model…</option>}
              {models.some((m) => m.name === model) || !model ? null : <option value={model}>{model}</option>}
              {models.map((m) => (
                <option key={m.name} value={m.name}>
                  {m.name}
                  {m.aliases.length ? `  (${m.aliases.map((a) => `@${a.alias}→v${a.version}`).join(', ')})` : ''}
                </option>
              ))}
            </select>
          )}
        </div>
        {model ? (
          <fieldset className="field wizard-versions">
            <legend>Version</legend>
            {versions === null ? (
              <p className="muted small">
                <Spinner /> Loading versions…
              </p>
            ) : 'message' in versions ? (
              <FieldError error={versions} />
            ) : versions.length === 0 ? (
              <p className="muted">This model has no versions.</p>
            ) : (
              <div className="wizard-version-list" role="radiogroup" aria-label="Version">
                {versions.map((v) => (
                  <label key={v.version} className={`wizard-choice${v.version === version ? ' selected' : ''}`} data-testid="wizard-version" data-version={v.version}>
                    <input type="radio" name="wizard-version" value={v.version} checked={v.version === version} onChange={() => setVersion(v.version)} data-autofocus={(model && v.version === version) || undefined} />
                    <span className="wizard-choice-main">
                      <strong>v{v.version}</strong>
                      {v.aliases.map((a) => (
                        <span key={a} className="badge model-alias">
                          @{a}
                        </span>
                      ))}
                      {v.current_stage !== 'None' ? <span className="badge badge-neutral">{v.current_stage}</span> : null}
                    </span>
                    <span className="muted small">
                      run {v.run_id?.slice(0, 8) ?? '—'} · {new Date(v.creation_timestamp).toLocaleString()}
                    </span>
                  </label>
                ))}
              </div>
            )}
          </fieldset>
        ) : null}
        <div className="field">
          <label htmlFor={ids.name}>Deployment name</label>
          <input
            id={ids.name}
            className="input mono"
            value={name}
            onChange={(e) => setName(e.target.value)}
            placeholder="default: derived from the model name"
            readOnly={!!redeployName}
            autoComplete="off"
            maxLength={63}
            data-testid="wizard-name"
          />
          <span className="field-hint">
            {redeployName
              ? 'Redeploying: the new version starts beside the running one and takes over its port once ready.'
              : 'Lower-case letters, digits and dashes. An existing name is redeployed without downtime.'}
          </span>
        </div>
      </>
    );
  } else if (step === 'runtime') {
    const onnxMissing = onnx.state === 'missing';
    body = (
      <>
        <div className="wizard-choices" role="radiogroup" aria-label="Runtime">
          <label className={`wizard-choice${runtime === 'onnx' ? ' selected' : ''}${onnxMissing ? ' disabled' : ''}`} data-testid="runtime-onnx">
            <input type="radio" name="wizard-runtime" checked={runtime === 'onnx'} disabled={onnxMissing} onChange={() => setRuntime('onnx')} aria-describedby={`${ids.model}-onnx`} />
            <span className="wizard-choice-main">
              <strong>Built-in ONNX runtime</strong>
            </span>
            <span id={`${ids.model}-onnx`} className="small muted">
              mldesk builds a small image around the version’s <code>.onnx</code> file: Open Inference Protocol v2, <code>/invocations</code>, <code>/metrics</code>.
            </span>
            {onnx.state === 'checking' ? (
              <span className="small muted">
                <Spinner /> Checking the version’s artifacts…
              </span>
            ) : onnxMissing ? (
              <span className="callout small" data-testid="onnx-missing">
                Not available for {model} v{version}: {onnx.message}. The built-in runtime needs an ONNX model (an <code>.onnx</code> file in the registered folder); use your own Dockerfile
                below, or export the model to ONNX and register it again.
              </span>
            ) : onnx.state === 'error' ? (
              <span className="small text-danger">
                Could not check the version’s artifacts: {onnx.error.code} {onnx.error.message}
              </span>
            ) : null}
          </label>
          <label className={`wizard-choice${runtime === 'dockerfile' ? ' selected' : ''}`} data-testid="runtime-dockerfile">
            <input
              type="radio"
              name="wizard-runtime"
              checked={runtime === 'dockerfile'}
              onChange={() => {
                autoDockerfile.current = false;
                setRuntime('dockerfile');
              }}
            />
            <span className="wizard-choice-main">
              <strong>Custom Dockerfile</strong>
            </span>
            <span className="small muted">Your own image for models without ONNX: mldesk builds your Dockerfile from your build context and runs it like any other deployment.</span>
          </label>
        </div>
        {runtime === 'dockerfile' ? (
          <div className="wizard-dockerfile" data-testid="dockerfile-fields">
            <p className="small">
              Paths are on the machine running the mldesk engine. Your server must listen on the port given in <code>$PORT</code> and answer <code>GET</code> on the readiness path with 200
              once the model is loaded.
            </p>
            <div className="field">
              <label htmlFor={ids.context}>Build context folder</label>
              <input id={ids.context} className="input mono" value={context} onChange={(e) => setContext(e.target.value)} placeholder="/path/to/serving-project" data-testid="dockerfile-context" data-autofocus />
            </div>
            <div className="form-grid">
              <div className="field">
                <label htmlFor={ids.dockerfile}>Dockerfile (relative to the context)</label>
                <input id={ids.dockerfile} className="input mono" value={dockerfile} onChange={(e) => setDockerfile(e.target.value)} placeholder="Dockerfile" data-testid="dockerfile-path" />
              </div>
              <div className="field">
                <label htmlFor={ids.ready}>Readiness path</label>
                <input id={ids.ready} className="input mono" value={readinessPath} onChange={(e) => setReadinessPath(e.target.value)} placeholder="/ping" data-testid="dockerfile-readiness" />
              </div>
            </div>
          </div>
        ) : onnx.state === 'ok' ? (
          <details className="wizard-preview">
            <summary className="small">Preview the generated Dockerfile (base {onnx.base})</summary>
            <CodeBlock code={onnx.dockerfile} label="Dockerfile" />
          </details>
        ) : null}
      </>
    );
  } else if (step === 'target') {
    body = (
      <TargetStep
        targets={targetList.targets}
        error={targetList.error}
        value={target}
        onChange={pickTarget}
        fixed={!!redeployName}
        onReload={targetList.reload}
        onNavigateAway={onClose}
      />
    );
  } else if (step === 'resources') {
    const remote = !picked.local;
    body = (
      <>
        <p className="small muted wizard-target-line" data-testid="wizard-resources-target">
          On <strong className="mono">{picked.name}</strong> <KindBadge kind={picked.kind} />
          {picked.kind === 'docker' ? (remote ? ' — one container behind a proxy on the remote engine.' : ' — one container behind a proxy on this machine.') : null}
          {picked.kind === 'swarm' ? ' — a service with replicas, rolling updates and automatic rollback.' : null}
          {picked.kind === 'kubernetes' ? ' — a Deployment and a Service, applied with server-side apply and watched until ready.' : null}
        </p>
        <div className="form-grid">
          <div className="field">
            <label htmlFor={ids.cpus}>CPU limit (cores)</label>
            <input id={ids.cpus} className="input" type="number" min={0.05} step={0.05} inputMode="decimal" value={cpus} onChange={(e) => setCpus(e.target.value)} placeholder="no limit" data-testid="wizard-cpus" />
          </div>
          <div className="field">
            <label htmlFor={ids.mem}>Memory limit (MiB)</label>
            <input id={ids.mem} className="input" type="number" min={32} step={32} inputMode="numeric" value={memoryMb} onChange={(e) => setMemoryMb(e.target.value)} placeholder="no limit" data-testid="wizard-memory" />
          </div>
          <div className="field">
            <label htmlFor={ids.port}>{remote ? `Port on ${targetInfo?.endpointHost ?? 'the target'}` : 'Port on 127.0.0.1'}</label>
            <input
              id={ids.port}
              className="input"
              type="number"
              min={1024}
              max={65535}
              inputMode="numeric"
              value={port}
              onChange={(e) => setPort(e.target.value)}
              placeholder="auto (a free port)"
              data-testid="wizard-port"
            />
            <span className="field-hint">Kept across redeploys. Blank picks a free one.</span>
          </div>
          <div className="field">
            <label htmlFor={ids.timeout}>Ready timeout (s)</label>
            <input id={ids.timeout} className="input" type="number" min={1} max={3600} inputMode="numeric" value={readyTimeout} onChange={(e) => setReadyTimeout(e.target.value)} data-testid="wizard-timeout" />
            <span className="field-hint">If not ready by then, the rollout stops and any old version keeps serving.</span>
          </div>
        </div>
        <ClusterSettings form={cluster} onChange={setCluster} target={picked} />
        <fieldset className="field wizard-env">
          <legend>Environment variables</legend>
          {env.length === 0 ? <p className="muted small">None.</p> : null}
          {env.map((r, i) => (
            <div key={r.id} className="wizard-env-row" data-testid="env-row">
              <input
                className="input input-sm mono"
                value={r.key}
                onChange={(e) => setEnv((rows) => rows.map((x) => (x.id === r.id ? { ...x, key: e.target.value } : x)))}
                placeholder="KEY"
                aria-label={`Variable ${i + 1} name`}
                autoComplete="off"
                data-testid="env-key"
              />
              <span aria-hidden="true">=</span>
              <input
                className="input input-sm mono"
                value={r.value}
                onChange={(e) => setEnv((rows) => rows.map((x) => (x.id === r.id ? { ...x, value: e.target.value } : x)))}
                placeholder="value"
                aria-label={`Variable ${i + 1} value`}
                autoComplete="off"
                data-testid="env-value"
              />
              <button type="button" className="icon-button" aria-label={`Remove variable ${r.key || i + 1}`} onClick={() => setEnv((rows) => rows.filter((x) => x.id !== r.id))}>
                ×
              </button>
            </div>
          ))}
          <div>
            <button type="button" className="button button-xs" onClick={() => setEnv((rows) => [...rows, { id: ++envSeq.current, key: '', value: '' }])} data-testid="env-add">
              Add variable
            </button>
          </div>
        </fieldset>
      </>
    );
  } else if (step === 'review') {
    body =
      busy && !plan ? (
        <p className="muted" data-testid="plan-loading">
          <Spinner /> Planning the deployment…
        </p>
      ) : plan ? (
        <div className="wizard-review" data-testid="deploy-plan">
          <dl className="kv">
            <dt>Deployment</dt>
            <dd className="mono" data-testid="plan-name">
              {plan.name} {plan.redeploy ? <span className="badge badge-warn">redeploy, zero downtime</span> : <span className="badge badge-neutral">new</span>}
            </dd>
            <dt>Model</dt>
            <dd>
              {plan.model} v{plan.version} · {plan.runtime === 'onnx' ? 'built-in ONNX runtime' : 'custom Dockerfile'}
            </dd>
            <dt>Image</dt>
            <dd className="mono small">{plan.image}</dd>
            <dt>Target</dt>
            <dd data-testid="plan-target" data-kind={plan.targetKind}>
              <span className="mono">{plan.target}</span> <KindBadge kind={plan.targetKind} />
            </dd>
            <dt>Endpoint</dt>
            <dd className="mono" data-testid="plan-url">
              {plan.url}
            </dd>
          </dl>
          {plan.warnings.length ? (
            <ul className="callout plain-list small" data-testid="plan-warnings">
              {plan.warnings.map((w, i) => (
                <li key={i}>{w}</li>
              ))}
            </ul>
          ) : null}
          <h3 className="section-title" tabIndex={-1}>
            Dockerfile
          </h3>
          <CodeBlock code={plan.dockerfile} label="Dockerfile" testId="plan-dockerfile" />
          {plan.targetKind === 'docker' ? (
            <>
              <h3 className="section-title">Container config</h3>
              <CodeBlock code={prettyJson(plan.container)} label="Container config" testId="plan-container" />
            </>
          ) : (
            <ManifestReview
              plan={plan}
              text={manifestsText}
              parsed={manifestsParsed}
              onText={(t) => {
                setManifestsText(t);
                // Back to the generated manifests: plan again, the shown ones may have been the edit.
                if (t === null) void loadPlan(buildInput({ generated: true }));
              }}
              input={() => buildInput()}
              onReplan={() => void loadPlan()}
              replanning={busy}
            />
          )}
        </div>
      ) : null;
  } else if (step === 'deploy') {
    const failed = jobEnd?.state === 'failed';
    body = job ? (
      <div className="wizard-deploying">
        <JobProgress jobId={job.id} title={`Deploying ${job.name}`} onEnd={onJobEnd} logOpen testId="deploy-job" />
        {picked.kind !== 'docker' && deployment && 'status' in deployment ? <ClusterRollout d={deployment} showJob={false} poll={!jobEnd} /> : null}
        {failed ? (
          <div className="wizard-failed" data-testid="deploy-failed">
            {deployment && 'status' in deployment && deployment.lastRollout && !deployment.lastRollout.ok ? (
              <RolloutFailure report={deployment.lastRollout} stillServing={deployment.status === 'running' ? deployment.version : null} />
            ) : (
              <p className="small">The deployment did not become ready. Go back to change the settings and try again.</p>
            )}
          </div>
        ) : (
          <p className="muted small">It keeps going if you close this dialog; the Deployments page shows how it ends.</p>
        )}
      </div>
    ) : null;
  } else {
    body = (
      <div className="wizard-done" data-testid="deploy-done">
        <p className="wizard-done-title">
          <span className="badge badge-ok">ready</span> <strong>{depName}</strong> serves {model} v{version}
        </p>
        {depUrl ? (
          <div className="wizard-endpoint">
            <span className="muted small">Endpoint</span>
            <a href={depUrl} target="_blank" rel="noreferrer" className="mono" data-testid="endpoint-url">
              {depUrl}
            </a>
            <CopyButton text={depUrl} label="Endpoint URL" size="xs" testId="copy-endpoint" />
          </div>
        ) : null}
        <TryItPanel name={depName} model={model} version={version} />
      </div>
    );
  }

  const footer = (
    <>
      {step === 'done' ? (
        <>
          <button
            type="button"
            className="button"
            onClick={() => {
              onClose();
              navigate('/deployments', { name: depName });
            }}
            data-testid="wizard-open-deployments"
          >
            Open in Deployments
          </button>
          <button type="button" className="button button-primary" onClick={onClose} data-testid="wizard-close">
            Close
          </button>
        </>
      ) : step === 'deploy' ? (
        <>
          {jobEnd?.state === 'failed' ? (
            <button type="button" className="button" onClick={back} data-testid="wizard-back">
              Back to review
            </button>
          ) : null}
          <button type="button" className="button" onClick={onClose} data-testid="wizard-close">
            Close
          </button>
        </>
      ) : (
        <>
          <button type="button" className="button" onClick={onClose} disabled={busy}>
            Cancel
          </button>
          {step !== 'version' ? (
            <button type="button" className="button" onClick={back} disabled={busy} data-testid="wizard-back">
              Back
            </button>
          ) : null}
          {step === 'review' ? (
            <button
              type="submit"
              className="button button-primary"
              disabled={busy || !plan || engineDown || manifestsInvalid}
              aria-busy={busy || undefined}
              data-testid="wizard-deploy"
              title={engineDown ? 'Docker is not available' : manifestsInvalid ? 'Fix the manifests first' : undefined}
            >
              {busy && plan ? <Spinner /> : null}
              {plan?.redeploy ? 'Redeploy' : 'Deploy'}
            </button>
          ) : (
            <button type="submit" className="button button-primary" disabled={busy} data-testid="wizard-next">
              Next
            </button>
          )}
        </>
      )}
    </>
  );

  return (
    <Dialog
      title={redeployName ? `Redeploy ${redeployName}` : 'Deploy a model version'}
      onClose={onClose}
      busy={busy}
      size="lg"
      onSubmit={next}
      testId="dialog-deploy"
      footer={footer}
    >
      <ol className="wizard-steps" aria-label="Steps">
        {STEPS.map((s, i) => {
          const reachable = i < currentIndex && EDIT_STEPS.includes(s.id) && EDIT_STEPS.includes(step);
          return (
            <li key={s.id} className={`wizard-step-pill${i === currentIndex ? ' current' : i < currentIndex ? ' done' : ''}`} aria-current={i === currentIndex ? 'step' : undefined}>
              {reachable ? (
                <button type="button" className="link-button" onClick={() => goTo(s.id)} disabled={busy}>
                  <span className="wizard-step-no">{i + 1}</span> {s.label}
                </button>
              ) : (
                <span>
                  <span className="wizard-step-no">{i + 1}</span> {s.label}
                </span>
              )}
            </li>
          );
        })}
      </ol>
      {engineDown ? (
        <EngineProblem engine={engine && 'available' in engine ? engine : null} error={engine && !('available' in engine) ? { code: engine.code ?? 'UNAVAILABLE', message: engine.message } : null} onRetry={checkEngine} retrying={engineChecking} compact />
      ) : null}
      <div
        ref={stepRef}
        className="wizard-step"
        data-testid="wizard-step"
        data-step={step}
        onKeyDown={(e) => {
          // Enter on a choice (radio) advances too, like Enter in a text field.
          if (e.key === 'Enter' && e.target instanceof HTMLInputElement && e.target.type === 'radio') {
            e.preventDefault();
            next();
          }
        }}
      >
        <h3 className="visually-hidden" tabIndex={-1}>
          {STEPS[currentIndex]?.label}
        </h3>
        {body}
      </div>
      <FieldError error={error} />
      {step === 'review' && error ? (
        <p className="small muted">
          {error.code === 'FAILED_PRECONDITION' ? 'Go back to Runtime to pick the custom Dockerfile, or ' : ''}
          <button type="button" className="link-button" onClick={() => void loadPlan()}>
            try again
          </button>
          .
        </p>
      ) : null}
      {step === 'done' ? (
        <p className="small muted">
          <a href={buildHash('/models', { model, version })} onClick={onClose}>
            {model} v{version}
          </a>{' '}
          now lists this deployment in its lineage.
        </p>
      ) : null}
    </Dialog>
  );
}
