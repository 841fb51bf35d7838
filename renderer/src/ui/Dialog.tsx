import { useEffect, useId, useLayoutEffect, useRef, type ReactNode, type RefObject } from 'react';
import { createPortal } from 'react-dom';
import { focusables, pushModal } from './modalStack';

export interface DialogProps {
  title: ReactNode;
  /** Optional line under the title, linked with aria-describedby. */
  description?: ReactNode;
  onClose: () => void;
  children: ReactNode;
  /** Footer (buttons). */
  footer?: ReactNode;
  /** Element focused on open; defaults to the first field, then the first button. */
  initialFocus?: RefObject<HTMLElement | null>;
  /** While true, Escape and backdrop clicks do not close (e.g. a request is in flight). */
  busy?: boolean;
  size?: 'sm' | 'md' | 'lg';
  /** Wraps the body in a <form>; Enter submits. */
  onSubmit?: () => void;
  testId?: string;
  role?: 'dialog' | 'alertdialog';
}

/**
 * Modal dialog: portal to <body>, focus moves in (first field) and back out on close,
 * Tab cycles inside and Escape closes (see modalStack), backdrop click closes, the page behind is made inert by the shell.
 */
export function Dialog({ title, description, onClose, children, footer, initialFocus, busy = false, size = 'md', onSubmit, testId, role = 'dialog' }: DialogProps) {
  const panel = useRef<HTMLDivElement>(null);
  const titleId = useId();
  const descId = useId();
  const closeRef = useRef(onClose);
  const busyRef = useRef(busy);
  useLayoutEffect(() => {
    closeRef.current = onClose;
    busyRef.current = busy;
  });

  useEffect(() => {
    const pop = pushModal({
      panel: () => panel.current,
      requestClose: () => {
        if (!busyRef.current) closeRef.current();
      },
    });
    const previous = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    const root = panel.current;
    if (root) {
      const target =
        initialFocus?.current ??
        root.querySelector<HTMLElement>('[data-autofocus]') ??
        root.querySelector<HTMLElement>('input:not([disabled]), textarea:not([disabled]), select:not([disabled])') ??
        focusables(root).find((el) => !el.classList.contains('dialog-close')) ??
        root;
      target.focus();
    }
    return () => {
      pop();
      // Return focus to whatever opened the dialog once the page is no longer inert
      // (the shell drops `inert` on its next render), unless the user moved it elsewhere.
      setTimeout(() => {
        const active = document.activeElement;
        if (previous?.isConnected && (active === null || active === document.body)) previous.focus();
      }, 0);
    };
    // Runs once per open: focus in on mount, focus back on unmount.
  }, []);

  const body = (
    <>
      <div className="dialog-body">{children}</div>
      {footer ? <div className="dialog-footer">{footer}</div> : null}
    </>
  );

  return createPortal(
    <div
      className="dialog-backdrop"
      onMouseDown={(e) => {
        if (e.target === e.currentTarget && !busyRef.current) closeRef.current();
      }}
    >
      <div
        ref={panel}
        className={`dialog dialog-${size}`}
        role={role}
        aria-modal="true"
        aria-labelledby={titleId}
        aria-describedby={description ? descId : undefined}
        aria-busy={busy || undefined}
        tabIndex={-1}
        data-testid={testId}
      >
        <div className="dialog-header">
          <h2 id={titleId} className="dialog-title">
            {title}
          </h2>
          <button type="button" className="icon-button dialog-close" aria-label="Close" onClick={() => closeRef.current()} disabled={busy}>
            ×
          </button>
        </div>
        {description ? (
          <p id={descId} className="dialog-description">
            {description}
          </p>
        ) : null}
        {onSubmit ? (
          <form
            className="dialog-form"
            noValidate
            onSubmit={(e) => {
              e.preventDefault();
              if (!busyRef.current) onSubmit();
            }}
          >
            {body}
          </form>
        ) : (
          body
        )}
      </div>
    </div>,
    document.body,
  );
}
