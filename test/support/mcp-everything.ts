import { fileURLToPath } from 'node:url';

/** `@modelcontextprotocol/server-everything` (a real MCP server from npm), started over stdio. */
export const EVERYTHING_STDIO = {
  type: 'stdio' as const,
  command: process.execPath,
  args: [fileURLToPath(new URL('../../node_modules/@modelcontextprotocol/server-everything/dist/index.js', import.meta.url)), 'stdio'],
};
