import { PASSING_REVIEW, planFor, scriptedModel } from './scripted.js';

/**
 * The repository the tests of runs on repositories work on: a JavaScript module whose
 * `add` subtracts, a node:test suite that catches it, and a ticket that says so.
 */
export const CALC_TICKET = 'add(a, b) in src/calc.js returns the difference instead of the sum; fix it so the tests pass.';
export const CALC_SOURCE = 'export function add(a, b) {\n  return a - b;\n}\n';
export const CALC_TEST = "import { test } from 'node:test';\nimport assert from 'node:assert/strict';\nimport { add } from '../src/calc.js';\n\ntest('adds', () => assert.equal(add(2, 3), 5));\n";

/** The repository's files; `test` replaces its test file. */
export function calcRepo(test = CALC_TEST): Record<string, string> {
  return {
    'package.json': JSON.stringify({ name: 'calc', type: 'module', scripts: { test: 'node --test' } }),
    'src/calc.js': CALC_SOURCE,
    'test/calc.test.js': test,
  };
}

/** The search/replace block that fixes `add`. */
export const CALC_FIX = 'src/calc.js\n<<<<<<< SEARCH\n  return a - b;\n=======\n  return a + b;\n>>>>>>> REPLACE\n';

/** A scripted model that plans the fix, cites the file, and answers with `coder` (default: the fix). */
export function calcFixModel(coder: string[] = [CALC_FIX]): string {
  return scriptedModel({
    replies: {
      ...PASSING_REVIEW,
      planner: [planFor(CALC_TICKET, 'javascript', ['src/calc.js'])],
      researcher: [JSON.stringify({ findings: [{ id: 'F1', claim: 'today add does: return a - b;', citations: [{ source: 'repo:src/calc.js', quote: 'return a - b;' }] }] })],
      coder,
    },
  });
}
