import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { writeTinyGguf } from '../../../../test/support/tiny-gguf.js';
import type { StreamPart } from '../../model-provider.js';
import { toLlamaHistory } from './convert-to-llama-history.js';
import { LlamaCppProvider } from './llama-cpp-provider.js';
import { resolveModelFile, type DownloadProgress } from './model-file.js';

/** A file server that honours Range requests, logs them ('all' for a whole-file GET), and can stall mid-file. */
function fileServer(file: Buffer) {
  const ranges: string[] = [];
  let stallAfter: number | undefined;
  let sent = 0;
  const server: Server = createServer((req, res) => {
    const match = /bytes=(\d+)-(\d*)/.exec(req.headers.range ?? '');
    const start = match ? Number(match[1]) : 0;
    const end = match?.[2] ? Number(match[2]) : file.length - 1;
    if (req.method === 'GET') ranges.push(match ? `${start}-${end}` : 'all');
    res.writeHead(match ? 206 : 200, {
      'content-type': 'application/octet-stream',
      'accept-ranges': 'bytes',
      'content-length': String(end - start + 1),
      ...(match ? { 'content-range': `bytes ${start}-${end}/${file.length}` } : {}),
    });
    if (req.method === 'HEAD') return void res.end();
    const body = file.subarray(start, end + 1);
    if (stallAfter === undefined || !match) return void res.end(body);
    // Send up to the stall point, then nothing more: a connection that went quiet.
    const room = Math.max(0, stallAfter - sent);
    sent += Math.min(room, body.length);
    if (room >= body.length) res.end(body);
    else res.write(body.subarray(0, room));
  });
  return {
    ranges,
    stall: (bytes: number | undefined) => {
      stallAfter = bytes;
      sent = 0;
    },
    sent: () => sent,
    start: () => new Promise<string>((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`))),
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

describe('llama-cpp provider: model files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'umca-models-'));
  const ggufPath = join(dir, 'tiny.gguf');
  writeTinyGguf(ggufPath);
  const gguf = readFileSync(ggufPath);
  const served = fileServer(gguf);
  let base: string;
  before(async () => {
    base = await served.start();
  });
  after(() => served.close());

  it('fetches a URI on first use into the models directory, reporting progress, then reuses it and runs it', async () => {
    const modelsDir = join(dir, 'fetched');
    const progress: DownloadProgress[] = [];
    const provider = new LlamaCppProvider({
      name: 'tiny',
      model: `${base}/tiny.gguf`,
      modelsDir,
      sha256: sha256(gguf),
      gpu: false,
      maxTokens: 4,
      onDownload: (p) => progress.push(p),
    });
    const result = await provider.chat({ messages: [{ role: 'user', content: 'hi' }], temperature: 0 });
    assert.ok(result.usage.outputTokens > 0);
    assert.deepEqual(readdirSync(modelsDir), ['tiny.gguf']);
    assert.deepEqual(readFileSync(join(modelsDir, 'tiny.gguf')), gguf);
    assert.ok(progress.length > 0 && progress.at(-1)!.downloadedBytes === gguf.length && progress.at(-1)!.totalBytes === gguf.length);
    assert.equal(progress.at(-1)!.provider, 'tiny');

    const fetches = served.ranges.length;
    await resolveModelFile({ provider: 'tiny', model: `${base}/tiny.gguf`, modelsDir, sha256: sha256(gguf) });
    assert.equal(served.ranges.filter((r) => r !== 'all').length, served.ranges.slice(0, fetches).filter((r) => r !== 'all').length, 'no second download');
  });

  it('deletes a download whose checksum does not match, naming the field', async () => {
    const modelsDir = join(dir, 'bad-sum');
    await assert.rejects(resolveModelFile({ provider: 'tiny', model: `${base}/tiny.gguf`, modelsDir, sha256: 'ab'.repeat(32) }), (error: Error) => {
      assert.match(error.message, /^providers\.tiny\.sha256: .*tiny\.gguf has SHA-256 [0-9a-f]{64}, expected abab.* \(the download was deleted\)$/);
      return true;
    });
    assert.equal(existsSync(join(modelsDir, 'tiny.gguf')), false);
  });

  it('names the field when a local model file is missing', async () => {
    await assert.rejects(
      new LlamaCppProvider({ name: 'local', model: join(dir, 'nope.gguf'), modelsDir: dir, gpu: false }).chat({ messages: [{ role: 'user', content: 'hi' }] }),
      /^Error: providers\.local\.model: no file at .*nope\.gguf$|providers\.local\.model: no file at/,
    );
  });

  it('resumes a stopped download where it stopped, not from the start', async () => {
    // Large enough for several of the downloader's 5 MiB chunks.
    const big = randomBytes(12 * 1024 * 1024);
    const bigServer = fileServer(big);
    const bigBase = await bigServer.start();
    try {
      const modelsDir = join(dir, 'resume');
      const stop = new AbortController();
      bigServer.stall(7 * 1024 * 1024);
      const first = resolveModelFile({ provider: 'big', model: `${bigBase}/big.gguf`, modelsDir, signal: stop.signal });
      while (bigServer.sent() < 7 * 1024 * 1024) await new Promise((r) => setTimeout(r, 20));
      // The downloader writes its part file a little after the bytes arrive; on a busy machine, later.
      for (let waited = 0; waited < 10_000 && !existsSync(join(modelsDir, 'big.gguf.ipull')); waited += 20) await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, 200));
      stop.abort(new Error('interrupted'));
      await assert.rejects(first, /interrupted/);
      assert.deepEqual(readdirSync(modelsDir), ['big.gguf.ipull'], 'the part file is kept');

      bigServer.stall(undefined);
      const before = bigServer.ranges.length;
      const path = await resolveModelFile({ provider: 'big', model: `${bigBase}/big.gguf`, modelsDir, sha256: sha256(big) });
      assert.equal(sha256(readFileSync(path)), sha256(big));
      // At least one whole 5 MiB chunk arrived before the stop and is not asked for again.
      const asked = bigServer.ranges.slice(before).filter((r) => r !== 'all');
      const again = asked.map((r) => r.split('-').map(Number)).reduce((sum, [from, to]) => sum + to! - from! + 1, 0);
      assert.ok(again <= big.length - 5 * 1024 * 1024, `the second try asked for ${asked.join(', ')}`);
    } finally {
      bigServer.close();
    }
  });
});

describe('llama-cpp provider: generation', () => {
  const dir = mkdtempSync(join(tmpdir(), 'umca-llama-'));
  writeTinyGguf(join(dir, 'tiny.gguf'));
  const provider = new LlamaCppProvider({ name: 'tiny', model: join(dir, 'tiny.gguf'), modelsDir: dir, gpu: false, maxTokens: 6 });

  it('queues requests beyond its parallel sequences and answers them all', async () => {
    const results = await Promise.all([1, 2, 3].map(() => provider.chat({ messages: [{ role: 'user', content: 'hello' }], temperature: 0 })));
    assert.equal(new Set(results.map((r) => r.content)).size, 1, 'the same prompt at temperature 0 gives the same reply');
    assert.ok(results.every((r) => r.finishReason === 'length' && r.usage.outputTokens === 6));
  });

  it('stops generating when the caller stops reading, and the next request runs', async () => {
    const parts: StreamPart[] = [];
    for await (const part of provider.stream({ messages: [{ role: 'user', content: 'hello' }], maxTokens: 200 })) {
      parts.push(part);
      break;
    }
    assert.equal(parts.length, 1);
    const next = await provider.chat({ messages: [{ role: 'user', content: 'again' }] });
    assert.ok(next.content.length > 0);
  });

  it('rejects with the caller’s reason when aborted mid-generation', async () => {
    const controller = new AbortController();
    const stream = provider.stream({ messages: [{ role: 'user', content: 'hello' }], maxTokens: 400 }, { signal: controller.signal });
    await assert.rejects(async () => {
      for await (const _ of stream) controller.abort(new Error('caller left'));
    }, /caller left/);
  });
});

describe('llama-cpp provider: closing', () => {
  it('frees its model on close; later calls are refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'umca-llama-close-'));
    writeTinyGguf(join(dir, 'tiny.gguf'));
    const provider = new LlamaCppProvider({ name: 'tiny', model: join(dir, 'tiny.gguf'), modelsDir: dir, gpu: false, maxTokens: 2 });
    await provider.embed({ input: ['warm'] });
    await provider.close();
    await assert.rejects(provider.chat({ messages: [{ role: 'user', content: 'hi' }] }), /the provider is closed/);
  });
});

describe('llama-cpp provider: history', () => {
  it('folds tool results into the tool calls they answer, and ends with an empty model turn', () => {
    const history = toLlamaHistory({
      messages: [
        { role: 'system', content: 'sys' },
        { role: 'user', content: 'weather?' },
        { role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 'get_weather', arguments: '{"city":"Paris"}' }] },
        { role: 'tool', toolCallId: 'c1', content: '21 °C' },
        { role: 'tool', toolCallId: 'missing', content: 'orphan' },
      ],
    });
    assert.deepEqual(history, [
      { type: 'system', text: 'sys' },
      { type: 'user', text: 'weather?' },
      { type: 'model', response: [{ type: 'functionCall', name: 'get_weather', params: { city: 'Paris' }, result: '21 °C' }] },
      { type: 'user', text: 'Tool result: orphan' },
      { type: 'model', response: [] },
    ]);
  });
});
