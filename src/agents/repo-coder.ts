import type { StepScope } from '../engine/step-scope.js';
import type { RepoOptions } from '../core/run-options.js';
import { applyEdits, type EditableTree, type FileChange } from '../repo/apply-edits.js';
import type { Changeset } from '../repo/changeset.js';
import { parseEditBlocks } from '../repo/edit-blocks.js';
import { askStructured } from './ask-structured.js';
import { formatReport } from './coder.js';
import { formatFindings, type Findings } from './findings.js';
import type { Plan } from './plan.js';
import { renderPrompt } from './prompt-template.js';
import type { TestReport } from './tester.js';

export interface RepoCoderResult {
  /** The whole change so far (this attempt's edits over the earlier ones'). */
  changeset: Changeset;
  changes: FileChange[];
  turns: number;
}

export interface RepoCoderInput {
  plan: Plan;
  findings?: Findings;
  turnsBefore: number;
  repo: RepoOptions;
  /** The repository at the run's commit. */
  tree: EditableTree;
  /** The change earlier attempts made; this attempt's edits apply over it. */
  previous: Changeset;
  /** The tests of the last attempt, when they failed. */
  report?: TestReport;
  maxRetries: number;
  maxToolCalls: number;
  /** Characters of file content the prompt may show. */
  shownChars: number;
}

/**
 * The coder on a repository: shown the plan's files as they now are, it answers with edits
 * (search/replace blocks, unified diffs, whole files). Each reply is applied in memory
 * before it is accepted; an edit that does not apply goes back to the coder with the exact
 * reason, and nothing of that reply is kept.
 */
export async function runRepoCoder(scope: StepScope, input: RepoCoderInput): Promise<RepoCoderResult> {
  const files = await showFiles(input);
  const messages = [
    {
      role: 'user' as const,
      content: renderPrompt('repo-coder', {
        repository: `${input.repo.source} at ${input.repo.commit.slice(0, 12)} (${input.repo.ref})`,
        test_command: input.repo.testCommand,
        plan: JSON.stringify(input.plan, null, 2),
        findings: formatFindings(input.findings ?? { findings: [] }),
        files,
      }),
    },
    ...(input.report ? [{ role: 'user' as const, content: renderPrompt('repo-coder-retry', { report: formatReport(input.report) }) }] : []),
  ];
  const { value, turns } = await askStructured(scope, {
    role: 'coder',
    firstTurn: input.turnsBefore + 1,
    messages,
    parse: async (reply) => {
      const parsed = parseEditBlocks(reply);
      if (!parsed.ok) return parsed;
      const applied = await applyEdits(parsed.edits, input.tree, input.previous);
      return applied.ok ? { ok: true, value: applied } : applied;
    },
    maxRetries: input.maxRetries,
    maxToolCalls: input.maxToolCalls,
  });
  return { changeset: value.changeset, changes: value.changes, turns };
}

/** The plan's files and those changed so far, as they are now, within the prompt's share. */
async function showFiles(input: RepoCoderInput): Promise<string> {
  const paths = [...new Set([...input.plan.files, ...Object.keys(input.previous)])];
  const blocks: string[] = [];
  let left = input.shownChars;
  for (const path of paths) {
    const content = path in input.previous ? input.previous[path] : await readText(input.tree, path);
    if (content === null || content === undefined) {
      blocks.push(`<file path="${path}" state="${content === null ? 'deleted' : 'absent'}"/>`);
      continue;
    }
    const shown = content.length > left ? `${content.slice(0, Math.max(0, left))}\n[… ${content.length - Math.max(0, left)} more characters not shown: read them with the repository tools]` : content;
    left -= Math.min(content.length, Math.max(0, left));
    blocks.push(`<file path="${path}">\n${shown}\n</file>`);
  }
  return blocks.join('\n\n') || '(the plan names no file)';
}

async function readText(tree: EditableTree, path: string): Promise<string | undefined> {
  if (!tree.entry(path)) return undefined;
  const file = await tree.read(path);
  return file && !file.binary ? file.text : undefined;
}
