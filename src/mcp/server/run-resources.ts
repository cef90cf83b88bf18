import { ResourceTemplate, type McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { McpContext } from '../mcp-context.js';
import { artifactUri, mimeType } from './run-tools.js';

const LISTED_RUNS = 50;

/**
 * Runs and their files as MCP resources: `umca://runs/{id}` (the run, with its artifact
 * list, as JSON; the newest runs are listed) and `umca://runs/{id}/artifacts/{path}` (a file).
 */
export function registerRunResources(server: McpServer, context: McpContext): void {
  const runs = context.umca.runs.for(context.principal);

  server.registerResource(
    'run',
    new ResourceTemplate('umca://runs/{id}', {
      list: async () => {
        const { data } = await runs.list({ limit: LISTED_RUNS });
        return { resources: data.map((run) => ({ uri: `umca://runs/${run.id}`, name: `run ${run.id.slice(0, 8)}: ${run.status}`, description: run.spec.replace(/\s+/g, ' ').slice(0, 120), mimeType: 'application/json' })) };
      },
    }),
    { title: 'A umca run', description: 'The run (status, reason, model, spec) and its files, as JSON', mimeType: 'application/json' },
    async (uri, { id }) => {
      const runId = String(id);
      const run = await runs.get(runId);
      const artifacts = run.artifacts.map((a) => ({ ...a, uri: artifactUri(runId, a.path) }));
      return { contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify({ ...run, artifacts }, null, 2) }] };
    },
  );

  server.registerResource(
    'artifact',
    new ResourceTemplate('umca://runs/{id}/artifacts/{+path}', { list: undefined }),
    { title: 'A file a umca run produced', description: "One of a run's artifacts, as stored (content-addressed, sha256 in the run)" },
    async (uri, { id, path }) => {
      const runId = String(id);
      const file = decodeURIComponent(String(path));
      const artifact = await runs.artifact(runId, file);
      return { contents: [{ uri: uri.href, mimeType: mimeType(file), text: new TextDecoder().decode(artifact.content) }] };
    },
  );
}
