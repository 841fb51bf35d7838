export { RegistryService, canonicalStage, parseVersion } from './service';
export * from './types';
export { modelsHandlers, modelLineage, addLineageExtra, type LineageExtra } from './lineage';
