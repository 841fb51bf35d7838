import { CopyIcon } from '../app/icons';
import { toast } from '../app/toasts';

/** Copies `text` to the clipboard and says so in a toast (or that the clipboard is not available). */
export function copyText(text: string, label: string): void {
  if (!navigator.clipboard) {
    toast.warn('The clipboard is not available here');
    return;
  }
  navigator.clipboard.writeText(text).then(
    () => toast.success(`${label} copied`),
    () => toast.warn('The clipboard is not available here'),
  );
}

/** A Copy button: `compact` is the icon alone; otherwise a small button (`size` sm or xs) with the icon and "Copy". */
export function CopyButton({
  text,
  label,
  testId,
  compact = false,
  size = 'sm',
}: {
  text: string;
  label: string;
  testId?: string;
  compact?: boolean;
  size?: 'sm' | 'xs';
}) {
  return (
    <button
      type="button"
      className={compact ? 'icon-button copy-button' : `button button-${size} copy-button`}
      onClick={() => copyText(text, label)}
      aria-label={`Copy ${label}`}
      title={`Copy ${label}`}
      data-testid={testId}
    >
      <CopyIcon width={14} height={14} />
      {compact ? null : 'Copy'}
    </button>
  );
}

/** A monospaced, scrollable code block (focusable, to scroll it with the keyboard) with a copy button in its corner. */
export function CodeBlock({ code, label, testId }: { code: string; label: string; testId?: string }) {
  return (
    <div className="code-block" data-testid={testId}>
      <pre className="code-box" tabIndex={0} aria-label={label}>
        <code>{code}</code>
      </pre>
      <CopyButton text={code} label={label} compact />
    </div>
  );
}
