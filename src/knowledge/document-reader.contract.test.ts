import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { makePdf } from '../../test/support/make-pdf.js';
import type { DocumentReader, ReadRequest } from './document-reader.js';
import { DocumentParseError } from './parse-document.js';
import { inThreadReader } from './read-document.js';
import { WorkerDocumentReader } from './reader/worker-reader.js';

const chunking = { maxTokens: 40, overlapTokens: 8 };
const text = (source: string, content: string, type?: string): ReadRequest => ({ source, content: new TextEncoder().encode(content), chunking, ...(type ? { type } : {}) });
const SOURCES: ReadRequest[] = [
  text('docs/guide.md', '# Guide\n\nIntro `code` words.\n\n## Leases\n\nA dead worker loses its lease to the next one, which resumes the run.\n'),
  text('docs/page.html', '<html><body><nav>menu</nav><main><h1>Budgets</h1><p>Per key and per role.</p></main><script>x()</script></body></html>'),
  text('src/lease.ts', 'export function acquireLease(owner: string) {\n  return owner;\n}\n\nexport class Store {\n  get() {}\n}\n'),
  text('config.json', '{"providers": {"a": 1}, "routing": ["x", "y"]}'),
  { source: 'spec.pdf', content: makePdf([['Page one words'], ['Verify offline bundle']]), chunking },
  text('notes.txt', Array.from({ length: 40 }, (_, i) => `Line ${i} about checkpoints and quotas.`).join('\n')),
];
const BAD: ReadRequest[] = [
  { source: 'broken.pdf', content: new TextEncoder().encode('%PDF-1.4 not really'), chunking },
  text('bad.json', '{"a": '),
  { source: 'blob.md', content: new Uint8Array([0x23, 0x20, 0x00, 0x01]), chunking },
  text('unknown.xyz', 'what'),
];

const readers: Array<{ name: string; open(): DocumentReader }> = [
  { name: 'in this thread', open: () => inThreadReader },
  { name: 'worker threads', open: () => new WorkerDocumentReader({ workers: 2, timeoutMs: 30_000, memoryMb: 256 }) },
];

const reference = await Promise.all(SOURCES.map((request) => inThreadReader.read(request)));

for (const { name, open } of readers) {
  describe(`DocumentReader contract: ${name}`, () => {
    const reader = open();
    after(() => reader.close());

    it('reads every type into its parsed text and chunks, each with its terms, the same as in this thread', async () => {
      const read = await Promise.all(SOURCES.map((request) => reader.read(request)));
      assert.deepEqual(read, reference);
      for (const [i, document] of read.entries()) {
        assert.ok(document.chunks.length > 0, SOURCES[i]!.source);
        for (const chunk of document.chunks) {
          assert.equal(document.parsed.text.slice(chunk.start, chunk.end), chunk.text);
          assert.ok(chunk.terms instanceof Map && chunk.length >= chunk.terms.size);
        }
      }
      assert.equal(read[4]!.chunks.at(-1)!.page, 2);
    });

    it('says why a source cannot be read, as a DocumentParseError, and reads the next one', async () => {
      for (const request of BAD) {
        const expected = await inThreadReader.read(request).then(() => undefined, (error: Error) => error.message);
        assert.ok(expected, `${request.source} fails in this thread`);
        await assert.rejects(reader.read(request), (error: Error) => error instanceof DocumentParseError && error.message === expected, request.source);
      }
      assert.deepEqual(await reader.read(SOURCES[0]!), reference[0]);
    });

    it('stops when its signal aborts', async () => {
      const controller = new AbortController();
      controller.abort(new Error('stop'));
      await assert.rejects(reader.read(SOURCES[0]!, controller.signal), /stop/);
    });
  });
}

describe('WorkerDocumentReader bounds each source', () => {
  it('fails a source that reads past the time limit, replaces its worker, and reads the next one', async () => {
    const reader = new WorkerDocumentReader({ workers: 1, timeoutMs: 200, memoryMb: 256 });
    try {
      // ~8 MB of Markdown: seconds of parsing, far past 200 ms.
      const huge = text('huge.md', Array.from({ length: 200_000 }, (_, i) => `## H${i}\n\nword *em* [l](x) ${i}`).join('\n\n'));
      await assert.rejects(reader.read(huge), (error: Error) => error instanceof DocumentParseError && /took longer than knowledge\.parse_timeout_ms \(200 ms\)/.test(error.message));
      assert.deepEqual(await reader.read(SOURCES[0]!), reference[0]);
    } finally {
      await reader.close();
    }
  });

  it('fails a source that needs more heap than the limit, and reads the next one', async () => {
    const reader = new WorkerDocumentReader({ workers: 1, timeoutMs: 60_000, memoryMb: 64 });
    try {
      // A JSON document of a million small objects: hundreds of MB once parsed.
      const bomb = text('bomb.json', `{"a": [${Array.from({ length: 1_000_000 }, (_, i) => `{"k${i % 10}": [${i}, "v"]}`).join(',')}]}`);
      await assert.rejects(reader.read(bomb), (error: Error) => error instanceof DocumentParseError && /needed more than knowledge\.parse_memory_mb \(64 MB\)/.test(error.message));
      assert.deepEqual(await reader.read(SOURCES[0]!), reference[0]);
    } finally {
      await reader.close();
    }
  });
});
