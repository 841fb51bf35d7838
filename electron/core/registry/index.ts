export { RegistryService, canonicalStage, parseVersion } from './service';
export * from './types';
