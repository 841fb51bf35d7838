/**
 * Leading + trailing throttle: the first call runs at once, later calls within `ms` collapse into one
 * run at the end of the window. Used to cap live refreshes (e.g. ≤ 2/s with ms = 500).
 */
export function throttled(fn: () => void, ms: number): { call: () => void; cancel: () => void } {
  let last = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const run = () => {
    timer = null;
    last = Date.now();
    fn();
  };
  return {
    call() {
      if (timer) return;
      const wait = last + ms - Date.now();
      if (wait <= 0) run();
      else timer = setTimeout(run, wait);
    },
    cancel() {
      if (timer) clearTimeout(timer);
      timer = null;
    },
  };
}
