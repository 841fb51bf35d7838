/**
 * Where an MLflow dataset source points: `{"uri": "data/train.csv"}` → `data/train.csv` (also `path`,
 * `url`, `table_name`); anything else is returned as is. Used to show a run's inputs and to find the
 * dataset version they name.
 */
export function datasetLocation(source: string): string {
  try {
    const v = JSON.parse(source) as unknown;
    if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      for (const k of ['uri', 'path', 'url', 'table_name']) if (typeof o[k] === 'string') return o[k];
    }
  } catch {
    /* not JSON */
  }
  return source;
}
