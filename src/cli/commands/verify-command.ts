import { Command } from 'commander';
import type { GlobalOptions } from '../open-umca.js';
import { withSession } from '../open-session.js';

export function verifyCommand(globals: () => GlobalOptions): Command {
  return new Command('verify')
    .description("re-compute a run's hash chain; exit 0 when intact, 1 naming the first broken seq")
    .argument('<run-id>', 'the run to check')
    .option('--json', 'print the verdict as JSON')
    .action(async (runId: string, options: { json?: boolean }) => {
      await withSession(globals(), async ({ runs }) => {
        const verdict = await runs.verify(runId);
        if (options.json) process.stdout.write(`${JSON.stringify(verdict)}\n`);
        else if (verdict.ok) process.stdout.write(`chain intact: ${verdict.events} events, head ${verdict.head}\n`);
        else process.stdout.write(`chain broken at seq ${verdict.broken_seq}: ${verdict.reason}\n`);
        process.exitCode = verdict.ok ? 0 : 1;
      });
    });
}
