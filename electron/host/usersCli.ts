import { Engine } from '../core/engine';
import { DataUsageError, dataDirOf, parseCli, subcommandUsage, type Subcommand } from './cliCommon';

/** `mldesk users …`: the team server's users (run on the server's machine, as its owner). */
export const USERS_SUBCOMMANDS: readonly Subcommand[] = [
  { name: 'add', synopsis: '<name> --role viewer|member|admin [--data-dir DIR]', summary: 'add a user; prints its token once (stored hashed)' },
  { name: 'list', synopsis: '[--json] [--data-dir DIR]', summary: 'users with their roles (never their tokens)' },
  { name: 'revoke', synopsis: '<name> [--data-dir DIR]', summary: 'revoke a user’s token (its requests get 401 from then on)' },
];

export const USERS_USAGE = subcommandUsage('users', USERS_SUBCOMMANDS);

export async function usersCommand(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  const { values: v, positionals: pos } = parseCli(rest, { role: { type: 'string' }, json: { type: 'boolean' }, 'data-dir': { type: 'string' } });
  const need = (n: number, what: string) => {
    if (pos.length !== n) throw new DataUsageError(`mldesk users ${sub}: expected ${what}`);
  };
  if (!USERS_SUBCOMMANDS.some((s) => s.name === sub)) throw new DataUsageError(`mldesk users: unknown subcommand "${sub}"`);
  if (sub === 'add') {
    need(1, '<name>');
    if (v.role !== 'viewer' && v.role !== 'member' && v.role !== 'admin') throw new DataUsageError('mldesk users add: --role must be viewer, member or admin');
  } else if (sub === 'revoke') need(1, '<name>');
  else need(0, 'no arguments');
  const engine = new Engine({ dataDir: dataDirOf(v), host: 'web' });
  try {
    if (sub === 'add') {
      const u = engine.users.add(pos[0]!, v.role as 'viewer' | 'member' | 'admin');
      console.log(`Added ${u.name} (${u.role}). Token, shown only now:\n\n  ${u.token}\n\nClients send "Authorization: Bearer <token>"; browsers open http://<server>/?token=<token> once.`);
    } else if (sub === 'revoke') {
      engine.users.revoke(pos[0]!);
      console.log(`Revoked ${pos[0]}.`);
    } else {
      const users = engine.users.list();
      if (v.json) console.log(JSON.stringify(users, null, 2));
      else if (users.length === 0) console.log('No users yet: `mldesk users add <name> --role viewer|member|admin`.');
      else for (const u of users) console.log(`${u.name.padEnd(24)} ${u.role.padEnd(7)} ${u.revoked_at ? `revoked ${new Date(u.revoked_at).toISOString()}` : `since ${new Date(u.created_at).toISOString()}`}`);
    }
  } finally {
    await engine.close();
  }
  return 0;
}
