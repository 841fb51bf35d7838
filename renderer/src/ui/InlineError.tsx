/** A dialog's error line: the engine's code (when there is one) and its message, announced to screen readers. */
export function InlineError({ error, id }: { error: { code?: string; message: string } | null; id?: string }) {
  if (!error) return null;
  return (
    <p id={id} className="field-error" role="alert" data-testid="dialog-error">
      {error.code ? <code className="error-code">{error.code}</code> : null}
      {error.code ? ' ' : null}
      {error.message}
    </p>
  );
}
