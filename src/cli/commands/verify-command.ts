import { Command } from 'commander';
import { verifyChain } from '../../core/hash-chain.js';
import { CliError } from '../cli-error.js';
import { withUmca, type GlobalOptions } from '../open-umca.js';

export function verifyCommand(globals: () => GlobalOptions): Command {
  return new Command('verify')
    .description("re-compute a run's hash chain; exit 0 when intact, 1 naming the first broken seq")
    .argument('<run-id>', 'the run to check')
    .option('--json', 'print the verdict as JSON')
    .action(async (runId: string, options: { json?: boolean }) => {
      await withUmca(globals(), async (umca) => {
        if (!(await umca.store.getRun(runId))) throw new CliError(`run ${runId} not found`);
        const verdict = verifyChain(await umca.store.readEvents(runId));
        if (options.json) process.stdout.write(`${JSON.stringify({ run_id: runId, ...verdict })}\n`);
        else if (verdict.ok) process.stdout.write(`chain intact: ${verdict.events} events, head ${verdict.head}\n`);
        else process.stdout.write(`chain broken at seq ${verdict.broken_seq}: ${verdict.reason}\n`);
        process.exitCode = verdict.ok ? 0 : 1;
      });
    });
}
