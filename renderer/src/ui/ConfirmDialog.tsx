import { useRef, useState, type ReactNode } from 'react';
import { Dialog } from './Dialog';
import { Spinner } from './Spinner';
import { describeError } from '../lib/errors';

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
        <>
          <button ref={cancelRef} type="button" className="button" onClick={onClose} disabled={busy}>
            Cancel
          </button>
          <button type="submit" className={`button ${danger ? 'button-danger' : 'button-primary'}`} disabled={busy} data-testid="dialog-submit">
            {busy ? <Spinner /> : null}
            {busy ? (busyLabel ?? confirmLabel) : confirmLabel}
          </button>
        </>
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
