import { MldeskError, type FeatureHandlers } from '../../../shared/contract';
import type { EngineContext } from '../context';
import type { DataService } from '../data';
import type { DeployService } from '../deploy';
import type { Jobs } from '../jobs';
import type { RegistryService } from '../registry';
import type { Tracking } from '../tracking';

export interface MonitorDeps {
  registry: RegistryService;
  tracking: Tracking;
  data: DataService;
  jobs: Jobs;
  deploy: DeployService;
}

// STUB (to be replaced by the monitoring implementation).
export class MonitorService {
  constructor(
    readonly ctx: EngineContext,
    readonly deps: MonitorDeps,
  ) {}
}

export function createMonitor(ctx: EngineContext, deps: MonitorDeps): { service: MonitorService; handlers: FeatureHandlers<'monitor'>; dispose?: () => Promise<void> } {
  const service = new MonitorService(ctx, deps);
  const todo = (): never => {
    throw new MldeskError('UNAVAILABLE', 'not implemented yet');
  };
  return {
    service,
    handlers: {
      'monitor.datasetDrift': todo,
      'monitor.overview': todo,
      'monitor.distribution': todo,
      'monitor.configure': todo,
      'monitor.rules': todo,
      'monitor.setRules': todo,
      'monitor.alerts': todo,
      'monitor.updateAlert': todo,
      'monitor.grafana': todo,
    },
  };
}
