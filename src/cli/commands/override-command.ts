import { Command } from 'commander';
import { LOCAL_PRINCIPAL } from '../../core/principal.js';
import type { GlobalOptions } from '../open-umca.js';
import { withSession } from '../open-session.js';
import { executeAndWatch, followAndWatch } from '../watch-run.js';

export function overrideCommand(globals: () => GlobalOptions): Command {
  return new Command('override')
    .description("let a blocked run go on past the gate that blocked it, with a reason on the log; then continue it live")
    .argument('<run-id>', 'the blocked run')
    .requiredOption('-r, --reason <text>', 'why the block is overridden (recorded with your name)')
    .option('--json', 'print the new events as JSON lines')
    .addHelpText(
      'after',
      '\nThe override is a policy decision (override-gate on the gate that blocked) and a\ngate.overridden event. Runs on a local state dir are overridden as user:local (admin);\nagainst a server use POST /v1/runs/<id>/override with an operator key.\n\nExample:\n  npx umca override 6f0c… --reason "the missing requirement is covered by the existing tests"',
    )
    .action(async (runId: string, options: { reason: string; json?: boolean }) => {
      await withSession(globals(), async ({ runs, local }) => {
        // Show from the override on: the decision, the gate.overridden event, then the run.
        const watch = (reopened: { last_seq: number }) => ({ json: options.json ?? false, afterSeq: reopened.last_seq - 2 });
        if (local) {
          const reopened = await local.runs.for(LOCAL_PRINCIPAL).overrideHere(runId, options.reason);
          process.exitCode = await executeAndWatch(local, reopened, watch(reopened));
        } else {
          const reopened = await runs.override(runId, options.reason);
          process.exitCode = await followAndWatch(runs, reopened, watch(reopened));
        }
      });
    });
}
