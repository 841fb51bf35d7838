import { useEffect, useId, useMemo, useState } from 'react';
import { contract, type LaunchedRun } from '../../../../shared/contract';
import { api } from '../../api/client';
import { useDialogAction } from '../../ui/useDialogAction';
import { Dialog } from '../../ui/Dialog';
import { useProjects } from '../projects';
import { parseParamLines, shellSplit, ShellSplitError } from './shellSplit';
import { DialogFooter } from '../../ui/DialogFooter';
import { InlineError } from '../../ui/InlineError';
import { LOCAL_TARGET } from '../../../../shared/contract/targets';
import { KIND_LABEL, useTargetList } from '../deploy/targets';
import { useTrackingUri } from './appInfo';

export interface NewRunDefaults {
  experimentName?: string;
  projectId?: string;
  command?: string;
}

/** Loopback tracking URIs only reach mldesk from this machine. */
function isLoopbackUri(uri: string): boolean {
  try {
    const h = new URL(uri).hostname.replace(/^\[|\]$/g, '');
    return h === 'localhost' || h === '::1' || /^127\./.test(h);
  } catch {
    return false;
  }
}

/** "key=v1,v2" lines → a sweep grid (a key with one value is a plain param). */
function gridOf(params: Record<string, string>): { params: Record<string, string>; grid: Record<string, string[]> } {
  const plain: Record<string, string> = {};
  const grid: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(params)) {
    const values = v.split(',').map((x) => x.trim()).filter(Boolean);
    if (values.length > 1) grid[k] = values;
    else plain[k] = v;
  }
  return { params: plain, grid };
}

/**
 * "New run": starts a command through the launcher, tracked as a run (MLFLOW_* env set for it) — on this machine,
 * or ("Run on…") as a one-shot job on a Swarm or Kubernetes target from the project's image, where params with
 * several values (lr=0.1,0.01) make a sweep.
 */
