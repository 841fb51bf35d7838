import type { SVGProps } from 'react';

/** Sidebar / empty-state icon of the Deployments section (kept apart from the lazy page): a box with a signal. */
export function DeployIcon(p: SVGProps<SVGSVGElement>) {
  return (
    <svg width="16" height="16" viewBox="0 0 16 16" fill="none" stroke="currentColor" strokeWidth="1.5" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true" focusable="false" {...p}>
      <rect x="1.75" y="7.25" width="12.5" height="6.5" rx="1.5" />
      <path d="M4.5 10.5h.01M7 10.5h4.5M8 5V1.75M5.75 3.5 8 1.75l2.25 1.75" />
    </svg>
  );
}
