import { z } from 'zod';
import { method } from './define';

const userName = z.string().trim().min(1).max(64);
const userRole = z.enum(['viewer', 'member', 'admin']);
const user = z.object({ name: z.string(), role: userRole, created_at: z.number(), revoked_at: z.number().nullable() });

/** Team-server users (`mldesk users …` and Settings): tokens are shown once and stored hashed. */
export const usersMethods = {
  list: method('Users of this server with their roles (never their tokens).', z.object({}).strict().default({}), z.array(user), 'admin'),
  add: method(
    'Add a user with a role; returns the token once.',
    z.object({ name: userName, role: userRole }).strict(),
    z.object({ name: z.string(), role: userRole, token: z.string() }),
    'admin',
  ),
  revoke: method('Revoke a user’s token.', z.object({ name: userName }).strict(), z.object({ ok: z.literal(true) }), 'admin'),
  whoami: method('The caller’s user name and role.', z.object({}).strict().default({}), z.object({ name: z.string(), role: z.enum(['viewer', 'member', 'admin', 'owner']) }), 'viewer'),
};
