import { Command } from 'commander';
import { FINAL_STATUSES } from '../../core/run.js';
import { CliError } from '../cli-error.js';
import { exitCodeFor } from '../exit-codes.js';
import { withUmca, type GlobalOptions } from '../open-umca.js';
import { executeAndWatch } from '../watch-run.js';

export function resumeCommand(globals: () => GlobalOptions): Command {
  return new Command('resume')
    .description('continue an unfinished run from its last checkpoint (finished steps are not run again)')
    .argument('<run-id>', 'the run to resume')
    .option('--json', 'print the new events as JSON lines')
    .action(async (runId: string, options: { json?: boolean }) => {
      await withUmca(globals(), async (umca) => {
        const run = await umca.store.getRun(runId);
        if (!run) throw new CliError(`run ${runId} not found`);
        if (FINAL_STATUSES.has(run.status)) {
          process.stderr.write(`run ${runId} is already ${run.status}; nothing to resume\n`);
          process.exitCode = exitCodeFor(run.status);
          return;
        }
        process.exitCode = await executeAndWatch(umca, run, { json: options.json ?? false, afterSeq: run.last_seq });
      });
    });
}
