import { useEffect, useState } from 'react';
import type { ColumnDrift } from '../../../../shared/contract';
import { api } from '../../api/client';
import { asMldeskError } from '../../lib/errors';

export interface DistributionView {
  data: ColumnDrift | null;
  loading: boolean;
  error: { code: string; message: string } | null;
}

/** Reference vs current distribution of one feature in one window (`monitor.distribution`); `nonce` re-reads it. */
export function useDistribution(deployment: string, window: number | null, column: string | null, nonce = 0): DistributionView {
  const [view, setView] = useState<DistributionView>({ data: null, loading: false, error: null });
  useEffect(() => {
    if (window === null || column === null) {
      setView({ data: null, loading: false, error: null });
      return;
    }
    let alive = true;
    setView((v) => ({ data: v.data && v.data.column === column ? v.data : null, loading: true, error: null }));
    api.monitor
      .distribution({ deployment, window, column })
      .then((data) => alive && setView({ data, loading: false, error: null }))
      .catch((e: unknown) => {
        if (!alive) return;
        const m = asMldeskError(e);
        setView({ data: null, loading: false, error: { code: m.code, message: m.message } });
      });
    return () => {
      alive = false;
    };
  }, [deployment, window, column, nonce]);
  return view;
}
