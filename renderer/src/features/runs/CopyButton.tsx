import { toast } from '../../app/toasts';
import { CopyIcon } from './icons';

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

export function CopyButton({ text, label, testId, compact = false }: { text: string; label: string; testId?: string; compact?: boolean }) {
  return (
    <button type="button" className={compact ? 'icon-button copy-button' : 'button button-sm copy-button'} onClick={() => copyText(text, label)} aria-label={`Copy ${label}`} title={`Copy ${label}`} data-testid={testId}>
      <CopyIcon width={14} height={14} />
      {compact ? null : 'Copy'}
    </button>
  );
}

/** A code block with a copy button in its corner. */
export function CodeBlock({ code, label }: { code: string; label: string }) {
  return (
    <div className="code-block">
      <pre>
        <code>{code}</code>
      </pre>
      <CopyButton text={code} label={label} compact />
    </div>
  );
}
