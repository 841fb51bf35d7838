import { createHash, randomBytes } from 'node:crypto';
import { MldeskError } from '../../../shared/contract/errors';
import type { Principal, Role } from '../../../shared/contract/roles';
import type { EngineContext } from '../context';

export type UserRole = Exclude<Role, 'owner'>;

export interface UserRow {
  name: string;
  role: UserRole;
  created_at: number;
  revoked_at: number | null;
}

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;
/** Tokens are 256 random bits, so a plain SHA-256 is a sound way to store them (no dictionary to guess from). */
const hashToken = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

/** Team-server users: a name, a role, and a token shown once and stored hashed. */
export class Users {
  constructor(private readonly ctx: EngineContext) {}

  private get db() {
    return this.ctx.store.db;
  }

  /** Creates a user (or replaces a revoked one) and returns its token — the only time it is visible. */
  add(name: string, role: UserRole): { name: string; role: UserRole; token: string } {
    if (!NAME_RE.test(name)) throw new MldeskError('INVALID_INPUT', 'User names are 1–64 letters, digits, ".", "_", "@" or "-", starting with a letter or digit');
    const existing = this.db.prepare('SELECT revoked_at FROM users WHERE name = ?').get(name) as { revoked_at: number | null } | undefined;
    if (existing && existing.revoked_at === null) throw new MldeskError('ALREADY_EXISTS', `User "${name}" already exists (revoke it first to issue a new token)`);
    const token = `mld_${randomBytes(32).toString('base64url')}`;
    this.db
      .prepare('INSERT INTO users (name, role, token_hash, created_at, revoked_at) VALUES (?, ?, ?, ?, NULL) ON CONFLICT(name) DO UPDATE SET role = excluded.role, token_hash = excluded.token_hash, created_at = excluded.created_at, revoked_at = NULL')
      .run(name, role, hashToken(token), Date.now());
    this.ctx.audit('users.add', name, { role });
    return { name, role, token };
  }

  list(): UserRow[] {
    return this.db.prepare('SELECT name, role, created_at, revoked_at FROM users ORDER BY name').all() as UserRow[];
  }

  revoke(name: string): void {
    const r = this.db.prepare('UPDATE users SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL').run(Date.now(), name);
    if (r.changes === 0) throw new MldeskError('NOT_FOUND', `No active user "${name}"`);
    this.ctx.audit('users.revoke', name);
  }

  /** True when at least one user can sign in (a server bound off loopback may then run without --token). */
  hasActive(): boolean {
    return this.db.prepare('SELECT 1 FROM users WHERE revoked_at IS NULL LIMIT 1').get() !== undefined;
  }

  /** The user a bearer token belongs to, if any and not revoked. */
  authenticate(token: string): Principal | null {
    const row = this.db.prepare('SELECT name, role FROM users WHERE token_hash = ? AND revoked_at IS NULL').get(hashToken(token)) as
      | { name: string; role: UserRole }
      | undefined;
    return row ? { name: row.name, role: row.role } : null;
  }
}
