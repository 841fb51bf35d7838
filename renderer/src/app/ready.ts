import { useEffect } from 'react';

let marked = false;

/**
 * Marks the app as interactive exactly once: a performance mark for profiling and
 * `body[data-ready="1"]` for the startup benchmark and e2e tests.
 */
export function markInteractive(): void {
  if (marked) return;
  marked = true;
  performance.mark('mldesk:interactive');
  document.body.dataset.ready = '1';
}

/** Pages call this with `true` once their first data has arrived and rendered. */
export function useReadyWhen(ready: boolean): void {
  useEffect(() => {
    if (ready) markInteractive();
  }, [ready]);
}
