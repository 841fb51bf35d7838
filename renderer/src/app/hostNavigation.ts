import { useEffect } from 'react';
import { isAppHash } from '../../../shared/contract/bridge';

/** The desktop app's preload offers `host.onNavigate`: a click on an alert's system notification opens that alert's chart point. */
export function useHostNavigation(): void {
  useEffect(() => {
    const host = window.mldesk?.host;
    if (typeof host?.onNavigate !== 'function') return;
    return host.onNavigate((hash) => {
      if (isAppHash(hash) && hash !== window.location.hash) window.location.hash = hash;
    });
  }, []);
}
