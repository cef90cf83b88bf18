import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makePdf } from '../../test/support/make-pdf.js';
import { chunkDocument } from './chunk-document.js';
import { DocumentParseError, parseDocument } from './parse-document.js';

const bytes = (text: string) => new TextEncoder().encode(text);
const OPTIONS = { maxTokens: 40, overlapTokens: 8 };

async function chunksOf(source: string, content: Uint8Array | string, options = OPTIONS) {
  const document = await parseDocument(source, typeof content === 'string' ? bytes(content) : content);
  const chunks = await chunkDocument(document, options);
  for (const chunk of chunks) assert.equal(document.text.slice(chunk.start, chunk.end), chunk.text, `${source} chunk ${chunk.ord}: its span is its text`);
  return { document, chunks };
}

describe('parsing and chunking documents', () => {
  it('splits Markdown at its headings and keeps each heading path', async () => {
    const text = '# Guide\n\nIntro words.\n\n## Install\n\nRun npm ci.\n\n### Offline\n\nNo network needed.\n\n## Use\n\nRun umca.\n';
    const { chunks } = await chunksOf('docs/guide.md', text);
    assert.deepEqual(chunks.map((c) => c.heading), ['Guide', 'Guide > Install', 'Guide > Install > Offline', 'Guide > Use']);
    assert.match(chunks[2]!.text, /No network needed/);
  });

  it('titles a section with its heading as read (inline code, emphasis, links, escapes), setext headings too, and never a line in a code fence', async () => {
    const text = '## The `lease` *API* [docs](https://x.test) \\# &amp; more\n\nWords.\n\n```md\n# not a heading\n```\n\nSetext title\n============\n\nMore words.\n';
    const { chunks } = await chunksOf('docs/api.md', text);
    assert.deepEqual(chunks.map((c) => c.heading), ['The lease API docs # & more', 'Setext title']);
    assert.match(chunks[0]!.text, /# not a heading/);
  });

  it('keeps chunks under the token size, overlapping, and covering every word of a long section', async () => {
    const paragraph = (n: number) => `Paragraph ${n} has some words about durable runs and knowledge bases.`;
    const text = Array.from({ length: 30 }, (_, i) => paragraph(i)).join('\n\n');
    const { chunks } = await chunksOf('long.txt', text, { maxTokens: 40, overlapTokens: 20 });
    assert.ok(chunks.length > 5);
    for (const chunk of chunks) assert.ok(chunk.tokens <= OPTIONS.maxTokens, `chunk ${chunk.ord} has ${chunk.tokens} tokens`);
    for (let n = 0; n < 30; n += 1) assert.ok(chunks.some((c) => c.text.includes(paragraph(n))), `paragraph ${n} is in a chunk`);
    assert.ok(chunks.some((c, i) => i > 0 && c.start < chunks[i - 1]!.end), 'consecutive chunks overlap');
    const unbroken = 'x'.repeat(5_000);
    const { chunks: hard } = await chunksOf('blob.txt', unbroken);
    assert.equal(hard.map((c) => c.text).join(''), unbroken, 'a run with no boundary is cut by characters, nothing lost');
  });

  it('splits TypeScript and Python at top-level declarations, named after them', async () => {
    const ts = '// leading comment\nimport { x } from "y";\n\n/** Adds. */\nexport function add(a: number, b: number): number {\n  return a + b;\n}\n\nexport class Lease {\n  take(): void {}\n}\n';
    const { document, chunks } = await chunksOf('src/math.ts', ts);
    assert.equal(document.language, 'typescript');
    assert.deepEqual(chunks.map((c) => c.heading), ['add', 'Lease']);
    assert.match(chunks[0]!.text, /^\/\/ leading comment/);
    assert.match(chunks[1]!.text, /^export class Lease/);
    const py = 'import os\n\ndef resume(run):\n    return run\n\n@cached\ndef lease():\n    pass\n\nclass Store:\n    pass\n';
    const { chunks: pyChunks } = await chunksOf('store.py', py);
    assert.deepEqual(pyChunks.map((c) => c.heading), ['resume', 'lease', 'Store']);
  });

  it('splits JSON and YAML at top-level keys', async () => {
    const { chunks } = await chunksOf('package.json', '{\n  "name": "umca",\n  "scripts": { "test": "node --test" },\n  "license": "Apache-2.0"\n}\n');
    assert.deepEqual(chunks.map((c) => c.heading), ['name', 'scripts', 'license']);
    const { chunks: yaml } = await chunksOf('config.yaml', 'providers:\n  local: { type: scripted }\nrouting:\n  summary_model: local\n');
    assert.deepEqual(yaml.map((c) => c.heading), ['providers', 'routing']);
    await assert.rejects(parseDocument('broken.json', bytes('{"a": ')), DocumentParseError);
  });

  it('keeps the main content of HTML and leaves scripts and navigation out', async () => {
    const article = Array.from({ length: 6 }, (_, i) => `<p>Durable runs resume after a crash, paragraph ${i}, with every event kept in a hash chain.</p>`).join('');
    const html = `<html><head><title>Resuming runs</title><script>var secret = "tracking";</script></head><body><nav><a href="/">Home</a> <a href="/x">Pricing</a></nav><article><h1>Resuming runs</h1>${article}</article><footer>Copyright</footer></body></html>`;
    const { document, chunks } = await chunksOf('page.html', html);
    assert.match(document.text, /paragraph 5/);
    assert.doesNotMatch(document.text, /tracking|Pricing/);
    assert.equal(chunks[0]!.heading, 'Resuming runs');
  });

  it('reads a PDF page by page, and names a corrupt one', async () => {
    const pdf = makePdf([['First page about leases.'], ['Second page about checkpoints.', 'And a second line.']]);
    const { document, chunks } = await chunksOf('spec.pdf', pdf);
    assert.deepEqual(chunks.map((c) => c.page), [1, 2]);
    assert.match(chunks[1]!.text, /Second page about checkpoints\.\s+And a second line\./);
    assert.equal(document.type, 'pdf');
    await assert.rejects(parseDocument('bad.pdf', bytes('%PDF-1.4\nnot really a pdf')), (error: Error) => error instanceof DocumentParseError && /not a readable PDF/.test(error.message));
  });

  it('refuses what is not text, or of no known type, saying why', async () => {
    await assert.rejects(parseDocument('image.md', new Uint8Array([0x89, 0x50, 0x00, 0x47])), /binary content/);
    await assert.rejects(parseDocument('latin1.txt', new Uint8Array([0x63, 0x61, 0x66, 0xe9])), /not UTF-8/);
    await assert.rejects(parseDocument('archive.zip', bytes('PK')), /not a type a knowledge base reads/);
  });
});
