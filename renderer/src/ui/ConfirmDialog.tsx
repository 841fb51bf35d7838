import { useRef, useState, type ReactNode } from 'react';
import { Dialog } from './Dialog';
import { describeError } from '../lib/errors';
import { DialogFooter } from './DialogFooter';

export interface ConfirmDialogProps {
  title: ReactNode;
  children: ReactNode;
  confirmLabel: string;
  busyLabel?: string;
  danger?: boolean;
  /** Resolve to close; throw to show the error inline and stay open. */
  onConfirm: () => Promise<void>;
  onClose: () => void;
}

export function ConfirmDialog({ title, children, confirmLabel, busyLabel, danger = false, onConfirm, onClose }: ConfirmDialogProps) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const cancelRef = useRef<HTMLButtonElement>(null);

  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      await onConfirm();
      onClose();
    } catch (e) {
      setError(describeError(e));
      setBusy(false);
    }
  };

  return (
    <Dialog
      title={title}
      onClose={onClose}
      busy={busy}
      size="sm"
      role="alertdialog"
      initialFocus={cancelRef}
      onSubmit={() => void confirm()}
      footer={
<DialogFooter busy={busy} onCancel={onClose} label={confirmLabel} busyLabel={busyLabel} variant={danger ? 'danger' : 'primary'} cancelRef={cancelRef} />
      }
    >
      {children}
      {error ? (
        <p className="field-error" role="alert" data-testid="dialog-error">
          {error}
        </p>
      ) : null}
    </Dialog>
  );
}
