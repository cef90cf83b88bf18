import { credential } from './auth.js';

/** An error the API answered (`{error: {code, message}}`), or the network's. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function authHeaders(): Record<string, string> {
  const token = credential();
  return token ? { authorization: `Bearer ${token}` } : {};
}

/** One call to umca's public API; rejects with an ApiError carrying the server's message. */
export async function api<T>(path: string, init: { method?: string; body?: unknown; signal?: AbortSignal } = {}): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
      headers: { ...authHeaders(), ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
      ...(init.signal ? { signal: init.signal } : {}),
    });
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    throw new ApiError(0, 'network', 'cannot reach umca: the connection failed');
  }
  if (response.ok) return (await (/^application\/(.+\+)?json\b/.test(response.headers.get('content-type') ?? '') ? response.json() : response.text())) as T;
  const body = (await response.json().catch(() => undefined)) as { error?: { code?: string; message?: string } } | undefined;
  throw new ApiError(response.status, body?.error?.code ?? 'http_error', body?.error?.message ?? `umca answered ${response.status}`);
}

/** Fetches a file with the caller's credentials and hands it to the browser as a download. */
export async function download(path: string, filename: string): Promise<void> {
  const response = await fetch(path, { headers: authHeaders() });
  if (!response.ok) throw new ApiError(response.status, 'download_failed', `download failed: ${response.status}`);
  const url = URL.createObjectURL(await response.blob());
  const link = Object.assign(document.createElement('a'), { href: url, download: filename });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
