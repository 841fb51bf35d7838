import { MldeskError, type FeatureHandlers } from '../../../shared/contract';
import type { EngineContext } from '../context';
import type { Jobs } from '../jobs';
import type { RegistryService } from '../registry';
import type { Tracking } from '../tracking';

// STUB (to be replaced by the containers implementation).
export class Containers {
  constructor(
    readonly ctx: EngineContext,
    readonly deps: { registry: RegistryService; tracking: Tracking; jobs: Jobs },
  ) {}
}

export function createContainers(ctx: EngineContext, deps: { registry: RegistryService; tracking: Tracking; jobs: Jobs }): { service: Containers; handlers: FeatureHandlers<'containers'> } {
  const service = new Containers(ctx, deps);
  const todo = (): never => {
    throw new MldeskError('UNAVAILABLE', 'not implemented yet');
  };
  return { service, handlers: { 'containers.engine': todo, 'containers.images': todo, 'containers.build': todo, 'containers.dockerfile': todo } };
}
