import type { MlflowRoute } from './router';
import { trackingRoutes } from './trackingRoutes';

/** Every MLflow REST endpoint mldesk serves. */
export const mlflowRoutes: MlflowRoute[] = [...trackingRoutes];
