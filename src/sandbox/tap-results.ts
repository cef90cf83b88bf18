import { Parser, type Result } from 'tap-parser';
import type { TestOutcome } from './sandbox-lane.js';

/** Output that is TAP: a version line, or a plan or test point at a line's start. */
const LOOKS_LIKE_TAP = /^(TAP version \d+|1\.\.\d+|(not )?ok \d+\b)/m;

/**
 * The tests a TAP stream reports (tape, node-tap, prove, `--test-reporter=tap`…), read with
 * node-tap's own parser: one outcome per test point, subtests named after their parents,
 * skipped and todo points left out. A guest printed it: it is bounded by the output limit
 * already, and text that is not TAP gives no outcome.
 */
export function parseTap(output: string): TestOutcome[] {
  if (!LOOKS_LIKE_TAP.test(output)) return [];
  const outcomes: TestOutcome[] = [];
  const listen = (parser: Parser, prefix: string[]) => {
    const nested: string[] = [];
    parser.on('child', (child: Parser) => {
      const name = child.name || `subtest ${nested.length + 1}`;
      nested.push(name);
      listen(child, [...prefix, name]);
    });
    parser.on('assert', (point: Result) => {
      if (point.skip || point.todo) return;
      // A subtest's own summary point repeats what its children said.
      if (nested.includes(point.name)) return;
      const name = [...prefix, point.name || `test ${point.id}`].join(' > ');
      const message = typeof point.diag?.message === 'string' ? point.diag.message : undefined;
      outcomes.push({ name, ok: point.ok, ...(point.ok ? {} : { error: (message ?? 'not ok').slice(0, 500) }), duration_ms: typeof point.time === 'number' ? point.time : 0 });
    });
  };
  const parser = new Parser({ strict: false });
  listen(parser, []);
  try {
    parser.end(output);
  } catch {
    return outcomes;
  }
  return outcomes;
}
