import type { Umca } from '../../composition.js';
import type { Principal } from '../../identity/principal.js';

/** What umca's MCP server works with: the planes it reaches, and the caller it serves. */
export interface McpContext {
  umca: Pick<Umca, 'engine' | 'store' | 'bus' | 'config' | 'access' | 'models' | 'sandbox'>;
  /** Who calls: the HTTP request's authenticated principal, or `user:local` over stdio. */
  principal: Principal;
  /** Where the HTTP API is, for links in answers (absent over stdio). */
  baseUrl?: string;
}

/** A tool's answer: JSON text for any client, and the same object as structured content. */
export function jsonResult(value: Record<string, unknown>): { content: Array<{ type: 'text'; text: string }>; structuredContent: Record<string, unknown> } {
  return { content: [{ type: 'text', text: JSON.stringify(value, null, 2) }], structuredContent: value };
}
