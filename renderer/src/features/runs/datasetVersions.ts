import { useEffect, useState } from 'react';
import type { Run } from '../../../../shared/contract';
import { api } from '../../api/client';

/** A project dataset version a run input refers to (lineage from the run side). */
export interface DatasetVersionRef {
  projectId: string;
  path: string;
  commit: string;
}

type Found = ReadonlyArray<DatasetVersionRef | null>;

/**
 * The dataset version of each of the run's dataset inputs (same order; null = none, or the lookup failed).
 * Keyed by a string, not the Run object: that is replaced on every refresh while its inputs rarely change.
 */
export function useDatasetVersions(run: Run): Found {
  // Runs from the launcher name their project: look there only.
  const projectId = run.data.tags.find((t) => t.key === 'mldesk.project_id')?.value;
  const key = JSON.stringify([run.info.run_id, projectId ?? null, run.inputs.dataset_inputs.map(({ dataset: d }) => [d.name, d.source, d.digest])]);
  const [found, setFound] = useState<{ key: string; refs: Found }>();

  useEffect(() => {
    const [, pid, inputs] = JSON.parse(key) as [string, string | null, Array<[string, string, string]>];
    if (inputs.length === 0) return;
    let cancelled = false;
    const locate = ([name, source, digest]: [string, string, string]) =>
      api.data.locate({ name, source, digest, ...(pid ? { projectId: pid } : {}) }).catch(() => null); // no link, no toast
    void Promise.all(inputs.map(locate)).then((refs) => {
      if (!cancelled) setFound({ key, refs });
    });
    return () => {
      cancelled = true;
    };
  }, [key]);

  return found?.key === key ? found.refs : [];
}