export function NewRunDialog({ defaults, onClose, onDone }: { defaults: NewRunDefaults; onClose: () => void; onDone: (run: LaunchedRun) => void }) {
  const projects = useProjects((s) => s.projects);
  const projectsLoaded = useProjects((s) => s.loaded);
  const [projectId, setProjectId] = useState(defaults.projectId ?? '');
  const [experimentName, setExperimentName] = useState(defaults.experimentName ?? '');
  const [name, setName] = useState('');
  const [command, setCommand] = useState(defaults.command ?? '');
  const [paramsText, setParamsText] = useState('');
  const [target, setTarget] = useState('');
  const [cpus, setCpus] = useState('');
  const [memoryMb, setMemoryMb] = useState('');
  const [gpus, setGpus] = useState('');
  const [parallel, setParallel] = useState('1');
  const { targets } = useTargetList();
  const trackingUri = useTrackingUri();
  const clusterTargets = (targets ?? []).filter((t) => t.kind === 'swarm' || t.kind === 'kubernetes');
  const chosen = clusterTargets.find((t) => t.name === target) ?? null;
  const { busy, error, setError, run } = useDialogAction();
  const ids = {
    project: useId(),
    exp: useId(),
    name: useId(),
    cmd: useId(),
    params: useId(),
    cmdHint: useId(),
    paramsHint: useId(),
    target: useId(),
    targetHint: useId(),
    cpus: useId(),
    mem: useId(),
    gpus: useId(),
    parallel: useId(),
  };

  useEffect(() => {
    if (!useProjects.getState().loaded) void useProjects.getState().load();
  }, []);

  const argv = useMemo((): { argv: string[]; error?: string } => {
    try {
      return { argv: shellSplit(command) };
    } catch (e) {
      if (e instanceof ShellSplitError) return { argv: [], error: `${e.message} (column ${e.position + 1})` };
      throw e;
    }
  }, [command]);
  const params = useMemo(() => parseParamLines(paramsText), [paramsText]);

  const submit = async () => {
    if (argv.error) return setError({ message: `Command: ${argv.error}` });
    if (argv.argv.length === 0) return setError({ message: 'Command: give the program to run, e.g. node train.mjs --lr 0.05' });
    if (params.errors.length > 0) return setError({ message: `Params: ${params.errors.map((e) => e.message).join('; ')}` });
    if (target) return submitRemote();
    const input = {
      command: argv.argv,
      params: params.params,
      ...(experimentName.trim() ? { experimentName: experimentName.trim() } : {}),
      ...(name.trim() ? { name: name.trim() } : {}),
      ...(projectId ? { projectId } : {}),
    };
    const check = contract.launcher.start.input.safeParse(input);
    if (!check.success) {
      const issue = check.error.issues[0];
      return setError({ message: issue ? `${issue.path.map(String).join('.') || 'input'}: ${issue.message}` : 'Invalid input' });
    }
    await run(async () => onDone(await api.launcher.start(input)));
  };

  const submitRemote = async () => {
    const num = (label: string, s: string, int: boolean): number | undefined | Error => {
      if (!s.trim()) return undefined;
      const n = Number(s);
      return Number.isFinite(n) && n > 0 && (!int || Number.isInteger(n)) ? n : new Error(`${label}: a positive ${int ? 'whole ' : ''}number`);
    };
    const res = { cpus: num('CPUs', cpus, false), memoryMb: num('Memory (MiB)', memoryMb, true), gpus: num('GPUs', gpus, true), parallel: num('At once', parallel, true) };
    const bad = Object.values(res).find((x) => x instanceof Error);
    if (bad instanceof Error) return setError({ message: bad.message });
    const split = gridOf(params.params);
    const input = {
      command: argv.argv,
      params: split.params,
      target,
      ...(Object.keys(split.grid).length ? { grid: split.grid, parallel: res.parallel as number | undefined } : {}),
      ...(res.cpus !== undefined ? { cpus: res.cpus as number } : {}),
      ...(res.memoryMb !== undefined ? { memoryMb: res.memoryMb as number } : {}),
      ...(res.gpus !== undefined ? { gpus: res.gpus as number } : {}),
      ...(experimentName.trim() ? { experimentName: experimentName.trim() } : {}),
      ...(name.trim() ? { name: name.trim() } : {}),
      ...(projectId ? { projectId } : {}),
    };
    const check = contract.launcher.startOn.input.safeParse(input);
    if (!check.success) {
      const issue = check.error.issues[0];
      return setError({ message: issue ? `${issue.path.map(String).join('.') || 'input'}: ${issue.message}` : 'Invalid input' });
    }
    await run(async () => {
      const r = await api.launcher.startOn(input);
      // The sweep's parent (or the one run) opens; its runs are its children in the table.
      onDone({ runId: r.sweepId ?? r.runs[0]!.runId, experimentId: r.experimentId, pid: -1, command: argv.argv, cwd: '', startedAt: Date.now() });
    });
  };

  const paramCount = Object.keys(params.params).length;
  const sweepSize = target ? Object.values(gridOf(params.params).grid).reduce((n, v) => n * v.length, 1) : 1;
  const loopback = trackingUri ? isLoopbackUri(trackingUri) : false;
  return (
    <Dialog
      title="New run"
      description="Runs a command as a tracked run: mldesk sets MLFLOW_TRACKING_URI and MLFLOW_RUN_ID for it and captures its output."
      onClose={onClose}
      busy={busy}
      size="lg"
      onSubmit={() => void submit()}
      testId="dialog-new-run"
      footer={
<DialogFooter busy={busy} onCancel={onClose} label="Start run" busyLabel="Starting…" testId="new-run-submit" />
      }
    >
      <div className="form-grid">
        <div className="field">
          <label htmlFor={ids.project}>
            Project <span className="muted">(optional, runs in its folder)</span>
          </label>
          <select id={ids.project} className="input" value={projectId} onChange={(e) => setProjectId(e.target.value)} disabled={busy} data-testid="new-run-project">
            <option value="">{projectsLoaded ? '— None —' : 'Loading…'}</option>
            {projects
              .filter((p) => !p.missing)
              .map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name}
                </option>
              ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={ids.exp}>Experiment</label>
          <input
            id={ids.exp}
            className="input"
            type="text"
            value={experimentName}
            onChange={(e) => setExperimentName(e.target.value)}
            placeholder="Default"
            autoComplete="off"
            maxLength={500}
            disabled={busy}
            data-testid="new-run-experiment"
          />
        </div>
      </div>
      <div className="field">
        <label htmlFor={ids.name}>
          Run name <span className="muted">(optional)</span>
        </label>
        <input id={ids.name} className="input" type="text" value={name} onChange={(e) => setName(e.target.value)} placeholder="A generated name" autoComplete="off" maxLength={250} disabled={busy} data-testid="new-run-name" />
      </div>
      <div className="field">
        <label htmlFor={ids.cmd}>Command</label>
        <input
          id={ids.cmd}
          className="input mono"
          type="text"
          value={command}
          onChange={(e) => {
            setCommand(e.target.value);
            if (error) setError(null);
          }}
          placeholder="node train.mjs --lr 0.05"
          autoComplete="off"
          autoCapitalize="off"
          spellCheck={false}
          disabled={busy}
          aria-invalid={argv.error ? true : undefined}
          aria-describedby={ids.cmdHint}
          data-testid="new-run-command"
          data-autofocus
        />
        <div id={ids.cmdHint} className="field-hint argv-preview">
          {argv.error ? (
            <span className="text-danger">{argv.error}</span>
          ) : argv.argv.length > 0 ? (
            <>
              <span className="muted">argv:</span>
              {argv.argv.map((a, i) => (
                <code key={i} className="argv-chip">
                  {a === '' ? '""' : a}
                </code>
              ))}
            </>
          ) : (
            <span>Split like a shell: quotes group words, no pipes or variables.</span>
          )}
        </div>
      </div>
      <div className="field">
        <label htmlFor={ids.params}>
          Params <span className="muted">(optional, one key=value per line)</span>
        </label>
        <textarea
          id={ids.params}
          className="input textarea mono"
          rows={4}
          value={paramsText}
          onChange={(e) => {
            setParamsText(e.target.value);
            if (error) setError(null);
          }}
          placeholder={'lr=0.05\nepochs=20'}
          spellCheck={false}
          disabled={busy}
          aria-describedby={ids.paramsHint}
          data-testid="new-run-params"
        />
        <p id={ids.paramsHint} className="field-hint">
          {params.errors.length > 0 ? (
            <span className="text-danger">{params.errors[0]?.message}</span>
          ) : target && sweepSize > 1 ? (
            `A sweep of ${sweepSize} runs (every combination of the comma-separated values), grouped under one parent run.`
          ) : paramCount > 0 ? (
            `${paramCount} param${paramCount === 1 ? '' : 's'}, logged on the run when it starts.`
          ) : (
            'Logged on the run when it starts.'
          )}
        </p>
      </div>
      <div className="field">
        <label htmlFor={ids.target}>
          Run on… <span className="muted">(this machine, or a Swarm / Kubernetes target)</span>
        </label>
        <select id={ids.target} className="input" value={target} onChange={(e) => setTarget(e.target.value)} disabled={busy} aria-describedby={ids.targetHint} data-testid="new-run-target">
          <option value="">This machine</option>
          {clusterTargets
            .filter((t) => t.name !== LOCAL_TARGET)
            .map((t) => (
              <option key={t.name} value={t.name}>
                {t.name} ({KIND_LABEL[t.kind]})
              </option>
            ))}
        </select>
        <p id={ids.targetHint} className="field-hint" data-testid="new-run-target-hint">
          {target ? (
            <>
              Runs as a one-shot {chosen?.kind === 'kubernetes' ? 'Kubernetes Job' : 'Swarm service'} from an image of the project (its Dockerfile, or its files on
              the Node base), and logs back to <code>{trackingUri ?? 'the tracking URI'}</code> — <strong>that address must be reachable from the cluster.</strong>{' '}
              {loopback ? (
                <span className="text-danger">
                  It is a loopback address: only a target on this machine can reach it. For a remote cluster, start mldesk with{' '}
                  <code>mldesk serve --host &lt;address&gt; --token &lt;secret&gt;</code>.
                </span>
              ) : null}{' '}
              Params: <code>{'{name}'}</code> in the command is replaced by the value; MLDESK_PARAM_NAME is set too.
            </>
          ) : clusterTargets.length === 0 ? (
            'Add a Swarm or Kubernetes target in Settings → Targets to run training there.'
          ) : (
            'Runs here, in the project folder.'
          )}
        </p>
      </div>
      {target ? (
        <div className="form-grid">
          <div className="field">
            <label htmlFor={ids.cpus}>CPUs</label>
            <input id={ids.cpus} className="input" inputMode="decimal" value={cpus} onChange={(e) => setCpus(e.target.value)} placeholder="no limit" disabled={busy} data-testid="new-run-cpus" />
          </div>
          <div className="field">
            <label htmlFor={ids.mem}>Memory (MiB)</label>
            <input id={ids.mem} className="input" inputMode="numeric" value={memoryMb} onChange={(e) => setMemoryMb(e.target.value)} placeholder="no limit" disabled={busy} data-testid="new-run-memory" />
          </div>
          <div className="field">
            <label htmlFor={ids.gpus}>GPUs</label>
            <input id={ids.gpus} className="input" inputMode="numeric" value={gpus} onChange={(e) => setGpus(e.target.value)} placeholder="0" disabled={busy} data-testid="new-run-gpus" />
          </div>
          {sweepSize > 1 ? (
            <div className="field">
              <label htmlFor={ids.parallel}>At once</label>
              <input id={ids.parallel} className="input" inputMode="numeric" value={parallel} onChange={(e) => setParallel(e.target.value)} disabled={busy} data-testid="new-run-parallel" />
            </div>
          ) : null}
        </div>
      ) : null}
      <InlineError error={error} />
    </Dialog>
  );
}
