export { RegistryService, canonicalStage, parseVersion } from './service';
export * from './types';
export { modelsHandlers, modelLineage, trainingDataset, addLineageExtra, type LineageExtra } from './lineage';
