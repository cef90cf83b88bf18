import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { renderPrompt } from '../../agents/prompt-template.js';
import type { McpContext } from '../mcp-context.js';

const PROMPTS_DIR = fileURLToPath(new URL('../../../prompts/', import.meta.url));

const DESCRIPTIONS: Record<string, string> = {
  planner: "umca's planner prompt: turns a spec into a plan with requirements traced to steps and tests",
  researcher: "umca's researcher prompt: the facts a plan relies on, cited to sources",
  coder: "umca's coder prompt: the files of a plan, with their tests",
  'coder-retry': "umca's prompt that sends failing tests back to the coder",
  'judge-plan': "umca's plan judge: a rubric scored from 0 to 1",
};

/**
 * umca's prompt templates (`prompts/*.md`) as MCP prompts, each `{{placeholder}}` an argument.
 * They are for callers who may start runs: a caller with no umca role is shown none, and each
 * `prompts/get` asks policy for `run`, as umca_run does.
 */
export function registerPromptTemplates(server: McpServer, context: McpContext): void {
  const { umca, principal } = context;
  if (principal.roles.length === 0) return;
  for (const file of readdirSync(PROMPTS_DIR).filter((f) => f.endsWith('.md')).sort()) {
    const name = file.slice(0, -'.md'.length);
    const text = readFileSync(`${PROMPTS_DIR}${file}`, 'utf8');
    const placeholders = [...new Set([...text.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]!))];
    server.registerPrompt(
      `umca_${name.replace(/-/g, '_')}`,
      {
        title: `umca ${name}`,
        description: DESCRIPTIONS[name] ?? `umca's ${name} prompt`,
        argsSchema: Object.fromEntries(placeholders.map((p) => [p, z.string().describe(`fills {{${p}}}`)])),
      },
      async (args) => {
        await umca.access.authorize(principal, 'run', { type: 'Run', id: 'new', attrs: { owner: principal.id } });
        return { messages: [{ role: 'user', content: { type: 'text', text: renderPrompt(name, args as Record<string, string>) } }] };
      },
    );
  }
}
