import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { PATCH_ARTIFACT } from '../../pipelines/repo-pipeline.js';
import { git, GitError } from '../../repo/git.js';
import { CliError } from '../cli-error.js';
import type { GlobalOptions } from '../open-umca.js';
import { withSession } from '../open-session.js';

interface ApplyOptions {
  check?: boolean;
  threeWay?: boolean;
  json?: boolean;
}

export function applyCommand(globals: () => GlobalOptions): Command {
  return new Command('apply')
    .description("apply the patch a run on a repository left (its umca.patch) to the git working tree you are in")
    .argument('<run-id>', 'the run whose change to apply')
    .option('--check', 'only say whether it applies; change nothing')
    .option('--3way', 'fall back to a three-way merge where the tree has moved on (git apply --3way)')
    .option('--json', 'print what was applied as JSON')
    .addHelpText('after', '\nThe patch is applied with git apply: to the working tree only, nothing is committed. The run\'s branch umca/<run-id> holds the same change as a commit in the repository it ran on.\n\nExample:\n  npx umca apply 0193f6c2-7c1e-7b7a-9f1e-2a4c6d8e0f11 --check')
    .action(async (runId: string, options: ApplyOptions & { '3way'?: boolean }) => {
      const cwd = process.cwd();
      await git(['rev-parse', '--show-toplevel'], { cwd }).catch(() => {
        throw new CliError(`${cwd} is not in a git working tree; run umca apply inside the repository to change`);
      });
      await withSession(globals(), async ({ runs }) => {
        const artifact = await runs.artifact(runId, PATCH_ARTIFACT).catch((error: { code?: string }) => {
          if (error.code === 'artifact_not_found') throw new CliError(`run ${runId} left no ${PATCH_ARTIFACT} (only a run on a repository, with a change, leaves one)`);
          throw error;
        });
        const dir = mkdtempSync(join(tmpdir(), 'umca-apply-'));
        const file = join(dir, PATCH_ARTIFACT);
        try {
          writeFileSync(file, artifact.content);
          const threeWay = options['3way'] ? ['--3way'] : [];
          const stat = await git(['apply', '--numstat', file], { cwd });
          await git(['apply', '--check', ...threeWay, file], { cwd });
          if (!options.check) await git(['apply', ...threeWay, '--whitespace=nowarn', file], { cwd });
          const files = stat.trim().split('\n').filter(Boolean).map((line) => {
            const [added, removed, path] = line.split('\t');
            return { path: path!, added: Number(added) || 0, removed: Number(removed) || 0 };
          });
          if (options.json) process.stdout.write(`${JSON.stringify({ run_id: runId, applied: !options.check, applies: true, files })}\n`);
          else process.stdout.write(`${options.check ? 'applies cleanly' : 'applied'}: ${files.length} file${files.length === 1 ? '' : 's'} (${files.map((f) => `${f.path} +${f.added} -${f.removed}`).join(', ')})\n`);
        } catch (error) {
          if (error instanceof GitError) throw new CliError(`the patch of run ${runId} does not apply here: ${error.stderr.split('\n').find((l) => l.startsWith('error:'))?.replace(/^error: /, '') ?? error.message}`);
          throw error;
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      });
    });
}
