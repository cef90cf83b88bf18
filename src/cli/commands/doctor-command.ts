import { Command } from 'commander';
import { loadConfig } from '../../core/load-config.js';
import { diagnose } from '../doctor.js';
import type { GlobalOptions } from '../open-umca.js';

export function doctorCommand(globals: () => GlobalOptions): Command {
  return new Command('doctor')
    .description('what this umca can run on: each provider asked for its models, an Ollama found unconfigured, API keys in the environment, the sandboxes — and what to do about each gap')
    .option('--json', 'print the report as JSON')
    .addHelpText('after', '\nExit codes: 0 when nothing configured is broken (gaps are advice), 1 when a configured provider does not answer.\n\nExample:\n  npx umca doctor')
    .action(async (options: { json?: boolean }) => {
      const { config, file } = loadConfig(globals().config === undefined ? {} : { file: globals().config! });
      const report = await diagnose(config, file);
      const broken = report.providers.some((p) => !p.ok);
      process.exitCode = broken ? 1 : 0;
      if (options.json) {
        process.stdout.write(`${JSON.stringify(report)}\n`);
        return;
      }
      const mark = (ok: boolean) => (ok ? '✓' : '✗');
      const lines = [`config     ${report.config ?? '(none: defaults)'}`, `model      ${report.default_model} (runs without --model use it)`, 'providers'];
      if (report.providers.length === 0) lines.push('  (none configured)');
      for (const p of report.providers) lines.push(`  ${mark(p.ok)} ${p.name} (${p.type}): ${p.detail}`);
      lines.push(`ollama     ${report.ollama.reachable ? `✓ at ${report.ollama.url}: ${report.ollama.models.join(', ') || 'no model pulled'}${report.ollama.configured ? '' : ' (not configured)'}` : `not found at ${report.ollama.url}`}`);
      const keys = report.keys.filter((k) => k.set);
      lines.push(`api keys   ${keys.length ? keys.map((k) => `${k.env}${k.used_by.length ? ` (used by ${k.used_by.join(', ')})` : ' (unused)'}`).join(', ') : 'none in the environment'}`);
      lines.push(`sandboxes  ${mark(report.sandbox.bubblewrap.ok)} process lane: ${report.sandbox.bubblewrap.detail}; ${mark(report.sandbox.python3)} python3; ${mark(report.sandbox.gvisor.ok)} gVisor: ${report.sandbox.gvisor.detail}`);
      if (report.advice.length) {
        lines.push('what to do');
        for (const line of report.advice) lines.push(`  - ${line}`);
      }
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
