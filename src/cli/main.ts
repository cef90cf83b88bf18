#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { toCliError } from './cli-error.js';
import { archiveCommand } from './commands/archive-command.js';
import { initCommand } from './commands/init-command.js';
import { keysCommand } from './commands/keys-command.js';
import { kbCommand } from './commands/kb-command.js';
import { mcpCommand } from './commands/mcp-command.js';
import { modelsCommand } from './commands/models-command.js';
import { overrideCommand } from './commands/override-command.js';
import { resumeCommand } from './commands/resume-command.js';
import { runCommand } from './commands/run-command.js';
import { runsCommand } from './commands/runs-command.js';
import { serveCommand } from './commands/serve-command.js';
import { toolsCommand } from './commands/tools-command.js';
import { usageCommand } from './commands/usage-command.js';
import { applyCommand } from './commands/apply-command.js';
import { doctorCommand } from './commands/doctor-command.js';
import { verifyCommand } from './commands/verify-command.js';
import { workerCommand } from './commands/worker-command.js';
import { EXIT } from './exit-codes.js';

const program = new Command('umca')
  .description('a governed multi-agent control plane: spec in, tested code out, every step on a verifiable log')
  .version('0.1.0')
  .option('-c, --config <file>', 'config file (default: ./umca.yaml if present)')
  .showSuggestionAfterError()
  .exitOverride()
  .configureOutput({ outputError: () => undefined });

// A reader that goes away (`umca runs | head`) ends the command quietly, as SIGPIPE ends other
// tools; a run in progress stays resumable, as after Ctrl-C.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(EXIT.interrupted);
    throw error;
  });
}

const globals = () => program.opts<{ config?: string }>();
for (const command of [runCommand(globals), resumeCommand(globals), overrideCommand(globals), runsCommand(globals), verifyCommand(globals), applyCommand(globals), doctorCommand(globals), usageCommand(globals), modelsCommand(globals), toolsCommand(globals), mcpCommand(globals), serveCommand(globals), workerCommand(globals), keysCommand(globals), kbCommand(globals), archiveCommand(globals), initCommand()]) {
  program.addCommand(command.exitOverride().configureOutput({ outputError: () => undefined }));
}
for (const sub of program.commands.flatMap((c) => c.commands)) sub.exitOverride().configureOutput({ outputError: () => undefined });

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    if (error.exitCode === 0 || error.code === 'commander.helpDisplayed' || error.code === 'commander.version') process.exit(0);
    process.stderr.write(`umca: ${error.message.replace(/^error: /, '')} (see umca --help)\n`);
    process.exit(EXIT.usage);
  }
  const failure = toCliError(error);
  process.stderr.write(`umca: ${failure.message}\n`);
  process.exit(failure.exitCode);
}
