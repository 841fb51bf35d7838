import { useEffect, useId, useRef, useState } from 'react';
import type { ProjectSummary } from '../../../../shared/contract';
import { useDialogAction } from '../../ui/useDialogAction';
import { Dialog } from '../../ui/Dialog';
import { Spinner } from '../../ui/Spinner';
import { useData, type AddResult } from './store';
import { DialogFooter } from '../../ui/DialogFooter';
import { InlineError } from '../../ui/InlineError';

/** Seconds since `busy` turned on (large files take a while: show that something is happening). */
function useElapsed(busy: boolean): number {
  const [seconds, setSeconds] = useState(0);
  useEffect(() => {
    if (!busy) return;
    const started = Date.now();
    setSeconds(0);
    const t = setInterval(() => setSeconds(Math.floor((Date.now() - started) / 1000)), 500);
    return () => clearInterval(t);
  }, [busy]);
  return seconds;
}

export function AddDatasetDialog({ project, onClose, onDone }: { project: ProjectSummary; onClose: () => void; onDone: (r: AddResult) => void }) {
  const add = useData((s) => s.add);
  const [path, setPath] = useState('');
  const { busy, error, setError, run } = useDialogAction();
  const elapsed = useElapsed(busy);
  const inputRef = useRef<HTMLInputElement>(null);
  const pathId = useId();
  const hintId = useId();
  const errorId = useId();

  useEffect(() => {
    if (error && !busy) inputRef.current?.focus();
  }, [error, busy]);

  const submit = async () => {
    const p = path.trim();
    if (!p) {
      setError({ message: 'Give the path of a data file inside the project, e.g. data/train.csv' });
      return;
    }
    await run(async () => onDone(await add(project.id, p)));
  };

  return (
    <Dialog
      title="Add dataset"
      description={
        <>
          Snapshots a file of <strong>{project.name}</strong> into the local cache and commits a pointer to it. Adding a changed file again makes a
          new version.
        </>
      }
      onClose={onClose}
      busy={busy}
      onSubmit={() => void submit()}
      testId="dialog-add-dataset"
      footer={
<DialogFooter busy={busy} onCancel={onClose} label="Add dataset" busyLabel="Adding…" testId="add-dataset-submit" />
      }
    >
      <div className="field">
        <label htmlFor={pathId}>File path, relative to the project</label>
        <div className="ds-path-field">
          <span className="ds-path-prefix mono truncate" title={project.path}>
            {project.path.replace(/[\\/]+$/, '')}/
          </span>
          <input
            ref={inputRef}
            id={pathId}
            className="input mono"
            type="text"
            value={path}
            onChange={(e) => {
              setPath(e.target.value);
              if (error) setError(null);
            }}
            placeholder="data/train.csv"
            autoComplete="off"
            autoCapitalize="off"
            spellCheck={false}
            disabled={busy}
            aria-invalid={error ? true : undefined}
            aria-describedby={[hintId, error ? errorId : ''].filter(Boolean).join(' ')}
            data-testid="add-dataset-path"
            data-autofocus
          />
        </div>
        <p id={hintId} className="field-hint">
          CSV, Parquet or JSON lines. The file is read strictly (a ragged row or a bad value is reported with its line) before anything is written.
        </p>
      </div>
      {busy ? (
        <p className="ds-progress" role="status" data-testid="add-dataset-progress">
          <Spinner />
          Reading, hashing and caching {path.trim()}… {elapsed > 0 ? `${elapsed} s` : ''}
          {elapsed >= 3 ? <span className="muted"> (large files take a few seconds)</span> : null}
        </p>
      ) : null}
      <InlineError error={error} id={errorId} />
    </Dialog>
  );
}
