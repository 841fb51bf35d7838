// Public programmatic surface of the package (`require('mldesk')` → dist/lib.js).
export { startServer, type ServeOptions, type Served } from './serve';
export { Engine } from '../core/engine';
export { MldeskError } from '../../shared/contract/errors';
export { TrackingClient, TrackingError } from '../../shared/lib/trackingClient';
