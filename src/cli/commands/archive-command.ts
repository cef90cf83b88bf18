import { Command } from 'commander';
import { archiveEndedBefore } from '../../engine/retention.js';
import { CliError } from '../cli-error.js';
import { withUmca, type GlobalOptions } from '../open-umca.js';

export function archiveCommand(globals: () => GlobalOptions): Command {
  return new Command('archive')
    .description("compress the events of runs that ended (completed, failed, cancelled) long enough ago into one archive row each; they stay readable and verifiable")
    .option('--older-than <days>', 'runs that ended more than this many days ago (default: retention.archive_events_after_days)')
    .option('--json', 'print the archived run ids as JSON')
    .addHelpText('after', '\n`umca serve` and `umca worker` do this every hour when retention.archive_events_after_days is set.\n\nExample:\n  npx umca archive --older-than 30')
    .action(async (options: { olderThan?: string; json?: boolean }) => {
      await withUmca(globals(), async (umca) => {
        const days = options.olderThan === undefined ? umca.config.retention.archive_events_after_days : Number(options.olderThan);
        if (days === undefined) throw new CliError('--older-than: give a number of days (or set retention.archive_events_after_days)');
        if (!Number.isFinite(days) || days < 0) throw new CliError('--older-than: expected a number of days, 0 or more');
        const before = new Date(Date.now() - days * 24 * 60 * 60 * 1000).toISOString();
        let count = 0;
        const archived = await archiveEndedBefore(umca.store, before, (batch) => {
          count += batch.length;
          if (!options.json && process.stderr.isTTY) process.stderr.write(`\rarchived ${count} runs…`);
        });
        if (options.json) process.stdout.write(`${JSON.stringify(archived)}\n`);
        else process.stdout.write(`${process.stderr.isTTY ? '\r' : ''}archived the events of ${archived.length} run${archived.length === 1 ? '' : 's'} that ended before ${before.slice(0, 10)}\n`);
      });
    });
}
