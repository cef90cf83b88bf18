import { Command } from 'commander';
import { CliError } from '../cli-error.js';
import type { GlobalOptions } from '../open-umca.js';
import { withSession } from '../open-session.js';

export function usageCommand(globals: () => GlobalOptions): Command {
  return new Command('usage')
    .description('model calls, tokens and spend, per model or per day')
    .option('--by <group>', 'model or day', 'model')
    .option('--since <time>', 'from this ISO-8601 date or time')
    .option('--until <time>', 'until this ISO-8601 date or time')
    .option('--json', 'print JSON')
    .action(async (options: { by: string; since?: string; until?: string; json?: boolean }) => {
      if (options.by !== 'model' && options.by !== 'day') throw new CliError('--by: expected model or day');
      const since = time(options.since, '--since');
      const until = time(options.until, '--until');
      await withSession(globals(), async ({ usage }) => {
        const totals = await usage.totals({ group_by: options.by as 'model' | 'day', ...(since ? { since } : {}), ...(until ? { until } : {}) });
        if (options.json) {
          process.stdout.write(`${JSON.stringify(totals)}\n`);
          return;
        }
        if (totals.length === 0) {
          process.stdout.write('no model calls recorded yet\n');
          return;
        }
        const width = Math.max(5, ...totals.map((t) => t.key.length));
        process.stdout.write(`${options.by.padEnd(width)}  requests  errors  cached  tokens in  tokens out   cost USD\n`);
        for (const t of totals) {
          process.stdout.write(
            `${t.key.padEnd(width)}  ${String(t.requests).padStart(8)}  ${String(t.errors).padStart(6)}  ${String(t.cached).padStart(6)}  ${String(t.input_tokens).padStart(9)}  ${String(t.output_tokens).padStart(10)}  ${t.cost_usd.toFixed(6).padStart(9)}\n`,
          );
        }
      });
    });
}

function time(value: string | undefined, flag: string): string | undefined {
  if (value === undefined) return undefined;
  const parsed = Date.parse(value);
  if (Number.isNaN(parsed)) throw new CliError(`${flag}: expected an ISO-8601 date or time`);
  return new Date(parsed).toISOString();
}
