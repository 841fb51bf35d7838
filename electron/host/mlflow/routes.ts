import type { MlflowRoute } from './router';
import { trackingRoutes } from './trackingRoutes';
import { registryRoutes } from './registryRoutes';
import { loggedModelRoutes } from './loggedModelRoutes';

/** Every MLflow REST endpoint mldesk serves. */
export const mlflowRoutes: MlflowRoute[] = [...trackingRoutes, ...registryRoutes, ...loggedModelRoutes];
