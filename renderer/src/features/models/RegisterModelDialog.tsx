import { useId, useState } from 'react';
import { contract } from '../../../../shared/contract';
import { api } from '../../api/client';
import { buildHash } from '../../app/router';
import { toast } from '../../app/toasts';
import { Dialog } from '../../ui/Dialog';
import { DialogFooter } from '../../ui/DialogFooter';
import { useDialogAction } from '../../ui/useDialogAction';
import { InlineError } from '../../ui/InlineError';

/** Registers a run's artifact folder (holding an MLmodel or .onnx file) as a new model version: source runs:/<run_id>/<path>. */
export function RegisterModelDialog({ runId, path: initialPath, onClose }: { runId: string; path: string; onClose: () => void }) {
  const [name, setName] = useState('');
  const [path, setPath] = useState(initialPath);
  const { busy, error, setError, run } = useDialogAction();
  const nameId = useId();
  const pathId = useId();

  const submit = async () => {
    const check = contract.models.register.input.safeParse({ name, runId, path });
    if (!check.success) {
      setError({ message: name.trim() ? (check.error.issues[0]?.message ?? 'Invalid input') : 'Give the model a name' });
      return;
    }
    await run(async () => {
      const v = await api.models.register(check.data);
      toast.success(`Registered ${v.name} version ${v.version}`);
      onClose();
      window.location.hash = buildHash('/models', { model: v.name, version: v.version });
    });
  };

  return (
    <Dialog
      title="Register model"
      description={
        <>
          Adds a version to the model registry with source <code className="mono">runs:/{runId.slice(0, 8)}…/{path}</code>; a new name creates the model.
        </>
      }
      onClose={onClose}
      busy={busy}
      size="sm"
      onSubmit={() => void submit()}
      testId="dialog-register-model"
      footer={<DialogFooter busy={busy} onCancel={onClose} label="Register" busyLabel="Registering…" />}
    >
      <div className="field">
        <label htmlFor={nameId}>Model name</label>
        <input
          id={nameId}
          className="input"
          type="text"
          value={name}
          onChange={(e) => {
            setName(e.target.value);
            if (error) setError(null);
          }}
          placeholder="credit-risk"
          autoComplete="off"
          maxLength={256}
          disabled={busy}
          data-testid="register-model-name"
          data-autofocus
        />
      </div>
      <div className="field">
        <label htmlFor={pathId}>Artifact folder</label>
        <input id={pathId} className="input mono" type="text" value={path} onChange={(e) => setPath(e.target.value)} disabled={busy} data-testid="register-model-path" />
      </div>
      <InlineError error={error} />
    </Dialog>
  );
}
