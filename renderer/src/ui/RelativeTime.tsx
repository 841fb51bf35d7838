import { useSyncExternalStore } from 'react';
import { absoluteTime, relativeTime } from '../lib/format';

// One shared minute ticker for every relative timestamp on screen.
const listeners = new Set<() => void>();
let now = Date.now();
let timer: ReturnType<typeof setInterval> | null = null;

function subscribe(cb: () => void): () => void {
  listeners.add(cb);
  if (!timer) {
    timer = setInterval(() => {
      now = Date.now();
      listeners.forEach((l) => l());
    }, 30_000);
  }
  return () => {
    listeners.delete(cb);
    if (listeners.size === 0 && timer) {
      clearInterval(timer);
      timer = null;
    }
  };
}
const getNow = () => now;

/** "5 minutes ago" with the exact date as tooltip; refreshes itself. */
export function RelativeTime({ ms, className }: { ms: number; className?: string }) {
  useSyncExternalStore(subscribe, getNow); // re-render on each tick
  const reference = Date.now();
  return (
    <time className={className} dateTime={new Date(ms).toISOString()} title={absoluteTime(ms)}>
      {relativeTime(ms, reference)}
    </time>
  );
}
