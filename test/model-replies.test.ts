import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { askStructured } from '../src/agents/ask-structured.js';
import { parseCodeFiles } from '../src/agents/code-files.js';
import { parseFindings } from '../src/agents/findings.js';
import { parsePlan } from '../src/agents/plan.js';
import type { ChatResult, FinishReason } from '../src/gateway/model-provider.js';
import { separateReasoning } from '../src/gateway/reasoning.js';

/**
 * The reply corpus (test/fixtures/model-replies.yaml): replies in the shapes real models
 * produce, each through what a run does with it — the reasoning split off (as every model
 * call in a run does), then the step's parser, asked the way a step asks (askStructured) —
 * parsed to the right value, or sent back naming exactly what was wrong.
 */
interface Case {
  shape: string;
  documented: string;
  parser: 'plan' | 'findings' | 'code';
  reply: string;
  finish_reason?: FinishReason;
  expect: { findings?: number; files?: string[]; error?: string };
}
const CASES = parse(readFileSync(new URL('fixtures/model-replies.yaml', import.meta.url), 'utf8')) as Case[];
const PARSERS = { plan: parsePlan, findings: parseFindings, code: parseCodeFiles } as const;

async function ask(item: Case): Promise<{ value?: unknown; rejected: string[]; maxTokens: Array<number | undefined> }> {
  const rejected: string[] = [];
  const maxTokens: Array<number | undefined> = [];
  const scope = {
    step: 'test',
    emit: (event: { type: string; data: { reason?: string } }) => void (event.type === 'model.reply_rejected' && rejected.push(event.data.reason ?? '')),
    chat: async (request: { maxTokens?: number }): Promise<ChatResult> => {
      maxTokens.push(request.maxTokens);
      const { content } = separateReasoning({ content: item.reply });
      return { content, toolCalls: [], finishReason: item.finish_reason ?? 'stop', usage: { inputTokens: 10, outputTokens: 1_500 }, model: 'corpus' };
    },
  };
  try {
    const { value } = await askStructured(scope as never, { role: 'test', firstTurn: 1, messages: [{ role: 'user', content: 'answer' }], parse: PARSERS[item.parser] as never, maxRetries: 1 });
    return { value, rejected, maxTokens };
  } catch {
    return { rejected, maxTokens };
  }
}

describe('replies in the shapes real models produce', () => {
  for (const item of CASES) {
    it(`${item.shape} (${item.documented.split(' (')[0]})`, async () => {
      assert.ok(item.documented.length > 10, 'each shape says where it is documented');
      const { value, rejected, maxTokens } = await ask(item);
      if (item.expect.error) {
        assert.equal(value, undefined, 'not taken');
        assert.match(rejected[0] ?? '', new RegExp(item.expect.error.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
        if (item.finish_reason === 'length') assert.deepEqual(maxTokens, [undefined, 3_000], 'asked again with twice the room');
        return;
      }
      assert.deepEqual(rejected, [], 'parsed at the first reply');
      if (item.expect.findings !== undefined) assert.equal((value as { findings: unknown[] }).findings.length, item.expect.findings);
      if (item.expect.files) assert.deepEqual((value as Array<{ path: string }>).map((f) => f.path), item.expect.files);
    });
  }
});
