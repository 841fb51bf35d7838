import type { SVGProps } from 'react';

/** Empty-state icon of model insight: bars of different lengths (feature importance). */
export function InsightIcon(p: SVGProps<SVGSVGElement>) {
  return (
    <svg width="16" height="16" viewBox="0 0 16 16" fill="none" stroke="currentColor" strokeWidth="1.5" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true" focusable="false" {...p}>
      <path d="M2.5 2v12h11" />
      <path d="M5 4.5h7M5 7.5h4.5M5 10.5h2" />
    </svg>
  );
}
