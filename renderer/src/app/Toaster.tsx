import { holdToast, releaseToast, useToasts, type Toast } from './toasts';

const ICON: Record<Toast['level'], string> = { info: 'ℹ', success: '✓', warn: '⚠', error: '✕' };

function ToastItem({ t }: { t: Toast }) {
  const dismiss = useToasts((s) => s.dismiss);
  return (
    <li
      className={`toast toast-${t.level}`}
      role={t.level === 'error' || t.level === 'warn' ? 'alert' : 'status'}
      data-testid={t.testId ?? 'toast'}
      data-level={t.level}
      data-code={t.code}
      onMouseEnter={() => holdToast(t.id)}
      onMouseLeave={() => releaseToast(t.id)}
      onFocus={() => holdToast(t.id)}
      onBlur={() => releaseToast(t.id)}
    >
      <span className="toast-icon" aria-hidden="true">
        {ICON[t.level]}
      </span>
      <div className="toast-text">
        {t.title ? <div className="toast-title">{t.title}</div> : null}
        <div className="toast-message">
          {t.code ? <code className="toast-code">{t.code}</code> : null}
          {t.code ? ' ' : null}
          {t.message}
        </div>
        {t.action ? (
          <a className="toast-action" href={t.action.href} onClick={() => dismiss(t.id)} data-testid="toast-action">
            {t.action.label}
          </a>
        ) : null}
      </div>
      <button type="button" className="icon-button toast-close" aria-label="Dismiss notification" onClick={() => dismiss(t.id)}>
        ×
      </button>
    </li>
  );
}

/** Bottom-right stack; lives outside the inert page so it stays clickable while a dialog is open. */
export function Toaster() {
  const toasts = useToasts((s) => s.toasts);
  return (
    <section className="toaster" aria-label="Notifications">
      <ol>
        {toasts.map((t) => (
          <ToastItem key={t.id} t={t} />
        ))}
      </ol>
    </section>
  );
}
