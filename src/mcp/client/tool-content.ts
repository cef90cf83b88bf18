/** One item of an MCP tool result's `content`, as far as umca reads it. */
interface ContentItem {
  type: string;
  text?: string;
  mimeType?: string;
  data?: string;
  uri?: string;
  name?: string;
  resource?: { uri?: string; text?: string; mimeType?: string };
}

/**
 * What a model is given of an MCP tool result: its text items in order; other items as a
 * short placeholder (an image, a link); structured content as JSON when there is no text.
 */
export function toolResultText(result: { content?: unknown; structuredContent?: unknown }): string {
  const items = Array.isArray(result.content) ? (result.content as ContentItem[]) : [];
  const parts = items.map((item) => {
    switch (item.type) {
      case 'text':
        return item.text ?? '';
      case 'image':
      case 'audio':
        return `[${item.type} ${item.mimeType ?? ''}, ${Math.floor(((item.data?.length ?? 0) * 3) / 4)} bytes]`;
      case 'resource':
        return item.resource?.text ?? `[resource ${item.resource?.uri ?? ''}]`;
      case 'resource_link':
        return `[link ${item.name ?? ''} ${item.uri ?? ''}]`;
      default:
        return `[${item.type}]`;
    }
  });
  if (parts.length === 0 && result.structuredContent !== undefined) return JSON.stringify(result.structuredContent);
  return parts.join('\n');
}
