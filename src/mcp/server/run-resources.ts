import { ResourceTemplate, type McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { NotFoundError } from '../../core/errors.js';
import type { McpContext } from './mcp-context.js';
import { artifactUri, mimeType } from './run-tools.js';

const LISTED_RUNS = 50;

/**
 * Runs and their files as MCP resources: `umca://runs/{id}` (the run, with its artifact
 * list, as JSON; the newest runs are listed) and `umca://runs/{id}/artifacts/{path}` (a file).
 */
export function registerRunResources(server: McpServer, context: McpContext): void {
  const { umca, principal } = context;
  const mayRead = async (id: string) => {
    await umca.access.authorize(principal, 'read-run', { type: 'Run', id, attrs: { owner: await umca.engine.ownerOf(id) } });
  };

  server.registerResource(
    'run',
    new ResourceTemplate('umca://runs/{id}', {
      list: async () => {
        const scope = await umca.access.readableRuns(principal);
        const runs = await umca.store.listRuns({ ...scope, limit: LISTED_RUNS });
        return { resources: runs.map((run) => ({ uri: `umca://runs/${run.id}`, name: `run ${run.id.slice(0, 8)}: ${run.status}`, description: run.spec.replace(/\s+/g, ' ').slice(0, 120), mimeType: 'application/json' })) };
      },
    }),
    { title: 'A umca run', description: 'The run (status, reason, model, spec) and its files, as JSON', mimeType: 'application/json' },
    async (uri, { id }) => {
      const runId = String(id);
      const run = await umca.store.getRun(runId);
      if (!run) throw new NotFoundError(`run ${runId} not found`, 'run_not_found');
      await mayRead(runId);
      const artifacts = (await umca.store.listArtifacts(runId)).map(({ path, sha256, size }) => ({ path, sha256, size, uri: artifactUri(runId, path) }));
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
      await mayRead(runId);
      const artifact = await umca.store.getArtifact(runId, file);
      if (!artifact) throw new NotFoundError(`run ${runId} has no artifact ${file}`, 'artifact_not_found');
      return { contents: [{ uri: uri.href, mimeType: mimeType(file), text: new TextDecoder().decode(artifact.content) }] };
    },
  );
}
