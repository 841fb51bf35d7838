import { useEffect, useId, useMemo, useState } from 'react';
import { contract, type LaunchedRun } from '../../../../shared/contract';
import { api } from '../../api/client';
import { useDialogAction } from '../../ui/useDialogAction';
import { Dialog } from '../../ui/Dialog';
import { useProjects } from '../projects';
import { parseParamLines, shellSplit, ShellSplitError } from './shellSplit';
import { DialogFooter } from '../../ui/DialogFooter';
import { InlineError } from '../../ui/InlineError';

export interface NewRunDefaults {
  experimentName?: string;
  projectId?: string;
  command?: string;
}

/** "New run": starts a command through the launcher, tracked as a run (MLFLOW_* env set for it). */
export function NewRunDialog({ defaults, onClose, onDone }: { defaults: NewRunDefaults; onClose: () => void; onDone: (run: LaunchedRun) => void }) {
  const projects = useProjects((s) => s.projects);
  const projectsLoaded = useProjects((s) => s.loaded);
  const [projectId, setProjectId] = useState(defaults.projectId ?? '');
  const [experimentName, setExperimentName] = useState(defaults.experimentName ?? '');
  const [name, setName] = useState('');
  const [command, setCommand] = useState(defaults.command ?? '');
  const [paramsText, setParamsText] = useState('');
  const { busy, error, setError, run } = useDialogAction();
  const ids = { project: useId(), exp: useId(), name: useId(), cmd: useId(), params: useId(), cmdHint: useId(), paramsHint: useId() };

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

  const paramCount = Object.keys(params.params).length;
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
          ) : paramCount > 0 ? (
            `${paramCount} param${paramCount === 1 ? '' : 's'}, logged on the run when it starts.`
          ) : (
            'Logged on the run when it starts.'
          )}
        </p>
      </div>
      <InlineError error={error} />
    </Dialog>
  );
}
