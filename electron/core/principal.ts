import { AsyncLocalStorage } from 'node:async_hooks';
import { OWNER, roleAllows, type Principal, type Role } from '../../shared/contract/roles';

/**
 * The caller of the work in progress, carried through async calls so services (audit log, path confinement)
 * know who asked without every function taking a parameter. Outside a host request it is the owner
 * (CLI commands, the desktop app, the engine's own background work).
 */
const store = new AsyncLocalStorage<Principal>();

export function runAs<T>(principal: Principal, fn: () => T): T {
  return store.run(principal, fn);
}

export function currentPrincipal(): Principal {
  return store.getStore() ?? OWNER;
}

/** True when the caller has at least `role`. */
export function callerIs(role: Role): boolean {
  return roleAllows(currentPrincipal().role, role);
}
