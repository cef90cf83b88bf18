import type { SandboxLimits, TestOutcome } from './sandbox-lane.js';

/** The longest test name and failure message a result carries; longer ones are cut. */
export const MAX_TEST_NAME_CHARS = 500;
export const MAX_TEST_ERROR_CHARS = 2_000;

/** `text` cut to `max` characters, marked as cut. */
export function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * What a guest reported about its tests, made safe to put on the event log: names and errors
 * are strings of bounded length, `ok` a boolean, durations finite and between 0 and the job's
 * wall time (a guest that runs `Date.now` backwards cannot make them negative). Records past
 * `budgetBytes` (what the output limit leaves after stdout and stderr) are dropped, and
 * `exceeded` says so: everything a job returns counts toward one limit.
 */
export function boundTests(reported: readonly unknown[], wallMs: number, budgetBytes: number): { tests: TestOutcome[]; exceeded: boolean } {
  const tests: TestOutcome[] = [];
  let spent = 0;
  for (const record of reported) {
    const test = boundTest(record, wallMs);
    if (!test) continue;
    spent += Buffer.byteLength(test.name) + Buffer.byteLength(test.error ?? '') + 64;
    if (spent > budgetBytes) return { tests, exceeded: true };
    tests.push(test);
  }
  return { tests, exceeded: false };
}

/** One record, or undefined when it is not one (no string name, no boolean verdict). */
function boundTest(record: unknown, wallMs: number): TestOutcome | undefined {
  if (record === null || typeof record !== 'object') return undefined;
  const { name, ok, error, duration_ms: duration } = record as Record<string, unknown>;
  if (typeof name !== 'string' || typeof ok !== 'boolean') return undefined;
  const ms = typeof duration === 'number' && Number.isFinite(duration) ? Math.min(Math.max(0, duration), Math.max(0, wallMs)) : 0;
  return { name: cut(name, MAX_TEST_NAME_CHARS), ok, ...(typeof error === 'string' ? { error: cut(error, MAX_TEST_ERROR_CHARS) } : ok ? {} : { error: 'failed' }), duration_ms: Math.round(ms * 1000) / 1000 };
}

/** The byte budget the output limit leaves for test records after stdout and stderr. */
export function recordBudget(limits: SandboxLimits, stdout: string, stderr: string): number {
  return Math.max(0, limits.outputBytes - Buffer.byteLength(stdout) - Buffer.byteLength(stderr));
}
