import { Command } from 'commander';
import { newApiKey } from '../../identity/api-key-authenticator.js';
import { isRole, ROLES } from '../../core/principal.js';
import { CliError } from '../cli-error.js';
import { EXIT } from '../exit-codes.js';
import { withUmca, type GlobalOptions } from '../open-umca.js';

/**
 * `umca keys create|list|revoke`: API keys for `auth.mode: token`. Works on the state dir
 * directly (whoever can read UMCA_HOME is its admin); the secret is shown once, stored hashed.
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
      const key = newApiKey();
      await withUmca(globals(), async (umca) => {
        const record = await umca.store.createApiKey({ id: key.id, name: options.name, role: options.role, secretSha256: key.secretSha256 });
        if (options.json) {
          process.stdout.write(`${JSON.stringify({ ...record, key: key.token })}\n`);
          return;
        }
        process.stdout.write(`${key.token}\n`);
        process.stderr.write(`key ${record.id} (${record.role}, "${record.name}") created; the secret above is shown only now\n`);
      });
    });

  keys
    .command('list')
    .description('every key, revoked ones included (never their secrets)')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      await withUmca(globals(), async (umca) => {
        const all = await umca.store.listApiKeys();
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
      await withUmca(globals(), async (umca) => {
        const revoked = await umca.store.revokeApiKey(id);
        if (!revoked) throw new CliError(`no API key ${id} (see umca keys list)`, EXIT.usage);
        process.stdout.write(options.json ? `${JSON.stringify(revoked)}\n` : `key ${revoked.id} revoked at ${revoked.revoked_at}\n`);
      });
    });

  return keys;
}
