export { RegistryService, canonicalStage, parseVersion } from './service';
export * from './types';
export { modelsHandlers, modelLineage } from './lineage';
