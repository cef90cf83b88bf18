import type { ChatMessage } from '../gateway/model-provider.js';
import type { StepScope } from '../engine/step-scope.js';
import { askStructured } from './ask-structured.js';
import { CODE_FILES_SCHEMA, parseCodeFiles, type CodeFile } from './code-files.js';
import { formatFindings, type Findings } from './findings.js';
import type { Plan } from './plan.js';
import { renderPrompt } from './prompt-template.js';
import type { TestReport } from './tester.js';

export interface CoderResult {
  files: CodeFile[];
  turns: number;
}

export interface CoderInput {
  plan: Plan;
  /** The research's cited facts; absent for runs planned before research existed. */
  findings?: Findings;
  /** The coder's turns used by earlier attempts; this attempt's turns follow them. */
  turnsBefore: number;
  previous?: { files: CodeFile[]; report: TestReport };
  maxRetries: number;
  maxToolCalls: number;
}

export async function runCoder(scope: StepScope, input: CoderInput): Promise<CoderResult> {
  const messages: ChatMessage[] = [{ role: 'user', content: renderPrompt('coder', { plan: JSON.stringify(input.plan, null, 2), findings: formatFindings(input.findings ?? { findings: [] }) }) }];
  if (input.previous) {
    messages.push(
      { role: 'assistant', content: input.previous.files.map((f) => `\`\`\`ts path=${f.path}\n${f.content}\`\`\``).join('\n\n') },
      { role: 'user', content: renderPrompt('coder-retry', { report: formatReport(input.previous.report) }) },
    );
  }
  const { value, turns } = await askStructured(scope, {
    role: 'coder',
    firstTurn: input.turnsBefore + 1,
    messages,
    parse: parseCodeFiles,
    schema: CODE_FILES_SCHEMA,
    maxRetries: input.maxRetries,
    maxToolCalls: input.maxToolCalls,
  });
  return { files: value, turns };
}

/** A test report as the coder is shown it: the status, each failure, the console output (cut). */
export function formatReport(report: TestReport): string {
  const lines = [`status: ${report.status} — ${report.message}`];
  for (const failure of report.failures) lines.push(`FAIL ${failure.name}: ${failure.error}`);
  if (report.output) lines.push('console output:', report.output.slice(0, 4_000));
  return lines.join('\n');
}
