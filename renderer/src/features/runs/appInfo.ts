import { useEffect } from 'react';
import { create } from 'zustand';
import type { AppInfo } from '../../../../shared/contract';
import { api } from '../../api/client';

/** App info (for the tracking URI), fetched once per session. */
export const useAppInfo = create<{ info: AppInfo | null; failed: boolean }>(() => ({ info: null, failed: false }));

let requested = false;
export function useTrackingUri(): string | null | undefined {
  useEffect(() => {
    if (requested) return;
    requested = true;
    api.app.info().then(
      (info) => useAppInfo.setState({ info }),
      () => {
        requested = false;
        useAppInfo.setState({ failed: true });
      },
    );
  }, []);
  // undefined while loading, null when this host has no tracking server.
  return useAppInfo((s) => (s.info ? s.info.trackingUri : s.failed ? null : undefined));
}
