/** Kubernetes as a deploy target (issue 14, item 4): manifests, validation, the backend, Helm export. */
export { KubernetesBackend, type KubernetesBackendOptions, type JobState } from './backend';
export { KubeClient, FIELD_MANAGER, kubeError } from './client';
export {
  manifestsFor,
  jobManifest,
  dnsLabel,
  serviceName,
  labelValue,
  KLABEL,
  KANNOTATION,
  CONTAINER_PORT,
  type Manifest,
  type JobSpec,
} from './manifests';
export { validateManifest, validateManifests, manifestsToApply, adoptEdited, jobFor, type ManifestIssue } from './validate';
export { helmChart, helmValues, packChart, type HelmChart } from './helm';
export { rolloutView, type RolloutView } from './rollout';
