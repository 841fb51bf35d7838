import type { FeatureHandlers } from '../../../shared/contract';
import type { EngineContext } from '../context';
import { TargetsService, type TargetsDeps, type TargetsOptions } from './service';

export type { TargetConnection, TargetsApi, RegistryAuth } from './api';
export { TargetsService, type TargetsDeps, type TargetsOptions } from './service';
export { parseQuantity } from './kubeTest';
export { parseDockerHost, loadKubeConfig, secretName } from './config';

/**
 * Deployment targets: the local engine, remote Docker engines (TLS or SSH), Swarm managers and Kubernetes contexts.
 * Other features use `service.connect(name)` (TargetsApi); the UI and CLI use the `targets.*` methods.
 */
export function createTargets(ctx: EngineContext, deps: TargetsDeps, opts: TargetsOptions = {}): { service: TargetsService; handlers: FeatureHandlers<'targets'> } {
  const service = new TargetsService(ctx, deps, opts);
  const handlers: FeatureHandlers<'targets'> = {
    'targets.list': () => service.list(),
    'targets.get': ({ name }) => service.get(name),
    'targets.add': (input) => service.add(input),
    'targets.test': (arg) => service.test(arg),
    'targets.remove': ({ name }) => (service.remove(name), { ok: true as const }),
  };
  return { service, handlers };
}
