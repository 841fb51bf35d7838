import type { Ref } from 'react';
import { Spinner } from './Spinner';

/** Cancel + submit of a form dialog; while busy both are disabled and the submit shows a spinner and `busyLabel`. */
export function DialogFooter({
  busy,
  onCancel,
  label,
  busyLabel,
  testId = 'dialog-submit',
  variant = 'primary',
  cancelRef,
}: {
  busy: boolean;
  onCancel: () => void;
  label: string;
  busyLabel?: string;
  testId?: string;
  variant?: 'primary' | 'danger';
  cancelRef?: Ref<HTMLButtonElement>;
}) {
  return (
    <>
      <button ref={cancelRef} type="button" className="button" onClick={onCancel} disabled={busy}>
        Cancel
      </button>
      <button type="submit" className={`button button-${variant}`} disabled={busy} aria-busy={busy || undefined} data-testid={testId}>
        {busy ? <Spinner /> : null}
        {busy ? (busyLabel ?? label) : label}
      </button>
    </>
  );
}
