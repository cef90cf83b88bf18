import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RunEvent } from '../src/core/events.js';
import { LOCAL_PRINCIPAL } from '../src/core/principal.js';
import { documentId } from '../src/services/knowledge-service.js';
import type { Umca } from '../src/umca.js';
import { demoFixture, scriptedModel } from './support/scripted.js';
import { testUmca } from './support/umca.js';

/**
 * A run that names knowledge bases: its retrieval step searches them for its spec, its
 * research cites their chunks (`kb:<kb>/<doc>#<chunk>`), and G2 checks every quote against the
 * text the base stored. A base that is gone by the time the run executes is logged and the
 * run goes on without it.
 */
const NOTES = [
  '# Slugs',
  '',
  'Accents are stripped with Unicode NFD decomposition, after which the combining marks are removed from the text.',
  '',
  '## Hyphens',
  '',
  'Runs of characters outside a-z and 0-9 collapse to a single hyphen in the slug.',
  '',
].join('\n');
const CHUNK = `kb:docs/${documentId('notes/slugs.md')}#0`;

/** The demo fixture whose research also cites the knowledge base's first chunk with `quote`. */
function citingKb(quote: string): string {
  const fixture = demoFixture();
  const research = JSON.parse(String(fixture.replies.researcher![0])) as { findings: Array<{ id: string; claim: string; citations: Array<{ source: string; quote: string }> }> };
  research.findings.push({ id: 'F5', claim: 'accents are stripped by NFD decomposition, removing the combining marks', citations: [{ source: CHUNK, quote }] });
  return scriptedModel({ ...fixture, replies: { ...fixture.replies, researcher: [JSON.stringify(research)] } });
}

let umca: Umca;

before(async () => {
  umca = await testUmca();
  const kb = umca.knowledge.for(LOCAL_PRINCIPAL);
  await kb.create({ name: 'docs', embedding_model: 'scripted:demo' });
  await kb.add('docs', { documents: [{ source: 'notes/slugs.md', content: NOTES }] });
});
after(async () => umca.close());

async function runToEnd(input: { model: string; kb: string[] }, between?: () => Promise<void>): Promise<{ status: string; events: RunEvent[] }> {
  const runs = umca.runs.for(LOCAL_PRINCIPAL);
  const created = await runs.startHere(input);
  await between?.();
  const ended = await umca.engine.execute(created.id);
  return { status: ended.status, events: await umca.store.readEvents(created.id) };
}

const of = <T extends RunEvent['type']>(events: RunEvent[], type: T) => events.filter((e): e is Extract<RunEvent, { type: T }> => e.type === type);

describe('runs that search knowledge bases', () => {
  it("a run with --kb retrieves chunks, its research cites them, and G2 holds them to the base's text", async () => {
    const { status, events } = await runToEnd({ model: citingKb('the combining marks are removed'), kb: ['docs'] });
    assert.equal(status, 'completed');
    const [retrieval] = of(events, 'kb.retrieval');
    assert.equal(retrieval?.data.status, 'ok');
    const cited = retrieval!.data.chunks.find((c) => c.citation === CHUNK);
    assert.ok(cited, `the cited chunk was retrieved: ${JSON.stringify(retrieval!.data.chunks)}`);
    assert.equal(NOTES.slice(cited.start, cited.end).includes('combining marks are removed'), true, 'its span is in the source');
    const g2 = of(events, 'gate.decision').find((e) => e.data.gate === 'g2-provenance');
    assert.equal(g2?.data.decision, 'pass', JSON.stringify(g2?.data.reasons));
  });

  it('a citation whose quote is not in the cited chunk is caught by G2', async () => {
    const { status, events } = await runToEnd({ model: citingKb('accents are kept as they are'), kb: ['docs'] });
    assert.equal(status, 'blocked');
    const g2 = of(events, 'gate.decision').find((e) => e.data.gate === 'g2-provenance');
    assert.equal(g2?.data.decision, 'block');
    assert.match(g2!.data.reasons.join(' '), new RegExp(`F5 cites ${CHUNK.replace(/[#/]/g, '\\$&')}: the quote "accents are kept as they are" is not in that source`));
  });

  it("the planner and coder search the run's bases through their tool, and what it finds is a kb source", async () => {
    const fixture = demoFixture();
    const search = (query: string) => ({ content: '', tool_calls: [{ name: 'umca__kb_search', arguments: { query } }] });
    const model = scriptedModel({
      ...fixture,
      replies: {
        ...fixture.replies,
        planner: [search('how are accents stripped'), fixture.replies.planner![0]!],
        coder: [search('hyphens in the slug'), ...fixture.replies.coder!],
      },
    });
    const { status, events } = await runToEnd({ model, kb: ['docs'] });
    assert.equal(status, 'completed');
    const calls = of(events, 'tool.call').map((e) => [e.data.step, e.data.tool, e.data.server]);
    assert.deepEqual(calls, [['plan', 'umca.kb_search', 'umca'], ['code#1', 'umca.kb_search', 'umca']]);
    const results = of(events, 'tool.result');
    assert.deepEqual(results.map((e) => e.data.status), ['ok', 'ok']);
    assert.match(results[0]!.data.content, new RegExp(`<source id="${CHUNK.replace(/[#/]/g, '\\$&')}" file="notes/slugs.md"`));
    assert.match(results[0]!.data.content, /combining marks are removed/);
    const decisions = of(events, 'policy.decision').filter((e) => e.data.action === 'use-tool').map((e) => e.data.resource);
    assert.deepEqual(decisions, [{ type: 'Tool', id: 'umca.kb_search' }, { type: 'Tool', id: 'umca.kb_search' }], 'each call asked use-tool');
  });

  it('a run without knowledge bases offers no knowledge search to its agents', async () => {
    const fixture = demoFixture();
    const model = scriptedModel({
      ...fixture,
      replies: { ...fixture.replies, planner: [{ content: '', tool_calls: [{ name: 'umca__kb_search', arguments: { query: 'accents' } }] }, fixture.replies.planner![0]!] },
    });
    const created = await umca.runs.for(LOCAL_PRINCIPAL).startHere({ model });
    const ended = await umca.engine.execute(created.id);
    const results = of(await umca.store.readEvents(created.id), 'tool.result');
    assert.equal(ended.status, 'completed');
    assert.deepEqual(results.map((e) => [e.data.status, e.data.content]), [['error', 'no tool named umca__kb_search; the tools offered are the only ones there are']]);
  });

  it('a run whose knowledge base is gone when it executes still completes, and its log says so', async () => {
    const kb = umca.knowledge.for(LOCAL_PRINCIPAL);
    await kb.create({ name: 'scratch', embedding_model: 'scripted:demo' });
    const { status, events } = await runToEnd({ model: 'scripted:demo', kb: ['scratch'] }, () => kb.remove('scratch'));
    assert.equal(status, 'completed');
    const [retrieval] = of(events, 'kb.retrieval');
    assert.equal(retrieval?.data.status, 'unavailable');
    assert.match(retrieval!.data.reason ?? '', /kb_not_found/);
  });

  it('a run naming a base that does not exist is refused at the door', async () => {
    await assert.rejects(umca.runs.for(LOCAL_PRINCIPAL).start({ model: 'scripted:demo', kb: ['nope'] }), (error: Error & { code?: string; status?: number }) => error.code === 'kb_not_found' && error.status === 404);
    await assert.rejects(umca.runs.for(LOCAL_PRINCIPAL).start({ model: 'scripted:demo', kb: ['Not A Name'] }), (error: Error & { code?: string }) => error.code === 'invalid_request');
  });
});
