import { useState } from 'react';
import { asMldeskError } from '../lib/errors';

/** An error shown inline in a dialog (code when it came from the engine). */
export interface DialogError {
  code?: string;
  message: string;
}

/**
 * Busy/error state of a dialog's submit: `run` marks it busy, and an engine error becomes the inline error
 * with the dialog left open; on success the caller usually closes the dialog, so busy stays set.
 */
export function useDialogAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<DialogError | null>(null);
  const run = async (action: () => Promise<void>): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (e) {
      const err = asMldeskError(e);
      setError({ code: err.code, message: err.message });
      setBusy(false);
    }
  };
  return { busy, error, setError, run };
}
