import { useEffect, useId, useRef, useState } from 'react';
import { contract, type ProjectSummary } from '../../../../shared/contract';
import { hostKind, pickDirectory } from '../../api/client';
import { asMldeskError } from '../../lib/errors';
import { baseName } from '../../lib/format';
import { useDialogAction } from '../../ui/useDialogAction';
import { Dialog } from '../../ui/Dialog';
import { useProjects } from './store';
import { DialogFooter } from '../../ui/DialogFooter';
import { InlineError } from '../../ui/InlineError';

export type PathDialogMode = 'create' | 'open';

const COPY: Record<PathDialogMode, { title: string; description: string; submit: string; busy: string; hint: string }> = {
  create: {
    title: 'New project',
    description: 'Creates the folder, initialises git and makes a first commit.',
    submit: 'Create project',
    busy: 'Creating…',
    hint: 'The folder must not exist yet, or be empty.',
  },
  open: {
    title: 'Open folder',
    description: 'Adds an existing folder. If it is not a git repository yet, mldesk initialises one.',
    submit: 'Open folder',
    busy: 'Opening…',
    hint: 'An absolute path, e.g. /home/you/projects/churn (or ~/projects/churn).',
  },
};

export function ProjectPathDialog({ mode, onClose, onDone }: { mode: PathDialogMode; onClose: () => void; onDone: (p: ProjectSummary) => void }) {
  const copy = COPY[mode];
  const submitAction = useProjects((s) => (mode === 'create' ? s.create : s.open));
  const [path, setPath] = useState('');
  const [name, setName] = useState('');
  const [picking, setPicking] = useState(false);
  const { busy, error, setError, run } = useDialogAction();
  const pathId = useId();
  const nameId = useId();
  const hintId = useId();
  const errorId = useId();
  const pathRef = useRef<HTMLInputElement>(null);

  // After a failed attempt the fields are enabled again: put the caret back in the path.
  useEffect(() => {
    if (error && !busy) pathRef.current?.focus();
  }, [error, busy]);

  const browse = async () => {
    setPicking(true);
    try {
      const picked = await pickDirectory();
      if (picked) {
        setPath(picked);
        setError(null);
      }
    } catch (e) {
      setError({ message: asMldeskError(e).message });
    } finally {
      setPicking(false);
    }
  };

  const submit = async () => {
    const input = { path: path.trim(), ...(name.trim() ? { name: name.trim() } : {}) };
    // Same schema the engine validates with: obvious mistakes never leave the dialog.
    const check = contract.projects[mode].input.safeParse(input);
    if (!check.success) {
      setError({ message: check.error.issues[0]?.message ?? 'Invalid input' });
      return;
    }
    await run(async () => onDone(await submitAction(input)));
  };

  const describedBy = [hintId, error ? errorId : ''].filter(Boolean).join(' ');
  return (
    <Dialog
      title={copy.title}
      description={copy.description}
      onClose={onClose}
      busy={busy}
      onSubmit={() => void submit()}
      testId={`dialog-${mode}-project`}
      footer={
<DialogFooter busy={busy} onCancel={onClose} label={copy.submit} busyLabel={copy.busy} />
      }
    >
      <div className="field">
        <label htmlFor={pathId}>Folder path</label>
        <div className="field-row">
          <input
            ref={pathRef}
            id={pathId}
            className="input mono"
            type="text"
            value={path}
            onChange={(e) => {
              setPath(e.target.value);
              if (error) setError(null);
            }}
            placeholder={mode === 'create' ? '/home/you/projects/new-project' : '/home/you/projects/existing'}
            autoComplete="off"
            autoCapitalize="off"
            spellCheck={false}
            required
            disabled={busy}
            aria-invalid={error ? true : undefined}
            aria-describedby={describedBy}
            data-testid="dialog-path-input"
            data-autofocus
          />
          {hostKind === 'electron' ? (
            <button type="button" className="button" onClick={() => void browse()} disabled={busy || picking} data-testid="dialog-browse">
              Browse…
            </button>
          ) : null}
        </div>
        <p id={hintId} className="field-hint">
          {copy.hint}
        </p>
      </div>
      <div className="field">
        <label htmlFor={nameId}>
          Name <span className="muted">(optional)</span>
        </label>
        <input
          id={nameId}
          className="input"
          type="text"
          value={name}
          onChange={(e) => setName(e.target.value)}
          placeholder={baseName(path.trim()) || 'Defaults to the folder name'}
          autoComplete="off"
          maxLength={200}
          disabled={busy}
          data-testid="dialog-name-input"
        />
      </div>
      <InlineError error={error} id={errorId} />
    </Dialog>
  );
}
