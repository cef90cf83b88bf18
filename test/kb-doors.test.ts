import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { GUIDE, writeMixedFolder } from './support/mixed-folder.js';
import { cli, cliOutcome, http, key, mcp, serveIn, stop, type Outcome, type Served } from './support/doors.js';

/**
 * Knowledge bases through every door: the HTTP API, MCP (the official SDK client on
 * umca serve's /mcp) and the CLI beside the server, with the shipped policies (runners
 * read knowledge bases, operators write them). The base is a mixed folder: Markdown, HTML,
 * a PDF, TypeScript, JSON, and a file that does not parse.
 */
let served: Served | undefined;
let runner = '';
let operator = '';
let folder = '';

before(async () => {
  served = await serveIn((cwd) => {
    folder = writeMixedFolder(cwd);
    // Both retrievers in the fusion, so every hit shows both ranks.
    return 'auth: { mode: token }\nserver: { port: 0 }\nknowledge: { dense_weight: 0.5 }\n';
  });
  [runner, operator] = [await key(served, 'runner'), await key(served, 'operator')];
});
after(async () => stop(served));

const codes = (outcomes: Outcome[]) => outcomes.map((o) => (o.ok ? 'ok' : o.code));

describe('knowledge bases: HTTP, MCP and the CLI give the same outcome and error codes', () => {
  it('a runner may not create or fill a base; an operator may, and a mixed folder goes in with what failed named', async () => {
    const denied = await Promise.all([
      http(served!, runner, 'POST', '/v1/kb', { name: 'docs' }),
      mcp(served!, runner, 'kb_add', { kb: 'docs', documents: [{ source: 'a.md', content: '# a' }] }),
    ]);
    assert.deepEqual(codes(denied), ['forbidden', 'forbidden']);
    const created = await http(served!, operator, 'POST', '/v1/kb', { name: 'docs' });
    assert.ok(created.ok, JSON.stringify(created));
    assert.equal(created.value.dimensions, 512, 'the embedded sentence encoder, with no configuration');
    const added = await cli(served!, ['kb', 'add', 'docs', 'docs', '--json']);
    assert.equal(added.code, 0, added.stderr);
    const report = JSON.parse(added.stdout) as { added: number; failed: Array<{ source: string; reason: string }>; chunks: number; embedded: number };
    assert.equal(report.added, 5);
    assert.deepEqual(report.failed.map((f) => f.source), ['docs/broken.json']);
    assert.match(report.failed[0]!.reason, /not valid JSON/);
    assert.ok(report.chunks >= 8 && report.embedded === report.chunks, JSON.stringify(report));

    const runnerReindex = await http(served!, runner, 'POST', '/v1/kb/docs/reindex', {});
    assert.deepEqual(codes([runnerReindex]), ['forbidden']);
    const reindexed = await cli(served!, ['kb', 'reindex', 'docs', '--json']);
    assert.equal(reindexed.code, 0, reindexed.stderr);
    const again = JSON.parse(reindexed.stdout) as { updated: number; chunks: number; embedded: number };
    assert.deepEqual([again.updated, again.chunks, again.embedded], [5, report.chunks, 0], 'the same settings: the same chunks, nothing embedded again');
  });

  it('search gives the same hits on every door, each citable, its span the source text', async () => {
    const query = { query: "who takes over a dead worker's lease", k: 3 };
    const answers = await Promise.all([
      http(served!, runner, 'POST', '/v1/kb/docs/search', query),
      mcp(served!, runner, 'kb_search', { kb: 'docs', ...query }),
      cli(served!, ['kb', 'search', 'docs', query.query, '--k', '3', '--json']).then(cliOutcome),
    ]);
    const citations = answers.map((a) => (a.ok ? (a.value.hits as Array<{ citation: string }>).map((h) => h.citation) : [a.code]));
    assert.deepEqual(citations[1], citations[0]);
    assert.deepEqual(citations[2], citations[0]);
    const top = (answers[0] as unknown as { value: { hits: Array<{ source: string; heading: string; start: number; end: number; text: string; scores: { bm25?: unknown; dense?: unknown } }> } }).value.hits[0]!;
    assert.equal(top.source, 'docs/guide.md');
    assert.equal(top.heading, 'Operations guide > Leases');
    assert.equal(GUIDE.slice(top.start, top.end), top.text, 'the span string-matches the source');
    assert.ok(top.scores.bm25 && top.scores.dense, 'both retrievers ranked it');

    const code = await http(served!, runner, 'POST', '/v1/kb/docs/search', { query: 'acquireLease owner', k: 1, filter: { type: ['code'] } });
    assert.ok(code.ok);
    const hit = (code.value.hits as Array<{ source: string; heading: string; start: number; end: number; text: string }>)[0]!;
    assert.deepEqual([hit.source, hit.heading], ['docs/src/lease.ts', 'acquireLease']);
    assert.equal(readFileSync(join(folder, 'src', 'lease.ts'), 'utf8').slice(hit.start, hit.end), hit.text);
    const pdf = await http(served!, runner, 'POST', '/v1/kb/docs/search', { query: 'verify offline bundle', k: 1, filter: { source: '**/*.pdf' } });
    assert.ok(pdf.ok);
    assert.equal((pdf.value.hits as Array<{ page: number }>)[0]!.page, 2);
  });

  it('an unknown base, an empty query and a bad filter get the same code on every door', async () => {
    const unknown = await Promise.all([
      http(served!, runner, 'POST', '/v1/kb/nope/search', { query: 'x' }),
      mcp(served!, runner, 'kb_search', { kb: 'nope', query: 'x' }),
      cli(served!, ['kb', 'search', 'nope', 'x', '--json']).then(cliOutcome),
    ]);
    assert.deepEqual(codes(unknown), ['kb_not_found', 'kb_not_found', 'kb_not_found']);
    const empty = await Promise.all([
      http(served!, runner, 'POST', '/v1/kb/docs/search', { query: '   ' }),
      mcp(served!, runner, 'kb_search', { kb: 'docs', query: '   ' }),
      cli(served!, ['kb', 'search', 'docs', '   ', '--json']).then(cliOutcome),
    ]);
    assert.deepEqual(codes(empty), ['invalid_request', 'invalid_request', 'invalid_request']);
    for (const answer of empty) assert.match(!answer.ok ? answer.message : '', /^query: must not be empty/);
    const huge = await http(served!, runner, 'POST', '/v1/kb/docs/search', { query: 'x'.repeat(2_001) });
    assert.deepEqual(codes([huge]), ['invalid_request']);
    const badFilter = await http(served!, runner, 'POST', '/v1/kb/docs/search', { query: 'x', filter: { type: ['spreadsheet'] } });
    assert.deepEqual(codes([badFilter]), ['invalid_request']);
    assert.match((badFilter as { message: string }).message, /^filter\.type\.0: /);
    const twice = { documents: [{ source: 'a.md', content: '# A' }, { source: 'b.md', content: '# B' }, { source: 'a.md', content: '# A again' }] };
    const duplicate = await Promise.all([
      http(served!, operator, 'POST', '/v1/kb/docs/documents', twice),
      mcp(served!, operator, 'kb_add', { kb: 'docs', ...twice }),
    ]);
    assert.deepEqual(codes(duplicate), ['invalid_request', 'invalid_request']);
    for (const answer of duplicate) assert.match(!answer.ok ? answer.message : '', /^documents\.2\.source: "a\.md" is also documents\[0\]/);
  });

  it('re-adding after an edit embeds only the changed chunks; removing a source leaves no chunk of it', async () => {
    writeFileSync(join(folder, 'guide.md'), GUIDE.replace('metered, and a budget', 'metered per key, and a budget'));
    const again = await cli(served!, ['kb', 'add', 'docs', 'docs', '--json']);
    assert.equal(again.code, 0, again.stderr);
    const report = JSON.parse(again.stdout) as { added: number; updated: number; unchanged: number; embedded: number };
    assert.deepEqual([report.added, report.updated, report.unchanged, report.embedded], [0, 1, 4, 1], 'one source changed, one chunk of it');

    const removed = await cli(served!, ['kb', 'rm', 'docs', 'docs/guide.md', '--json']);
    assert.equal(removed.code, 0, removed.stderr);
    const after = await http(served!, runner, 'POST', '/v1/kb/docs/search', { query: 'lease worker budget metered', k: 50 });
    assert.ok(after.ok);
    assert.ok((after.value.hits as Array<{ source: string }>).every((h) => h.source !== 'docs/guide.md'), 'no chunk of the removed source');
    const listed = await mcp(served!, runner, 'kb_list', {});
    assert.ok(listed.ok);
    assert.equal((listed.value.data as Array<{ name: string; documents: number }>).find((b) => b.name === 'docs')?.documents, 4);
    const again2 = await cli(served!, ['kb', 'rm', 'docs', 'docs/guide.md', '--json']).then(cliOutcome);
    assert.deepEqual(codes([again2]), ['kb_document_not_found']);
  });
});
