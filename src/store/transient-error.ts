/**
 * Whether a store error is the database being out of reach (a refused or dropped connection,
 * a server shutting down) rather than a refusal of the write: such a write may be retried,
 * and with event ids it is stored once however often it is retried.
 */
export function isTransientStoreError(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string') {
    if (['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN'].includes(code)) return true;
    // PostgreSQL: connection exceptions (08…), the server shutting down or starting (57P01–57P03), too many connections.
    if (/^08/.test(code) || ['57P01', '57P02', '57P03', '53300'].includes(code)) return true;
  }
  const message = error instanceof Error ? error.message : '';
  return /Connection terminated|connection is closed|Client has encountered a connection error|timeout exceeded when trying to connect/i.test(message);
}
