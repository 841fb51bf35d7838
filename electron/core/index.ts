export { Engine, type EngineOptions, type Handlers } from './engine';
export { defaultDataDir, resolveUserPath } from './paths';
export { VERSION } from './version';
