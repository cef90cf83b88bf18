import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { FINAL_STATUSES } from '../../core/run.js';
import type { RunEvent } from '../../core/events.js';
import { listRunsInput, MAX_SEQ, overrideInput, startRunShape } from '../../services/run-input.js';
import { jsonResult, type McpContext } from '../mcp-context.js';

const runId = z.string().min(1).describe('the run id umca_run returned');

/**
 * umca_run, umca_runs, umca_run_status, umca_run_events, umca_run_artifacts,
 * umca_run_verify, umca_run_cancel, umca_run_override: adapters over the run service, as the
 * caller (its answers and error codes are the HTTP API's).
 */
export function registerRunTools(server: McpServer, context: McpContext): void {
  const runs = context.umca.runs.for(context.principal);

  server.registerTool(
    'umca_run',
    {
      title: 'Start a umca run',
      description:
        'Hands umca a spec: it plans, writes the code, tests it in a sandbox, every step through policy and quality gates (G0–G3) and on a hash-chained log. Returns the run id at once; follow it with umca_run_events, or set wait to get the outcome (with progress notifications).',
      inputSchema: z.strictObject({
        ...startRunShape,
        wait: z.boolean().default(false).describe('return when the run has ended, sending progress notifications meanwhile'),
      }),
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
    },
    async ({ wait, ...input }, extra) => {
      const run = await runs.start(input);
      const links = { resource: `umca://runs/${run.id}`, ...(context.baseUrl ? { events_url: `${context.baseUrl}/v1/runs/${run.id}/events` } : {}) };
      if (!wait) return jsonResult({ id: run.id, status: run.status, model: run.model, ...links });

      // Follow the run to its end; each step is a progress notification when the client asked for them.
      const token = extra._meta?.progressToken;
      let progress = 0;
      let last: RunEvent | undefined;
      for await (const event of await runs.follow(run.id, { signal: extra.signal })) {
        if (!event) continue;
        last = event;
        if (token !== undefined && (event.type === 'step.started' || event.type === 'run.blocked' || event.type === 'run.completed' || event.type === 'run.failed')) {
          progress += 1;
          await extra.sendNotification({ method: 'notifications/progress', params: { progressToken: token, progress, message: describe(event) } });
        }
      }
      const ended = await runs.get(run.id);
      return jsonResult({ id: run.id, status: ended.status, reason: ended.reason, events: last?.seq ?? 0, artifacts: ended.artifacts.map((a) => a.path), ...links });
    },
  );

  server.registerTool(
    'umca_run_status',
    {
      title: 'A run and its artifacts',
      description: 'The run (status, reason, model, how many events) and the files it produced.',
      inputSchema: z.object({ id: runId }),
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    async ({ id }) => {
      const run = await runs.get(id);
      return jsonResult({ ...run, artifacts: run.artifacts.map((a) => ({ ...a, uri: artifactUri(id, a.path) })) });
    },
  );

  server.registerTool(
    'umca_run_events',
    {
      title: "A run's events",
      description:
        "The run's umca-events v2 records after a seq, in order (each with its hash-chain fields). Call again with next_after_seq to follow a run; done is true once its final event was returned. wait_ms waits that long for new events when there are none yet.",
      inputSchema: z.object({
        id: runId,
        after_seq: z.number().int().min(0).max(MAX_SEQ).default(0).describe('return events with a greater seq'),
        limit: z.number().int().min(1).max(500).default(100),
        wait_ms: z.number().int().min(0).max(30_000).default(0).describe('wait up to this long for the next event'),
      }),
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    async ({ id, after_seq, limit, wait_ms }, extra) => {
      let events = await runs.events(id, { afterSeq: after_seq, limit });
      if (events.length === 0 && wait_ms > 0) {
        const timeout = AbortSignal.any([extra.signal, AbortSignal.timeout(wait_ms)]);
        for await (const event of await runs.follow(id, { afterSeq: after_seq, signal: timeout, idleMs: wait_ms })) {
          if (event) events = await runs.events(id, { afterSeq: after_seq, limit });
          break;
        }
      }
      const run = await runs.get(id);
      const next = events.at(-1)?.seq ?? after_seq;
      return jsonResult({ events, next_after_seq: next, done: FINAL_STATUSES.has(run.status) && next >= run.last_seq, status: run.status });
    },
  );

  server.registerTool(
    'umca_run_artifacts',
    {
      title: "A run's files",
      description: 'The files the run produced, each as a resource link (umca://runs/<id>/artifacts/<path>) to read with resources/read.',
      inputSchema: z.object({ id: runId }),
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    async ({ id }) => {
      const artifacts = await runs.artifacts(id);
      return {
        content: [
          { type: 'text' as const, text: artifacts.length ? `${artifacts.length} file${artifacts.length > 1 ? 's' : ''}: ${artifacts.map((a) => a.path).join(', ')}` : 'no files (yet)' },
          ...artifacts.map((a) => ({ type: 'resource_link' as const, uri: artifactUri(id, a.path), name: a.path, mimeType: mimeType(a.path), description: `${a.size} bytes, sha256 ${a.sha256}` })),
        ],
      };
    },
  );
  server.registerTool(
    'umca_runs',
    {
      title: 'Runs, newest first',
      description: 'The runs the caller may read (all of them, or the ones it started), newest first; pass next as before for the next page.',
      inputSchema: listRunsInput,
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    async (query) => jsonResult({ ...(await runs.list(query)) }),
  );

  server.registerTool(
    'umca_run_verify',
    {
      title: "Verify a run's hash chain",
      description: "Re-computes the run's hash chain from its first event: ok with the head hash, or the first seq that breaks and why.",
      inputSchema: z.object({ id: runId }),
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    async ({ id }) => jsonResult({ ...(await runs.verify(id)) }),
  );

  server.registerTool(
    'umca_run_cancel',
    {
      title: 'Cancel a run',
      description: 'Ends a run that has not ended (cancel-run on the run: runners their own, operators any); the run ends as cancelled.',
      inputSchema: z.object({ id: runId, reason: z.string().min(1).max(2_000).optional().describe('recorded on the log') }),
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
    },
    async ({ id, reason }) => jsonResult({ ...(await runs.cancel(id, reason ?? 'cancelled through MCP')) }),
  );

  server.registerTool(
    'umca_run_override',
    {
      title: "Override a gate's block",
      description: 'Lets a blocked run go on past the gate that blocked it (override-gate on that gate: operators), with the reason on the log; the run continues in the background.',
      inputSchema: z.object({ id: runId, reason: overrideInput.shape.reason.describe('why the block is overridden; recorded with your name') }),
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    },
    async ({ id, reason }) => jsonResult({ ...(await runs.override(id, reason)) }),
  );
}

export function artifactUri(runId: string, path: string): string {
  return `umca://runs/${runId}/artifacts/${path.split('/').map(encodeURIComponent).join('/')}`;
}

export function mimeType(path: string): string {
  if (/\.(ts|tsx|mts|cts)$/.test(path)) return 'text/x-typescript';
  if (/\.(js|mjs|cjs)$/.test(path)) return 'text/javascript';
  if (path.endsWith('.py')) return 'text/x-python';
  if (path.endsWith('.json')) return 'application/json';
  if (path.endsWith('.md')) return 'text/markdown';
  return 'text/plain';
}

function describe(event: RunEvent): string {
  switch (event.type) {
    case 'step.started':
      return `${event.data.step}${event.data.attempt > 1 ? ` (attempt ${event.data.attempt})` : ''}`;
    case 'run.blocked':
      return `blocked by gate ${event.data.gate}`;
    case 'run.failed':
      return `failed: ${event.data.reason}`;
    default:
      return event.type.replace('run.', '');
  }
}
