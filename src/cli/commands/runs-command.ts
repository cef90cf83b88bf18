import { Command } from 'commander';
import type { EventDataOf } from '../../core/events.js';
import { RUN_STATUSES, type RunRecord, type RunStatus } from '../../core/run.js';
import { CliError } from '../cli-error.js';
import type { GlobalOptions } from '../open-umca.js';
import { withSession } from '../open-session.js';
import { formatMs } from '../progress-renderer.js';

const STATUSES: readonly RunStatus[] = RUN_STATUSES;

export function runsCommand(globals: () => GlobalOptions): Command {
  const runs = new Command('runs').description('list runs, or show one');

  runs
    .command('list', { isDefault: true })
    .description('list runs, newest first')
    .option('-s, --status <status>', `only runs with this status (${STATUSES.join(', ')})`)
    .option('-n, --limit <n>', 'how many', '20')
    .option('--json', 'print JSON')
    .action(async (options: { status?: string; limit: string; json?: boolean }) => {
      if (options.status !== undefined && !STATUSES.includes(options.status as RunStatus)) {
        throw new CliError(`--status: expected one of ${STATUSES.join(', ')}`);
      }
      const limit = Number(options.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new CliError('--limit: expected an integer from 1 to 500');
      await withSession(globals(), async ({ runs }) => {
        const { data: list } = await runs.list({ limit, ...(options.status ? { status: options.status as RunStatus } : {}) });
        if (options.json) {
          process.stdout.write(`${JSON.stringify(list)}\n`);
          return;
        }
        if (list.length === 0) {
          process.stdout.write('no runs yet: npx umca run --model scripted:demo\n');
          return;
        }
        for (const run of list) process.stdout.write(`${summary(run)}\n`);
      });
    });

  runs
    .command('show')
    .description('one run: status, steps, artifacts')
    .argument('<run-id>', 'the run')
    .option('--json', 'print JSON')
    .action(async (runId: string, options: { json?: boolean }) => {
      await withSession(globals(), async ({ runs }) => {
        const { artifacts, ...run } = await runs.get(runId);
        const events = await runs.events(runId);
        if (options.json) {
          process.stdout.write(`${JSON.stringify({ ...run, artifacts })}\n`);
          return;
        }
        const lines = [
          `run      ${run.id}`,
          `status   ${run.status}${run.reason ? ` — ${run.reason}` : ''}`,
          `model    ${run.model}`,
          `created  ${run.created_at}`,
          `events   ${run.last_seq}`,
          `spec     ${run.spec.split('\n')[0]}`,
          'steps',
        ];
        const verdicts = new Map<string, EventDataOf<'gate.decision'>>();
        for (const event of events) {
          if (event.type === 'gate.decision') verdicts.set(event.data.step, event.data);
          if (event.type === 'step.completed') {
            const verdict = verdicts.get(event.data.step);
            if (!verdict) lines.push(`  ✓ ${event.data.step} ${formatMs(event.data.duration_ms)}`);
            else lines.push(`  ${verdict.decision === 'pass' ? '✓' : '■'} gate ${verdict.gate} ${verdict.decision === 'pass' ? 'passed' : 'blocked'}${verdict.score === undefined ? '' : ` (score ${verdict.score})`}${verdict.reasons.length ? ` — ${verdict.reasons.join('; ')}` : ''}`);
          }
          if (event.type === 'step.failed') lines.push(`  ✗ ${event.data.step}: ${event.data.error.message}`);
          if (event.type === 'gate.overridden') lines.push(`  ↷ gate ${event.data.gate} overridden by ${event.data.by}: ${event.data.reason}`);
        }
        lines.push(artifacts.length ? 'artifacts' : 'artifacts none');
        for (const artifact of artifacts) lines.push(`  ${artifact.path} (${artifact.size} B, sha256 ${artifact.sha256.slice(0, 12)})`);
        process.stdout.write(`${lines.join('\n')}\n`);
      });
    });
  return runs;
}

function summary(run: RunRecord): string {
  const spec = run.spec.replace(/\s+/g, ' ');
  return `${run.id}  ${run.status.padEnd(9)}  ${run.created_at.slice(0, 19).replace('T', ' ')}  ${run.model}  ${spec.length > 50 ? `${spec.slice(0, 49)}…` : spec}`;
}
