import type { SVGProps } from 'react';

/** Monitoring's empty-state icon: a pulse line over a baseline. */
export function MonitorIcon(p: SVGProps<SVGSVGElement>) {
  return (
    <svg width="16" height="16" viewBox="0 0 16 16" fill="none" stroke="currentColor" strokeWidth="1.5" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true" focusable="false" {...p}>
      <path d="M1.5 8.5h2.75l1.5-4 2.5 8 1.75-5.5 1 1.5h3.5" />
      <path d="M1.5 14.25h13" opacity="0.5" />
    </svg>
  );
}

/** A bell, for alerts. */
export function BellIcon(p: SVGProps<SVGSVGElement>) {
  return (
    <svg width="16" height="16" viewBox="0 0 16 16" fill="none" stroke="currentColor" strokeWidth="1.5" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true" focusable="false" {...p}>
      <path d="M4 11.25V7a4 4 0 0 1 8 0v4.25l1.25 1.25H2.75z" />
      <path d="M6.5 14a1.6 1.6 0 0 0 3 0" />
    </svg>
  );
}
