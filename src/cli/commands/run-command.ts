import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { Command, Option } from 'commander';
import { RUNTIME_PREFERENCES, runOptionsFrom, type Reference, type RunOptions as RunRequestOptions } from '../../core/run-options.js';
import type { FixtureCatalog } from '../../gateway/providers/scripted/fixture-catalog.js';
import { CliError } from '../cli-error.js';
import { withUmca, type GlobalOptions } from '../open-umca.js';
import { executeAndWatch } from '../watch-run.js';

interface RunOptions {
  model?: string;
  specFile?: string;
  json?: boolean;
  runtime?: RunRequestOptions['runtime'];
  allowHost?: string[];
  ref?: string[];
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
    .option('--ref <file>', 'a reference document the research may cite as ref:<file name>; repeatable', collect)
    .option('--tool <server.tool>', 'only these MCP tools for the agents (see umca tools); repeatable; default: every tool policy allows', collect)
    .addHelpText(
      'after',
      '\nExit codes: 0 completed, 1 failed or cancelled, 2 blocked by a gate, 3 usage or config error.\n\nExamples:\n  npx umca run --model scripted:demo "Write a TypeScript slugify function with tests"\n  npx umca run --ref notes/rfc5322.md "Validate the local part of an email address, with tests"',
    )
    .action(async (specArg: string | undefined, options: RunOptions) => {
      await withUmca(globals(), async (umca) => {
        // A policy file that does not parse or validate stops here, before a run exists (as `umca serve` does).
        umca.policy.ready();
        const model = options.model ?? umca.config.model;
        const spec = await readSpec(specArg, options.specFile, model, umca.models.fixtures);
        const run = await umca.engine.createRun({
          spec,
          model,
          claim: true,
          options: runOptionsFrom({ runtime: options.runtime, allowed_outbound_hosts: options.allowHost, references: options.ref?.map(readReference), tools: options.tool }),
        });
        process.exitCode = await executeAndWatch(umca, run, { json: options.json ?? false, afterSeq: 0 });
      });
    });
}

async function readSpec(arg: string | undefined, file: string | undefined, model: string, fixtures: FixtureCatalog): Promise<string> {
  if (arg !== undefined && file !== undefined) throw new CliError('give the spec as an argument or with --spec-file, not both');
  if (file === '-') return readFileSync(0, 'utf8');
  if (file !== undefined) {
    try {
      return readFileSync(file, 'utf8');
    } catch (error) {
      throw new CliError(`cannot read spec file ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
  }
  if (arg !== undefined) return arg;
  // A scripted fixture carries the spec it answers, so the offline demo needs no typing.
  const spec = await fixtures.spec(model);
  if (spec) return spec;
  throw new CliError('missing spec: umca run "<what to build>" (see umca run --help)');
}

function readReference(file: string): Reference {
  try {
    return { name: basename(file), content: readFileSync(file, 'utf8') };
  } catch (error) {
    throw new CliError(`cannot read reference ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}
