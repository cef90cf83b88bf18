import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseCodeFiles } from '../../src/agents/code-files.js';
import { demoFixture } from './scripted.js';

/**
 * An OpenAI-compatible upstream that plays a reasoning model: it answers umca's pipeline
 * prompts with the shipped demo's replies, each preceded by thinking — written into the
 * content as `<think>…</think>` (model `inline`, as DeepSeek-R1 distills and Qwen3 do under
 * llama.cpp), or apart in `reasoning_content` with reasoning tokens in the usage (model
 * `field`, as DeepSeek's API and vLLM do). Which role asks it tells from the prompt.
 */
export async function startFakeThinker(): Promise<{ url: string; formats: Array<{ role: string; format: unknown }>; close(): Promise<void> }> {
  const replies = demoFixture().replies;
  const formats: Array<{ role: string; format: unknown }> = [];
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => (raw += chunk));
    req.on('end', () => {
      const body = JSON.parse(raw) as { model: string; messages: Array<{ role: string; content: string }>; response_format?: { type: string; json_schema?: { name: string } } };
      const prompt = body.messages.find((m) => m.role === 'user')?.content ?? '';
      const role = /^You are the planner/.test(prompt) ? 'planner' : /^You are the plan judge/.test(prompt) ? 'judge' : /^You are the researcher/.test(prompt) ? 'researcher' : 'coder';
      // The coder's second attempt follows the test report it was sent back with.
      const attempt = role === 'coder' ? body.messages.filter((m) => m.role === 'user' && /tests failed/i.test(m.content)).length : 0;
      let reply = String((replies[role] ?? [])[Math.min(attempt, (replies[role] ?? []).length - 1)] ?? '');
      formats.push({ role, format: body.response_format });
      // Model `schema-only`: an upstream that answers only requests with a JSON Schema to hold to (and refuses prose), as a grammar-constrained server does.
      if (body.model === 'schema-only') {
        if (body.response_format?.type !== 'json_schema') {
          res.writeHead(400, { 'content-type': 'application/json' });
          return void res.end(JSON.stringify({ error: { message: 'this server answers only response_format json_schema', type: 'invalid_request_error', param: 'response_format', code: 'schema_required' } }));
        }
        if (role === 'coder') {
          const parsed = parseCodeFiles(reply);
          reply = JSON.stringify({ files: parsed.ok ? parsed.value : [] });
        }
      }
      const thinking = `The ${role} is asked; let me weigh the spec before answering. {not: "json"} \`\`\`not a fence`;
      const inline = body.model === 'inline' || body.model === 'schema-only';
      const message = inline ? { role: 'assistant', content: `<think>\n${thinking}\n</think>\n\n${reply}` } : { role: 'assistant', content: reply, reasoning_content: thinking };
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          id: 'chatcmpl-think',
          object: 'chat.completion',
          created: 1_700_000_000,
          model: body.model,
          choices: [{ index: 0, message, finish_reason: 'stop' }],
          usage: { prompt_tokens: 100, completion_tokens: 80, total_tokens: 180, completion_tokens_details: { reasoning_tokens: 30 } },
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    formats,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
