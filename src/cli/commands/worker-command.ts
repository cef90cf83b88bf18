import { Command } from 'commander';
import { startRetention } from '../../engine/retention.js';
import { CliError } from '../cli-error.js';
import { openUmca, type GlobalOptions } from '../open-umca.js';

export function workerCommand(globals: () => GlobalOptions): Command {
  return new Command('worker')
    .description('execute queued runs, without serving the API: start as many as the work needs, on any machine sharing the store and NATS')
    .option('--concurrency <n>', 'runs at once (default from umca.yaml: workers.concurrency, 4)')
    .addHelpText(
      'after',
      '\nNeeds nats.url (or UMCA_NATS_URL) and database_url (or UMCA_DATABASE_URL): a worker on the embedded\nstore and in-process bus would share its runs with nobody. Stop with Ctrl-C or SIGTERM: runs in flight\nstop without ending, and another worker resumes them from their last checkpoint.\n\nExample:\n  UMCA_NATS_URL=nats://127.0.0.1:4222 UMCA_DATABASE_URL=postgres://127.0.0.1/umca npx umca worker --concurrency 8',
    )
    .action(async (options: { concurrency?: string }) => {
      const concurrency = options.concurrency === undefined ? undefined : Number(options.concurrency);
      if (concurrency !== undefined && (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256)) throw new CliError('--concurrency: expected an integer from 1 to 256');
      const log = (message: string, error?: unknown) => process.stderr.write(`umca: ${message}${error instanceof Error ? ` (${error.message})` : ''}\n`);
      const umca = await openUmca(globals(), { log, onBackgroundError: (runId, error) => log(`run ${runId} stopped`, error), ...(concurrency ? { workerConcurrency: concurrency } : {}) });
      if (umca.bus.kind !== 'nats' || umca.store.kind !== 'postgres') {
        await umca.close();
        throw new CliError('umca worker needs nats.url (or UMCA_NATS_URL) and database_url (or UMCA_DATABASE_URL): on the embedded store and bus it would share runs with nobody; use umca serve');
      }
      umca.policy.ready();
      umca.worker.start();
      if (umca.config.retention.archive_events_after_days) startRetention(umca.store, umca.config.retention.archive_events_after_days, log);
      process.stdout.write(`umca worker ${umca.engine.workerId}: ${concurrency ?? umca.config.workers.concurrency} runs at once (store: ${umca.store.kind}, bus: ${umca.bus.kind})\n`);
      const resumed = await umca.engine.requeueUnfinished();
      if (resumed.length) process.stdout.write(`queued ${resumed.length} unfinished run${resumed.length === 1 ? '' : 's'} nobody held\n`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      process.stdout.write('umca worker: stopping; runs in flight resume on another worker\n');
      await umca.close();
    });
}
