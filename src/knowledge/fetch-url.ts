import { lookup as dnsLookup } from 'node:dns/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { UmcaError } from '../core/errors.js';
import { isLoopbackAddress, isPrivateAddress, isSensitiveAddress } from '../core/network-addresses.js';

/** Why a URL gave no document (unreachable, an HTTP error, too large): reported with the URL, the rest goes in. */
export class UrlFetchError extends Error {}

export interface FetchUrlOptions {
  /** Asks policy whether the caller may reach host:port (`egress`); throws when not. */
  authorize(host: string, port: number): Promise<void>;
  maxBytes: number;
  timeoutMs: number;
  /** Reach private networks and loopback (an intranet wiki); link-local and metadata addresses stay refused. */
  allowPrivate: boolean;
  signal?: AbortSignal;
  /** DNS resolution; the system resolver by default. */
  lookup?: (host: string) => Promise<Array<{ address: string; family: number }>>;
}

export interface FetchedUrl {
  /** Where the document came from after redirects. */
  url: string;
  content: Uint8Array;
  /** The document type its Content-Type names, when it names one umca reads. */
  type?: string;
}

const MAX_REDIRECTS = 5;
const TYPES: Array<[RegExp, string]> = [
  [/^text\/html|^application\/xhtml\+xml/, 'html'],
  [/^application\/pdf/, 'pdf'],
  [/^text\/markdown|^text\/x-markdown/, 'markdown'],
  [/^application\/json|\+json$/, 'json'],
  [/^application\/(x-)?yaml|^text\/(x-)?yaml/, 'yaml'],
  [/^text\/plain/, 'text'],
];

/**
 * Fetches one http(s) URL for a knowledge base, as the caller: every hop (redirects too) is
 * asked of policy for its host and port, its name is resolved once here and refused when it
 * points at loopback, link-local, metadata or (unless allowed) private addresses, and the
 * connection goes to the very address that was checked, so DNS rebinding cannot swap it.
 * The body is read up to `maxBytes` and the whole fetch bounded by `timeoutMs`.
 */
export async function fetchUrl(input: string, options: FetchUrlOptions): Promise<FetchedUrl> {
  const deadline = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, deadline]) : deadline;
  let url = new URL(input);
  for (let hop = 0; ; hop += 1) {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UrlFetchError(`${url.protocol} is not http or https`);
    const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    const host = url.hostname.replace(/^\[|\]$/g, '');
    await options.authorize(host, port);
    const address = await resolveChecked(host, options, signal);
    const response = await get(url, address, signal, options.timeoutMs);
    const status = response.statusCode ?? 0;
    if (status >= 300 && status < 400 && response.headers.location) {
      response.resume();
      if (hop >= MAX_REDIRECTS) throw new UrlFetchError(`more than ${MAX_REDIRECTS} redirects`);
      url = new URL(response.headers.location, url);
      continue;
    }
    if (status < 200 || status >= 300) {
      response.resume();
      throw new UrlFetchError(`the server answered ${status}`);
    }
    const declared = Number(response.headers['content-length'] ?? 0);
    if (declared > options.maxBytes) {
      response.destroy();
      throw new UrlFetchError(`${declared} bytes, over knowledge.max_document_bytes (${options.maxBytes})`);
    }
    const content = await readBounded(response, options.maxBytes, options.timeoutMs);
    const contentType = String(response.headers['content-type'] ?? '').toLowerCase().split(';')[0]!.trim();
    const type = TYPES.find(([pattern]) => pattern.test(contentType))?.[1];
    return { url: url.href, content, ...(type ? { type } : {}) };
  }
}

async function resolveChecked(host: string, options: FetchUrlOptions, signal: AbortSignal): Promise<{ address: string; family: number }> {
  let addresses: Array<{ address: string; family: number }>;
  try {
    // The caller names the host, so a slow name server must not hold the fetch past its limit.
    const lookup = (options.lookup ?? ((name: string) => dnsLookup(name, { all: true, verbatim: true })))(host);
    addresses = await Promise.race([
      lookup,
      new Promise<never>((_, reject) => {
        if (signal.aborted) reject(new UrlFetchError(`no answer within ${options.timeoutMs} ms`));
        signal.addEventListener('abort', () => reject(new UrlFetchError(`no answer within ${options.timeoutMs} ms (resolving ${host})`)), { once: true });
      }),
    ]);
  } catch (error) {
    if (error instanceof UrlFetchError) throw error;
    throw new UrlFetchError(`cannot resolve ${host} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  const first = addresses[0];
  if (!first) throw new UrlFetchError(`cannot resolve ${host}`);
  // Private networks and loopback only where allowed; link-local and metadata never.
  const refused = addresses.find(({ address }) =>
    (isSensitiveAddress(address) && !(options.allowPrivate && isLoopbackAddress(address))) || (!options.allowPrivate && isPrivateAddress(address)),
  );
  if (refused) {
    throw new UmcaError(
      'egress_denied',
      `${host} resolves to ${refused.address}, which a knowledge-base URL may not reach${isSensitiveAddress(refused.address) && !isLoopbackAddress(refused.address) ? ' (link-local or metadata)' : '; set knowledge.fetch_private_networks: true to add intranet pages'}`,
      { status: 403 },
    );
  }
  return first;
}

function get(url: URL, pinned: { address: string; family: number }, signal: AbortSignal, timeoutMs: number): Promise<IncomingMessage> {
  // The connection goes to the checked address; TLS still verifies the certificate for the name.
  const lookup: LookupFunction = (_host, opts, callback) => {
    if ((opts as { all?: boolean }).all) (callback as unknown as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [pinned]);
    else callback(null, pinned.address, pinned.family);
  };
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET', lookup, signal, timeout: timeoutMs, headers: { accept: 'text/html, text/markdown, text/plain, application/pdf, application/json, */*;q=0.5', 'user-agent': 'umca-knowledge' } }, resolve);
    req.on('timeout', () => req.destroy(new UrlFetchError(`no answer within ${timeoutMs} ms`)));
    req.on('error', (error) => reject(error instanceof UrlFetchError ? error : new UrlFetchError(signal.aborted ? `no answer within ${timeoutMs} ms` : `cannot fetch it (${(error as NodeJS.ErrnoException).code ?? error.message})`)));
    req.end();
  });
}

function readBounded(response: IncomingMessage, maxBytes: number, timeoutMs: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    response.on('data', (part: Buffer) => {
      size += part.length;
      if (size > maxBytes) {
        response.destroy();
        reject(new UrlFetchError(`over knowledge.max_document_bytes (${maxBytes} bytes)`));
        return;
      }
      parts.push(part);
    });
    response.on('end', () => resolve(Buffer.concat(parts)));
    response.on('error', (error) => reject(new UrlFetchError(response.destroyed && size <= maxBytes ? `the body stopped (${error.message}; limit ${timeoutMs} ms)` : error.message)));
  });
}
