import { Command } from 'commander';
import { isLoopbackHost } from '../../identity/local-authenticator.js';
import { createHttpServer } from '../../server/http-server.js';
import { startRetention } from '../../engine/retention.js';
import { CliError } from '../cli-error.js';
import { EXIT } from '../exit-codes.js';
import { openUmca, type GlobalOptions } from '../open-umca.js';
import { forgetServer, localUrl, newLocalAdminToken, recordServer } from '../running-server.js';

interface ServeOptions {
  host?: string;
  port?: string;
  /** Commander's name for --no-worker. */
  worker: boolean;
}

export function serveCommand(globals: () => GlobalOptions): Command {
  return new Command('serve')
    .description('serve the HTTP API (runs, live events over SSE, artifacts, verify) and execute runs')
    .option('--host <host>', 'address to bind (default from umca.yaml: 127.0.0.1)')
    .option('-p, --port <port>', 'port (default from umca.yaml: 7070)')
    .option('--no-worker', 'serve the API only; runs execute on `umca worker` processes sharing the store and NATS')
    .addHelpText('after', '\nWith nats.url (or UMCA_NATS_URL) and database_url (or UMCA_DATABASE_URL), any number of `umca serve`\nand `umca worker` processes share the runs (docs/scaling.md).')
    .action(async (options: ServeOptions) => {
      const port = options.port === undefined ? undefined : Number(options.port);
      if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65_535)) throw new CliError('--port: expected an integer from 0 to 65535');
      const log = (message: string, error?: unknown) =>
        process.stderr.write(`umca: ${message}${error instanceof Error && error.message && !message.includes(error.message) ? ` (${error.message})` : ''}\n`);
      // The CLI beside this server authenticates with this token, which only the state dir's owner can read.
      const localAdminToken = newLocalAdminToken();
      const umca = await openUmca(globals(), { onBackgroundError: (runId, error) => log(`run ${runId} stopped`, error), log, localAdminToken });
      const host = options.host ?? umca.config.server.host;
      if (umca.config.auth.mode === 'local' && !isLoopbackHost(host)) {
        await umca.close();
        throw new CliError(`auth.mode: local (no authentication) is only allowed on a loopback address, not ${host}; set auth.mode: token and create keys with \`umca keys create\`, or configure auth.oidc`, EXIT.usage);
      }
      try {
        umca.policy.ready(); // a policy file that does not parse or validate stops start-up here
      } catch (error) {
        await umca.close();
        throw error;
      }
      const server = createHttpServer(umca, { log });
      server.listen(port ?? umca.config.server.port, host);
      try {
        await new Promise<void>((resolve, reject) => {
          server.once('listening', resolve);
          server.once('error', reject);
        });
      } catch (error) {
        await umca.close();
        const code = (error as NodeJS.ErrnoException).code;
        throw new CliError(`cannot listen on ${host}:${port ?? umca.config.server.port}: ${code ?? (error as Error).message}`);
      }
      const address = server.address();
      const bound = typeof address === 'object' && address ? address.port : port;
      // The embedded store is this process's alone: other commands on this state dir talk to it instead.
      const holdsStateDir = !umca.config.database_url;
      if (holdsStateDir) recordServer(umca.config.home, { url: localUrl(host, bound ?? umca.config.server.port), token: localAdminToken });
      process.stdout.write(`umca listening on http://${host.includes(':') ? `[${host}]` : host}:${bound} (store: ${umca.store.kind}, bus: ${umca.bus.kind}${options.worker ? `, worker: ${umca.config.workers.concurrency} at once` : ', no worker'})\n`);

      if (options.worker) {
        umca.worker.start();
        if (umca.config.retention.archive_events_after_days) startRetention(umca.store, umca.config.retention.archive_events_after_days, log);
        const resumed = await umca.engine.requeueUnfinished();
        if (resumed.length > 0) process.stdout.write(`resuming ${resumed.length} unfinished run${resumed.length === 1 ? '' : 's'}: ${resumed.join(', ')}\n`);
      }

      await new Promise<void>((resolve) => {
        const stop = () => {
          process.stdout.write('umca: shutting down; unfinished runs resume on the next start\n');
          server.close();
          // SSE streams are long-lived; end them so close() can finish.
          (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
          resolve();
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      if (holdsStateDir) forgetServer(umca.config.home);
      await umca.close();
    });
}
