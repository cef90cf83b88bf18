import { runtimeResource } from '../../policy/runtime-resource.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { InvalidRequestError } from '../../core/errors.js';
import { jsonResult, type McpContext } from '../mcp-context.js';

const EXEC_TIMEOUT_MAX_MS = 60_000;

/** umca_chat (one call through the gateway) and umca_sandbox_exec (code in a WASM lane). */
export function registerGatewayTools(server: McpServer, context: McpContext): void {
  const { umca, principal } = context;

  server.registerTool(
    'umca_chat',
    {
      title: "One model call through umca's gateway",
      description: "Asks a model through umca's gateway (its routing, retries, budgets and usage records) and returns the reply. The model is an alias or provider from umca.yaml, or scripted:demo.",
      inputSchema: z.object({
        model: z.string().min(1).optional().describe("default: the config's model"),
        messages: z
          .array(z.object({ role: z.enum(['system', 'user', 'assistant']), content: z.string() }))
          .min(1)
          .max(200)
          .describe('the conversation so far, oldest first'),
        max_tokens: z.number().int().min(1).max(100_000).optional(),
        temperature: z.number().min(0).max(2).optional(),
      }),
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: false, openWorldHint: true },
    },
    async (args, extra) => {
      const model = args.model ?? umca.config.model;
      await umca.access.authorize(principal, 'use-model', { type: 'Model', id: model, attrs: { ref: model } });
      const provider = umca.models.resolve(model);
      const result = await provider.chat(
        {
          messages: args.messages,
          metadata: { key: principal.id },
          ...(args.max_tokens ? { maxTokens: args.max_tokens } : {}),
          ...(args.temperature === undefined ? {} : { temperature: args.temperature }),
        },
        { signal: extra.signal },
      );
      return {
        content: [{ type: 'text' as const, text: result.content }],
        structuredContent: { model: result.model, finish_reason: result.finishReason, usage: { input_tokens: result.usage.inputTokens, output_tokens: result.usage.outputTokens }, scripted: provider.scripted },
      };
    },
  );

  server.registerTool(
    'umca_sandbox_exec',
    {
      title: 'Run code in a WebAssembly sandbox',
      description:
        'Runs a JavaScript, TypeScript or Python program in a WebAssembly lane (QuickJS or Pyodide): no network, no host files, limits on time, memory and output. Returns the classified status (ok, nonzero_exit, timeout, oom, output_limit, crashed), exit code, stdout and stderr.',
      inputSchema: z.object({
        language: z.enum(['javascript', 'typescript', 'python']),
        code: z.string().min(1).max(256 * 1024).describe('the program; it runs as main.js, main.ts or main.py'),
        files: z.record(z.string(), z.string()).optional().describe('more files beside it, by relative path (modules it imports)'),
        timeout_ms: z.number().int().min(100).max(EXEC_TIMEOUT_MAX_MS).optional(),
      }),
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    async (args, extra) => {
      const entry = { javascript: 'main.js', typescript: 'main.ts', python: 'main.py' }[args.language];
      const limits = { timeoutMs: args.timeout_ms ?? umca.config.sandbox.timeout_ms, memoryBytes: umca.config.sandbox.memory_mb * 1024 * 1024, outputBytes: umca.config.sandbox.output_bytes };
      const job = { files: { ...(args.files ?? {}), [entry]: args.code }, entry, limits };
      const choice = umca.sandbox.select({ job, runtime: 'wasm' });
      if (!choice.ok) throw new InvalidRequestError(choice.message, choice.code);
      await umca.access.authorize(principal, 'use-runtime', runtimeResource(choice.lane.name));
      const result = await choice.lane.run(job, { signal: extra.signal });
      const answer = {
        lane: choice.lane.name,
        status: result.status,
        message: result.message,
        exit_code: result.exitCode,
        stdout: result.stdout,
        stderr: result.stderr,
        output_truncated: result.outputTruncated,
        duration_ms: Math.round(result.durationMs * 100) / 100,
      };
      // The tool worked even when the program failed: the status says how the program ended.
      return jsonResult(answer);
    },
  );
}
