import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parsePlan, type Plan } from '../../src/agents/plan.js';
import { G1PlanGate } from '../../src/gates/g1-plan.js';
import { demoFixture } from '../support/scripted.js';
import { gateContext, judgeReply } from '../support/gate-context.js';
import { testUmca } from '../support/umca.js';
import { DEMO_SPEC, PASSING_REVIEW, planFor, scriptedModel } from '../support/scripted.js';

const DEMO_PLAN = (parsePlan(demoFixture().replies.planner![0] as string) as { value: Plan }).value;

const DURATIONS_SPEC = `Write a Python module durations.py with parse_duration(text) that turns an ISO-8601 duration such as P3DT4H5M into seconds.
Reject text that is not a duration with ValueError. Weeks (P2W) count as seven days. Include unittest tests.`;

const DURATIONS_PLAN: Plan = {
  title: 'ISO-8601 durations',
  summary: 'parse_duration(text) in durations.py returns the seconds of an ISO-8601 duration.',
  language: 'python',
  requirements: [
    { id: 'R1', text: 'a Python module durations.py with parse_duration(text) that turns an ISO-8601 duration such as P3DT4H5M into seconds', steps: ['S1', 'S2'], tests: ['A1'] },
    { id: 'R2', text: 'Reject text that is not a duration with ValueError', steps: ['S3'], tests: ['A2'] },
    { id: 'R3', text: 'Weeks (P2W) count as seven days', steps: ['S2'], tests: ['A3'] },
    { id: 'R4', text: 'Include unittest tests', steps: ['S4'], tests: ['A1', 'A2', 'A3'] },
  ],
  steps: [
    { id: 'S1', description: 'Match the duration with a regular expression for the date and time parts.' },
    { id: 'S2', description: 'Sum the parts in seconds, weeks as seven days.' },
    { id: 'S3', description: 'Raise ValueError for anything the expression does not match.' },
    { id: 'S4', description: 'unittest cases for each part, weeks and invalid input.' },
  ],
  files: ['durations.py', 'test_durations.py'],
  acceptance: [
    { id: 'A1', text: "parse_duration('P3DT4H5M') == 273900" },
    { id: 'A2', text: "parse_duration('3 days') raises ValueError" },
    { id: 'A3', text: "parse_duration('P2W') == 1209600" },
  ],
};

const BUCKET_SPEC = `# Token bucket
- capacity and refill rate per second set at construction
- take(n) returns true and spends n tokens when enough are left, false otherwise
- tests for bursts up to the capacity and for refills over time`;

const BUCKET_PLAN: Plan = {
  title: 'token bucket',
  summary: 'A TokenBucket class with a clock passed in, so refills are testable.',
  language: 'typescript',
  requirements: [
    { id: 'R1', text: 'capacity and refill rate per second set at construction', steps: ['S1'], tests: ['A1'] },
    { id: 'R2', text: 'take(n) returns true and spends n tokens when enough are left, false otherwise', steps: ['S2'], tests: ['A1', 'A2'] },
    { id: 'R3', text: 'tests for bursts up to the capacity and for refills over time', steps: ['S3'], tests: ['A1', 'A3'] },
  ],
  steps: [
    { id: 'S1', description: 'Constructor taking capacity, refill per second and a clock.' },
    { id: 'S2', description: 'take(n): refill by elapsed time, then spend if enough tokens.' },
    { id: 'S3', description: 'node:test cases with a fake clock.' },
  ],
  files: ['src/token-bucket.ts', 'test/token-bucket.test.ts'],
  acceptance: [
    { id: 'A1', text: 'a burst of capacity takes succeeds and the next fails' },
    { id: 'A2', text: 'take(5) on 4 tokens returns false and spends nothing' },
    { id: 'A3', text: 'after one second, refill-rate tokens are back' },
  ],
};

const without = (plan: Plan, ids: string[]): Plan => ({ ...plan, requirements: plan.requirements!.filter((r) => !ids.includes(r.id)) });

// The calibration set: plans the gate must pass and plans it must block, with why.
const GOOD: Array<[string, string, Plan]> = [
  ['the demo plan', DEMO_SPEC, DEMO_PLAN],
  ['a Python plan for ISO-8601 durations', DURATIONS_SPEC, DURATIONS_PLAN],
  ['a plan for a bulleted token-bucket spec', BUCKET_SPEC, BUCKET_PLAN],
];

