import { request, type Dispatcher } from 'undici';
import { UmcaError } from '../../core/errors.js';

/** How long the CLI waits for a running server's answer (not counting streams it follows). */
const ANSWER_MS = 60_000;
/** An error body larger than this is not read further: it is not one of umca's. */
const ERROR_BODY_BYTES = 64 * 1024;

/**
 * Calls a running `umca serve` (its HTTP API) as the CLI: every request carries the bearer
 * token, and an answer that is not 2xx becomes the UmcaError the server's body names
 * (`{error:{code,message}}`), so the CLI reports it exactly as it would its own.
 */
export class UmcaHttpClient {
  constructor(
    readonly baseUrl: string,
    private readonly token: string,
  ) {}

  async json<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
    const answer = await this.send(method, path, { body, accept: 'application/json' });
    return (await answer.body.json()) as T;
  }

  async bytes(path: string): Promise<{ headers: Record<string, string | string[] | undefined>; content: Uint8Array }> {
    const answer = await this.send('GET', path, { accept: '*/*' });
    return { headers: answer.headers, content: new Uint8Array(await answer.body.arrayBuffer()) };
  }

  /** A request whose body the caller reads (a stream): no answer timeout once headers came. */
  async send(method: 'GET' | 'POST' | 'DELETE', path: string, options: { body?: unknown; accept: string; headers?: Record<string, string>; signal?: AbortSignal }): Promise<Dispatcher.ResponseData> {
    let answer: Dispatcher.ResponseData;
    try {
      answer = await request(`${this.baseUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.token}`,
          accept: options.accept,
          ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
          ...options.headers,
        },
        ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
        headersTimeout: ANSWER_MS,
        ...(options.signal ? { signal: options.signal } : {}),
      });
    } catch (error) {
      if (options.signal?.aborted) throw error;
      throw new UmcaError('server_unreachable', `the umca server at ${this.baseUrl} does not answer (${(error as { code?: string }).code ?? (error as Error).message})`, { status: 503, cause: error });
    }
    if (answer.statusCode >= 200 && answer.statusCode < 300) return answer;
    throw await errorOf(answer);
  }
}

/** `?a=1&b=x` for the parameters that are set, '' when none is. */
export function queryString(parameters: Record<string, string | number | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(parameters)) if (value !== undefined) params.set(key, String(value));
  return params.size ? `?${params}` : '';
}

async function errorOf(answer: Dispatcher.ResponseData): Promise<UmcaError> {
  let text = '';
  for await (const chunk of answer.body) {
    text += (chunk as Buffer).toString('utf8');
    if (text.length > ERROR_BODY_BYTES) {
      answer.body.destroy();
      break;
    }
  }
  try {
    const { error } = JSON.parse(text) as { error?: { code?: unknown; message?: unknown; param?: unknown } };
    if (typeof error?.code === 'string' && typeof error.message === 'string') {
      const failure = new UmcaError(error.code, error.message, { status: answer.statusCode });
      failure.param = typeof error.param === 'string' ? error.param : null;
      return failure;
    }
  } catch {
    // not umca's error body
  }
  return new UmcaError('server_error', `the umca server answered ${answer.statusCode}${text ? `: ${text.slice(0, 200)}` : ''}`, { status: answer.statusCode });
}
