import { invalidParam } from '../../core/tracking/errors';

/**
 * Every MLflow paging size: a positive integer (MLflow's `_validate_max_results_param` message). Upper bounds are
 * each service's own (they differ per endpoint, as in MLflow).
 */
export function checkMaxResults<T extends number | undefined>(n: T): T {
  if (n !== undefined && n < 1) throw invalidParam(`Invalid value ${n} for parameter 'max_results' supplied. It must be a positive integer`);
  return n;
}