const BAD: Array<[string, string, Plan, string, RegExp]> = [
  ['lists no requirements', DEMO_SPEC, { ...DEMO_PLAN, requirements: undefined } as unknown as Plan, judgeReply(), /the plan lists no requirements traced to steps and tests/],
  ['leaves out two of the spec\'s requirements', DEMO_SPEC, without(DEMO_PLAN, ['R3', 'R5']), judgeReply(), /4 of 6 spec requirements are in the plan; missing: "strips accents \(é -> e\)" \(line 1\); "trims hyphens from both ends" \(line 1\)/],
  ['traces a requirement to a step it does not have', DURATIONS_SPEC, { ...DURATIONS_PLAN, requirements: DURATIONS_PLAN.requirements!.map((r) => (r.id === 'R3' ? { ...r, steps: ['S9'] } : r)) }, judgeReply(), /R3: it names step S9, which the plan does not have/],
  ['leaves a requirement untested', BUCKET_SPEC, { ...BUCKET_PLAN, requirements: BUCKET_PLAN.requirements!.map((r) => (r.id === 'R2' ? { ...r, tests: [] } : r)) }, judgeReply(), /R2: no acceptance criterion tests it/],
  ['plans no test file', DURATIONS_SPEC, { ...DURATIONS_PLAN, files: ['durations.py'] }, judgeReply(), /the plan has no test file/],
  ['drops one requirement, which the judge sees', DEMO_SPEC, without(DEMO_PLAN, ['R3']), judgeReply({ coverage: 0.4 }), /judge: coverage scored 0\.4/],
  ['needs the network, says the judge', BUCKET_SPEC, BUCKET_PLAN, judgeReply({ feasibility: 0.2 }), /judge: feasibility scored 0\.2/],
];

describe('G1 plan completeness: calibration', () => {
  const gate = new G1PlanGate({ threshold: 0.8, judge: true });

  for (const [name, spec, plan] of GOOD) {
    it(`passes ${name}`, async () => {
      const context = gateContext('gate:g1-plan', [judgeReply()]);
      const verdict = await gate.evaluate({ spec, plan }, context);
      assert.equal(verdict.decision, 'pass', verdict.reasons.join('; '));
      assert.equal(verdict.score, 1);
      assert.deepEqual(verdict.evaluators?.map((e) => e.id), ['requirements-traced', 'spec-covered', 'tests-planned', 'judge:coverage', 'judge:testability', 'judge:feasibility', 'judge:focus']);
      assert.match(context.prompts[0]!, /Rubric:\n- "coverage": Does every requirement/, 'the judge was given the rubric');
      assert.ok(context.prompts[0]!.includes(spec), 'and the spec');
    });
  }

  for (const [name, spec, plan, judge, why] of BAD) {
    it(`blocks a plan that ${name}`, async () => {
      const verdict = await gate.evaluate({ spec, plan }, gateContext('gate:g1-plan', [judge]));
      assert.equal(verdict.decision, 'block');
      assert.ok((verdict.score ?? 1) < 0.8);
      assert.match(verdict.reasons.join('\n'), why);
    });
  }

  it('sends an invalid judge verdict back once, then scores the valid one', async () => {
    const context = gateContext('gate:g1-plan', ['{"coverage": {"score": 2}}', judgeReply()]);
    const verdict = await gate.evaluate({ spec: DEMO_SPEC, plan: DEMO_PLAN }, context);
    assert.equal(verdict.decision, 'pass');
    assert.equal(context.prompts.length, 2);
    assert.match(context.prompts[1]!, /Your reply was invalid: the verdict does not match the rubric: coverage\.score: Too big/);
  });

  it('judges by structure alone when the judge is off', async () => {
    const structural = new G1PlanGate({ threshold: 0.8, judge: false });
    const context = gateContext('gate:g1-plan');
    const verdict = await structural.evaluate({ spec: DEMO_SPEC, plan: DEMO_PLAN }, context);
    assert.equal(verdict.decision, 'pass');
    assert.equal(context.prompts.length, 0, 'no model was asked');
  });
});

describe('G1 plan completeness: in a run', () => {
  it('ends a run as blocked with the gate\'s reasons when the plan misses requirements, before any research or code', async () => {
    const spec = 'Write a stack with push and pop. It must report its size. Include tests.';
    const partial = JSON.parse(planFor('Write a stack with push and pop', 'typescript', ['src/stack.ts', 'test/stack.test.ts'])) as Plan;
    const umca = await testUmca();
    try {
      const run = await umca.engine.createRun({ spec, model: scriptedModel({ replies: { ...PASSING_REVIEW, planner: [JSON.stringify(partial)] } }) });
      const done = await umca.engine.execute(run.id);
      assert.equal(done.status, 'blocked');
      assert.match(done.reason ?? '', /blocked by gate g1-plan: 1 of 3 spec requirements are in the plan; missing: "It must report its size" \(line 1\); "Include tests" \(line 1\)/);
      const events = await umca.store.readEvents(run.id);
      const decision = events.find((e) => e.type === 'gate.decision' && e.data.gate === 'g1-plan');
      assert.ok(decision?.type === 'gate.decision' && decision.data.threshold === 0.8);
      assert.deepEqual(events.filter((e) => e.type === 'model.request').map((e) => e.type === 'model.request' && e.data.role), ['planner', 'judge'], 'the judge was asked through the gateway; no research, no coder');
    } finally {
      await umca.close();
    }
  });
});
