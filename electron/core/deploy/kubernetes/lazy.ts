import type * as K8s from '@kubernetes/client-node';

/**
 * @kubernetes/client-node (~1.2 s) and the kubernetes-models schemas (~0.6 s) load on first use: every `mldesk`
 * command and the app's start would pay for them otherwise, and most never talk to a cluster.
 */
let client: typeof K8s | null = null;
export function k8s(): typeof K8s {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (client ??= require('@kubernetes/client-node') as typeof K8s);
}

interface Validatable {
  validate(): void;
}
export type ModelCtor = new (data: never) => Validatable;

let models: Record<string, ModelCtor> | null = null;
/** The schema classes by "apiVersion kind". */
export function schemaModels(): Record<string, ModelCtor> {
  /* eslint-disable @typescript-eslint/no-require-imports */
  return (models ??= {
    'apps/v1 Deployment': (require('kubernetes-models/apps/v1') as { Deployment: ModelCtor }).Deployment,
    'v1 Service': (require('kubernetes-models/v1') as { Service: ModelCtor }).Service,
    'networking.k8s.io/v1 Ingress': (require('kubernetes-models/networking.k8s.io/v1') as { Ingress: ModelCtor }).Ingress,
    'autoscaling/v2 HorizontalPodAutoscaler': (require('kubernetes-models/autoscaling/v2') as { HorizontalPodAutoscaler: ModelCtor }).HorizontalPodAutoscaler,
    'batch/v1 Job': (require('kubernetes-models/batch/v1') as { Job: ModelCtor }).Job,
  });
  /* eslint-enable @typescript-eslint/no-require-imports */
}
