import { readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { Command, Option } from 'commander';
import { RUNTIME_PREFERENCES, type Reference, type RunOptions as RunRequestOptions } from '../../core/run-options.js';
import { LOCAL_PRINCIPAL } from '../../core/principal.js';
import type { StartRunInput } from '../../services/run-input.js';
import { CliError } from '../cli-error.js';
import type { GlobalOptions } from '../open-umca.js';
import { withSession } from '../open-session.js';
import { executeAndWatch, followAndWatch } from '../watch-run.js';

interface RunOptions {
  model?: string;
  specFile?: string;
  json?: boolean;
  runtime?: RunRequestOptions['runtime'];
  allowHost?: string[];
  doc?: string[];
  repo?: string;
  ref?: string;
  testCommand?: string;
  kb?: string[];
  tool?: string[];
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function runCommand(globals: () => GlobalOptions): Command {
  return new Command('run')
    .description('plan, code and test a spec; show each step live')
    .argument('[spec]', 'what to build, in plain words (or use --spec-file; a scripted fixture may supply its own)')
    .option('-m, --model <ref>', 'model: scripted:demo, a provider name from umca.yaml, or provider/model')
    .option('-f, --spec-file <file>', 'read the spec from a file ("-" for standard input)')
    .option('--json', 'print the events as JSON lines instead of progress')
    .addOption(new Option('--runtime <kind>', 'where the tests run: auto (the selector picks), wasm only, process, or gvisor (the process lane under gVisor); policy decides').choices(RUNTIME_PREFERENCES))
    .option('--allow-host <host>', "network for this run's tests (host:port, host:*, https://host); repeatable; policy decides each", collect)
    .option('--doc <file>', 'a reference document the research may cite as ref:<file name>; repeatable', collect)
    .option('--repo <path|url>', 'work on this git repository (a local path, used through a worktree of its own, or an http(s) URL to clone): the run hands back a branch umca/<run-id> and a patch')
    .option('--ref <ref>', 'with --repo: the branch, tag or commit to start from (default HEAD)')
    .option('--test-command <command>', "with --repo: the command that runs the repository's tests (default: detected)")
    .option('--kb <name>', 'a knowledge base the research searches and cites (umca kb list); repeatable', collect)
    .option('--tool <server.tool>', 'only these MCP tools for the agents (see umca tools); repeatable; default: every tool policy allows', collect)
    .addHelpText(
      'after',
      '\nExit codes: 0 completed, 1 failed or cancelled, 2 blocked by a gate, 3 usage or config error.\n\nExamples:\n  npx umca run --model scripted:demo "Write a TypeScript slugify function with tests"\n  npx umca run --doc notes/rfc5322.md "Validate the local part of an email address, with tests"\n  npx umca run --repo . --ref main "add() returns the difference instead of the sum; fix it"\n\nA run on a repository leaves your working tree, index and branches as they are; `umca apply RUN-ID` applies its patch to the tree you are in.',
    )
    .action(async (specArg: string | undefined, options: RunOptions) => {
      const spec = readSpec(specArg, options.specFile);
      if (!options.repo && (options.ref !== undefined || options.testCommand !== undefined))
        throw new CliError(`${options.ref !== undefined ? '--ref' : '--test-command'} goes with --repo (a document the research may cite is --doc FILE)`);
      const input: StartRunInput = {
        ...(spec !== undefined ? { spec } : {}),
        ...(options.model ? { model: options.model } : {}),
        ...(options.runtime ? { runtime: options.runtime } : {}),
        ...(options.allowHost ? { allowed_outbound_hosts: options.allowHost } : {}),
        ...(options.doc ? { references: options.doc.map(readReference) } : {}),
        ...(options.repo ? { repo: repoSource(options.repo) } : {}),
        ...(options.ref ? { ref: options.ref } : {}),
        ...(options.testCommand ? { test_command: options.testCommand } : {}),
        ...(options.tool ? { tools: options.tool } : {}),
        ...(options.kb ? { kb: options.kb } : {}),
      };
      await withSession(globals(), async ({ runs, local }) => {
        const watch = { json: options.json ?? false, afterSeq: 0 };
        if (local) {
          const run = await local.runs.for(LOCAL_PRINCIPAL).startHere(input);
          process.exitCode = await executeAndWatch(local, run, watch);
        } else {
          // A server holds the state dir: it executes the run, this shows it.
          const run = await runs.start(input);
          process.exitCode = await followAndWatch(runs, run, watch);
        }
      });
    });
}

/** The spec from the argument, a file or standard input; undefined when none is given. */
function readSpec(arg: string | undefined, file: string | undefined): string | undefined {
  if (arg !== undefined && file !== undefined) throw new CliError('give the spec as an argument or with --spec-file, not both');
  if (file === '-') return readFileSync(0, 'utf8');
  if (file !== undefined) {
    try {
      return readFileSync(file, 'utf8');
    } catch (error) {
      throw new CliError(`cannot read spec file ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
  }
  return arg;
}

/** A URL as it is; a local path made absolute (the server resolves nothing against the CLI's directory). */
function repoSource(source: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(source) || /^git@/.test(source) ? source : resolve(source);
}

function readReference(file: string): Reference {
  try {
    return { name: basename(file), content: readFileSync(file, 'utf8') };
  } catch (error) {
    throw new CliError(`cannot read reference ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}
