/**
 * Who may call what. The desktop user (and a loopback server without users) is the `owner`; a team server
 * gives each named user one role. Each role includes the ones before it.
 * - viewer: read everything the server shows (runs, models, data inside registered projects)
 * - member: + log runs, tag, register models, save views
 * - admin:  + launch processes, open/create projects, deploy, manage targets and users
 * - owner:  the local desktop user; everything
 */
export const ROLES = ['viewer', 'member', 'admin', 'owner'] as const;
export type Role = (typeof ROLES)[number];

export function roleAllows(have: Role, need: Role): boolean {
  return ROLES.indexOf(have) >= ROLES.indexOf(need);
}

export interface Principal {
  /** User name (`owner` for the desktop user, `admin` for the single --token). */
  name: string;
  role: Role;
}

export const OWNER: Principal = { name: 'owner', role: 'owner' };
