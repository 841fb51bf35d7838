import { useId, useState } from 'react';
import { contract } from '../../../../shared/contract';
import { useDialogAction } from '../../ui/useDialogAction';
import { Dialog } from '../../ui/Dialog';
import { useExperiments } from './store';
import { DialogFooter } from '../../ui/DialogFooter';
import { InlineError } from '../../ui/InlineError';

export function NewExperimentDialog({ onClose, onDone }: { onClose: () => void; onDone: (experimentId: string, name: string) => void }) {
  const create = useExperiments((s) => s.create);
  const [name, setName] = useState('');
  const { busy, error, setError, run } = useDialogAction();
  const nameId = useId();

  const submit = async () => {
    const check = contract.tracking.createExperiment.input.safeParse({ name });
    if (!check.success) {
      setError({ message: name.trim() ? (check.error.issues[0]?.message ?? 'Invalid name') : 'Give the experiment a name' });
      return;
    }
    await run(async () => onDone(await create(check.data.name), check.data.name));
  };

  return (
    <Dialog
      title="New experiment"
      description="Experiments group related runs. Scripts pick one with mlflow.set_experiment(name) or MLFLOW_EXPERIMENT_NAME."
      onClose={onClose}
      busy={busy}
      size="sm"
      onSubmit={() => void submit()}
      testId="dialog-new-experiment"
      footer={
<DialogFooter busy={busy} onCancel={onClose} label="Create experiment" busyLabel="Creating…" />
      }
    >
      <div className="field">
        <label htmlFor={nameId}>Name</label>
        <input
          id={nameId}
          className="input"
          type="text"
          value={name}
          onChange={(e) => {
            setName(e.target.value);
            if (error) setError(null);
          }}
          placeholder="churn-model"
          autoComplete="off"
          maxLength={500}
          disabled={busy}
          aria-invalid={error ? true : undefined}
          data-testid="dialog-name-input"
          data-autofocus
        />
      </div>
      <InlineError error={error} />
    </Dialog>
  );
}
