/**
 * `fetch` for an HTTP MCP server whose answers to a request (a POST: one JSON body, or an SSE
 * stream of progress and the result) may not exceed `maxBytes`: past it the body errors with
 * the reason, the call fails, and the connection is dropped and started again.
 */
export function boundedFetch(maxBytes: number, onTooLarge: (reason: string) => void, base: typeof fetch = fetch): typeof fetch {
  return async (input, init) => {
    const response = await base(input, init);
    if ((init?.method ?? 'GET').toUpperCase() !== 'POST' || !response.body) return response;
    let seen = 0;
    const limited = response.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          seen += chunk.byteLength;
          if (seen > maxBytes) {
            const reason = `sent a message over ${maxBytes} bytes`;
            onTooLarge(reason);
            controller.error(new Error(reason));
            return;
          }
          controller.enqueue(chunk);
        },
      }),
    );
    return new Response(limited, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
}
