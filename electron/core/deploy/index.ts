import { MldeskError, type FeatureHandlers } from '../../../shared/contract';
import type { EngineContext } from '../context';
import type { Containers } from '../containers';
import type { DataService } from '../data';
import type { Jobs } from '../jobs';
import type { RegistryService } from '../registry';
import type { Tracking } from '../tracking';

export interface DeployDeps {
  registry: RegistryService;
  tracking: Tracking;
  data: DataService;
  jobs: Jobs;
  containers: Containers;
}

// STUB (to be replaced by the deploy implementation).
export class DeployService {
  constructor(
    readonly ctx: EngineContext,
    readonly deps: DeployDeps,
  ) {}
}

export function createDeploy(ctx: EngineContext, deps: DeployDeps): { service: DeployService; handlers: FeatureHandlers<'deploy'>; dispose?: () => Promise<void> } {
  const service = new DeployService(ctx, deps);
  const todo = (): never => {
    throw new MldeskError('UNAVAILABLE', 'not implemented yet');
  };
  return {
    service,
    handlers: {
      'deploy.plan': todo,
      'deploy.apply': todo,
      'deploy.list': todo,
      'deploy.get': todo,
      'deploy.logs': todo,
      'deploy.stats': todo,
      'deploy.control': todo,
      'deploy.remove': todo,
      'deploy.example': todo,
      'deploy.invoke': todo,
    },
  };
}
