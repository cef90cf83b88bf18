import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Findings } from '../../src/agents/findings.js';
import { parseFindings } from '../../src/agents/findings.js';
import { runSources } from '../../src/agents/sources.js';
import type { EventDataOf } from '../../src/core/events.js';
import { G2ProvenanceGate } from '../../src/gates/g2-provenance.js';
import { DEMO_SPEC, demoFixture, planFor, PASSING_REVIEW, scriptedModel } from '../support/scripted.js';
import { testUmca } from '../support/umca.js';

const DEMO_FINDINGS = (parseFindings(demoFixture().replies.researcher![0] as string) as { value: Findings }).value;

const RFC_SPEC = 'Validate the local part of an email address as RFC 5322 allows, with tests.';
const RFC_NOTES = `RFC 5322 section 3.4.1: the local part is a dot-atom or a quoted string.
A dot-atom is one or more atoms separated by single dots; it cannot start or end with a dot.
The local part must not exceed 64 octets (RFC 5321 section 4.5.3.1.1).`;
const RFC_SOURCES = runSources(RFC_SPEC, [{ name: 'rfc-notes', content: RFC_NOTES }]);
const RFC_FINDINGS: Findings = {
  findings: [
    { id: 'F1', claim: 'a local part cannot start or end with a dot', citations: [{ source: 'ref:rfc-notes', quote: 'it cannot start or end with a dot' }] },
    { id: 'F2', claim: 'the local part is at most 64 octets long', citations: [{ source: 'ref:rfc-notes', quote: 'The local part must not exceed 64 octets' }] },
    { id: 'F3', claim: 'quoted strings are valid local parts', citations: [{ source: 'ref:rfc-notes', quote: 'the local part is a dot-atom or a quoted string' }] },
  ],
};

const change = (findings: Findings, id: string, edit: (f: Findings['findings'][number]) => Findings['findings'][number]): Findings => ({
  findings: findings.findings.map((f) => (f.id === id ? edit(f) : f)),
});

// The calibration set: research the gate must pass and research it must block, with why.
const GOOD: Array<[string, Findings, ReturnType<typeof runSources>]> = [
  ['the demo research, quoting the spec', DEMO_FINDINGS, runSources(DEMO_SPEC, [])],
  ['research citing a reference document (line breaks and case aside)', change(RFC_FINDINGS, 'F1', (f) => ({ ...f, citations: [{ source: 'ref:rfc-notes', quote: 'It cannot start or END\n with a dot' }] })), RFC_SOURCES],
  ['research with no facts to cite', { findings: [] }, RFC_SOURCES],
];

const BAD: Array<[string, Findings, ReturnType<typeof runSources>, RegExp]> = [
  ['invents its quotes', change(change(DEMO_FINDINGS, 'F2', (f) => ({ ...f, citations: [{ source: 'spec', quote: 'keeps accents as they are' }] })), 'F3', (f) => ({ ...f, citations: [{ source: 'spec', quote: 'uses underscores between words' }] })), runSources(DEMO_SPEC, []), /F2 cites spec: the quote "keeps accents as they are" is not in that source/],
  ['cites sources the run does not have', change(change(RFC_FINDINGS, 'F1', (f) => ({ ...f, citations: [{ source: 'ref:rfc-5322', quote: 'it cannot start or end with a dot' }] })), 'F2', (f) => ({ ...f, citations: [{ source: 'tool:search', quote: '64 octets' }] })), RFC_SOURCES, /F1 cites ref:rfc-5322: no such source \(the run has spec, ref:rfc-notes\)/],
  ['quotes real words that do not support its claims', change(change(RFC_FINDINGS, 'F2', (f) => ({ ...f, claim: 'domains are compared case-insensitively' })), 'F3', (f) => ({ ...f, claim: 'the address may hold unicode letters' })), RFC_SOURCES, /2 of 3 citations do not support their claims: F2 cites ref:rfc-notes: the quote "The local part must not exceed 64 octets" does not support "domains are compared case-insensitively"/],
  ['invents one quote among true ones', change(RFC_FINDINGS, 'F3', (f) => ({ ...f, citations: [{ source: 'ref:rfc-notes', quote: 'quoted strings are always valid' }] })), RFC_SOURCES, /1 citation quotes what the source does not say: F3 cites ref:rfc-notes/],
  ['cites nothing for most of its claims', { findings: RFC_FINDINGS.findings.map((f, i) => (i === 0 ? f : { ...f, citations: [] })) }, RFC_SOURCES, /2 of 3 findings cite nothing: F2 "the local part is at most 64 octets long"; F3/],
];

describe('G2 research provenance: calibration', () => {
  const gate = new G2ProvenanceGate({ threshold: 0.5 });

  for (const [name, findings, sources] of GOOD) {
    it(`passes ${name}`, async () => {
      const verdict = await gate.evaluate({ findings, sources });
      assert.equal(verdict.decision, 'pass', verdict.reasons.join('; '));
      assert.equal(verdict.score, 1);
    });
  }

  for (const [name, findings, sources, why] of BAD) {
    it(`blocks research that ${name}`, async () => {
      const verdict = await gate.evaluate({ findings, sources });
      assert.equal(verdict.decision, 'block');
      assert.match(verdict.reasons.join('\n'), why);
    });
  }

  it('lowers the score for one uncited claim without blocking, and names it', async () => {
    const verdict = await gate.evaluate({ findings: change(RFC_FINDINGS, 'F3', (f) => ({ ...f, citations: [] })), sources: RFC_SOURCES });
    assert.equal(verdict.decision, 'pass');
    assert.equal(verdict.score, 0.67);
    assert.match(verdict.reasons.join('\n'), /1 of 3 findings cite nothing: F3 "quoted strings are valid local parts"/);
  });
});

describe('G2 research provenance: in a run', () => {
  it('gives the research the run\'s reference documents, and blocks research that cites a quote they do not hold', async () => {
    const findings = JSON.stringify({ findings: [{ id: 'F1', claim: 'the local part is at most 64 octets long', citations: [{ source: 'ref:rfc-notes', quote: 'the local part must not exceed 128 octets' }] }] });
    const umca = await testUmca();
    try {
      const model = scriptedModel({ replies: { ...PASSING_REVIEW, researcher: [findings], planner: [planFor(RFC_SPEC, 'typescript', ['src/local-part.ts', 'test/local-part.test.ts'])] } });
      const run = await umca.engine.createRun({ spec: RFC_SPEC, model, options: { references: [{ name: 'rfc-notes', content: RFC_NOTES }] } });
      const done = await umca.engine.execute(run.id);
      assert.equal(done.status, 'blocked');
      assert.match(done.reason ?? '', /blocked by gate g2-provenance: 1 citation quotes what the source does not say: F1 cites ref:rfc-notes: the quote "the local part must not exceed 128 octets" is not in that source/);
      const events = await umca.store.readEvents(run.id);
      const created = events[0]!.data as EventDataOf<'run.created'>;
      assert.deepEqual(created.options?.references, [{ name: 'rfc-notes', content: RFC_NOTES }], 'the documents are on the log, hashed with the rest');
      const research = events.find((e) => e.type === 'model.request' && e.data.role === 'researcher');
      assert.ok(research, 'the researcher was asked');
      assert.ok(!events.some((e) => e.type === 'model.request' && e.data.role === 'coder'), 'no code was written');
    } finally {
      await umca.close();
    }
  });
});
