import { useEffect } from 'react';

/**
 * The desktop app's preload may offer `host.onNavigate` (a click on an alert's system notification opens that alert's
 * chart point). Not part of the shared Bridge type yet, so it is detected at run time; web mode has no such host.
 */
interface NavigatingHost {
  onNavigate?: (cb: (hash: string) => void) => () => void;
}

const APP_HASH = /^#\/[a-z][a-z0-9-]*(\?[^#\s]*)?$/;

export function useHostNavigation(): void {
  useEffect(() => {
    const host = window.mldesk?.host as NavigatingHost | undefined;
    if (typeof host?.onNavigate !== 'function') return;
    return host.onNavigate((hash) => {
      if (APP_HASH.test(hash) && hash !== window.location.hash) window.location.hash = hash;
    });
  }, []);
}
