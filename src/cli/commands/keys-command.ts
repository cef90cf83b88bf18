import { Command } from 'commander';
import { isRole, ROLES, type Role } from '../../core/principal.js';
import { CliError } from '../cli-error.js';
import type { GlobalOptions } from '../open-umca.js';
import { withSession } from '../open-session.js';

/**
 * `umca keys create|list|revoke`: API keys for `auth.mode: token`. Works on the state dir
 * (whoever can read UMCA_HOME is its admin), or through the `umca serve` that holds it; the
 * secret is shown once, stored hashed.
 */
export function keysCommand(globals: () => GlobalOptions): Command {
  const keys = new Command('keys').description('API keys for callers of `umca serve` (auth.mode: token)');

  keys
    .command('create')
    .description('create a key; its secret is printed once and stored only as a hash')
    .requiredOption('--role <role>', `what the key may do: ${ROLES.join(', ')}`)
    .option('--name <name>', 'a label to tell keys apart', 'unnamed')
    .option('--json', 'print JSON')
    .action(async (options: { role: string; name: string; json?: boolean }) => {
      if (!isRole(options.role)) throw new CliError(`--role: expected one of ${ROLES.join(', ')}, got "${options.role}"`);
      await withSession(globals(), async ({ keys }) => {
        const created = await keys.create({ role: options.role as Role, name: options.name });
        if (options.json) {
          process.stdout.write(`${JSON.stringify(created)}\n`);
          return;
        }
        process.stdout.write(`${created.key}\n`);
        process.stderr.write(`key ${created.id} (${created.role}, "${created.name}") created; the secret above is shown only now\n`);
      });
    });

  keys
    .command('list')
    .description('every key, revoked ones included (never their secrets)')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      await withSession(globals(), async ({ keys }) => {
        const all = await keys.list();
        if (options.json) {
          process.stdout.write(`${JSON.stringify(all)}\n`);
          return;
        }
        if (all.length === 0) {
          process.stdout.write('no API keys yet: umca keys create --role runner\n');
          return;
        }
        for (const k of all) process.stdout.write(`${k.id}  ${k.role.padEnd(8)}  ${k.revoked_at ? `revoked ${k.revoked_at}` : `active since ${k.created_at}`}  ${k.name}\n`);
      });
    });

  keys
    .command('revoke')
    .description('revoke a key at once; requests with it get 401 revoked_api_key')
    .argument('<id>', 'the key id (the 12 hex characters after umca_)')
    .option('--json', 'print JSON')
    .action(async (id: string, options: { json?: boolean }) => {
      await withSession(globals(), async ({ keys }) => {
        const revoked = await keys.revoke(id);
        process.stdout.write(options.json ? `${JSON.stringify(revoked)}\n` : `key ${revoked.id} revoked at ${revoked.revoked_at}\n`);
      });
    });

  return keys;
}
