/**
 * JavaScript that runs INSIDE the QuickJS guest: a tiny test API in the shape of
 * `node:test` and `node:assert`, so model-written tests run unchanged. It sees only two host
 * functions, taken off the global object before any guest code runs: `__umca_write` (output)
 * and `__umca_report` (each test's registration, start and outcome, sent across the boundary
 * as it happens). Verdicts are kept by the host, never in guest memory, and the harness uses
 * only references it took before guest code ran: a guest that patches `Array.prototype.push`,
 * `JSON.stringify`, `Date.now` or `Promise.prototype.then` cannot turn a failure into a pass.
 * A test the host never hears an outcome for is a failure.
 */
export const HARNESS_MODULE = 'umca:test';

export const HARNESS_SOURCE = String.raw`
// Taken before any guest code runs; nothing below looks up a built-in at run time to record a verdict.
const report = globalThis.__umca_report;
delete globalThis.__umca_report;
const REGISTER = 0, START = 1, PASS = 2, FAIL = 3, DONE = 4;
const fns = Object.create(null);
const names = Object.create(null);
let count = 0;
let prefix = '';
let ran = false;

function format(value) {
  if (typeof value === 'string') return value;
  if (value instanceof Error) return value.name + ': ' + value.message;
  try { const text = JSON.stringify(value); return text === undefined ? String(value) : text; } catch { return String(value); }
}
const write = globalThis.__umca_write;
delete globalThis.__umca_write;
const print = (stream) => (...args) => write(stream, args.map(format).join(' ') + '\n');
globalThis.console = { log: print(1), info: print(1), debug: print(1), warn: print(2), error: print(2) };

// Timers on a virtual clock: after the microtasks drain, the host fires the earliest one.
// Deterministic and instant: a 10 s setTimeout costs nothing, and nothing waits on real time.
let clock = 0;
let nextTimer = 1;
const timers = new Map();
function schedule(fn, ms, args, repeat) {
  if (typeof fn !== 'function') throw new TypeError('the callback must be a function');
  const id = nextTimer++;
  const delay = Math.max(0, Number(ms) || 0);
  timers.set(id, { fn, args, at: clock + delay, delay, repeat, order: id });
  return id;
}
globalThis.setTimeout = (fn, ms, ...args) => schedule(fn, ms, args, false);
globalThis.setInterval = (fn, ms, ...args) => schedule(fn, Math.max(1, Number(ms) || 0), args, true);
globalThis.setImmediate = (fn, ...args) => schedule(fn, 0, args, false);
globalThis.clearTimeout = globalThis.clearInterval = globalThis.clearImmediate = (id) => { timers.delete(id); };
Object.defineProperty(globalThis, '__umca_tick', { writable: false, configurable: false, enumerable: false, value: () => {
  let due;
  for (const [id, timer] of timers) if (!due || timer.at < due[1].at || (timer.at === due[1].at && timer.order < due[1].order)) due = [id, timer];
  if (!due) return false;
  const [id, timer] = due;
  clock = timer.at;
  if (timer.repeat) { timer.at = clock + timer.delay; timer.order = nextTimer++; } else timers.delete(id);
  timer.fn(...timer.args);
  return true;
} });

export class AssertionError extends Error {
  constructor(message) { super(message); this.name = 'AssertionError'; }
}

function isDeepEqual(a, b) {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  if (a instanceof Date) return a.getTime() === b.getTime();
  if (a instanceof Map || a instanceof Set) return isDeepEqual([...a], [...b]);
  const ka = Object.keys(a), kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && isDeepEqual(a[k], b[k]));
}

function fail(message, fallback) { throw new AssertionError(message ?? fallback); }
function matches(error, expected) {
  if (expected === undefined) return true;
  if (typeof expected === 'function') return expected.prototype !== undefined && error instanceof expected ? true : (expected.prototype === undefined ? expected(error) === true : false);
  if (expected instanceof RegExp) return expected.test(error && error.message !== undefined ? error.message : String(error));
  if (typeof expected === 'object') return Object.keys(expected).every((k) => expected[k] instanceof RegExp ? expected[k].test(error[k]) : isDeepEqual(error[k], expected[k]));
  return false;
}

export function assert(value, message) { if (!value) fail(message, 'expected a truthy value, got ' + format(value)); }
assert.ok = assert;
assert.equal = (a, b, m) => { if (!Object.is(a, b) && a !== b) fail(m, 'expected ' + format(a) + ' to equal ' + format(b)); };
assert.strictEqual = assert.equal;
assert.notEqual = (a, b, m) => { if (Object.is(a, b)) fail(m, 'expected ' + format(a) + ' not to equal ' + format(b)); };
assert.notStrictEqual = assert.notEqual;
assert.deepEqual = (a, b, m) => { if (!isDeepEqual(a, b)) fail(m, 'expected ' + format(a) + ' to deeply equal ' + format(b)); };
assert.deepStrictEqual = assert.deepEqual;
assert.notDeepEqual = (a, b, m) => { if (isDeepEqual(a, b)) fail(m, 'expected ' + format(a) + ' not to deeply equal ' + format(b)); };
assert.notDeepStrictEqual = assert.notDeepEqual;
assert.match = (s, re, m) => { if (!re.test(s)) fail(m, 'expected ' + format(s) + ' to match ' + re); };
assert.fail = (m) => fail(m, 'failed');
assert.throws = (fn, expected, m) => {
  try { fn(); } catch (error) { if (!matches(error, expected)) fail(typeof expected === 'string' ? expected : m, 'threw ' + format(error) + ', not the expected error'); return; }
  fail(typeof expected === 'string' ? expected : m, 'expected the function to throw');
};
assert.rejects = async (fnOrPromise, expected, m) => {
  try { await (typeof fnOrPromise === 'function' ? fnOrPromise() : fnOrPromise); } catch (error) { if (!matches(error, expected)) fail(m, 'rejected with ' + format(error) + ', not the expected error'); return; }
  fail(m, 'expected a rejection');
};
assert.strict = assert;

export function test(name, options, fn) {
  if (typeof options === 'function') fn = options;
  const full = prefix + String(name);
  const index = report(REGISTER, count, full);
  fns[index] = fn;
  names[index] = full;
  count = index + 1;
}
export const it = test;
export function describe(name, options, fn) {
  if (typeof options === 'function') fn = options;
  const outer = prefix;
  prefix = outer + String(name) + ' > ';
  try { fn(); } finally { prefix = outer; }
}

function describeError(error) {
  try { return error instanceof Error ? error.name + ': ' + error.message : 'threw ' + format(error); } catch { return 'threw a value that cannot be described'; }
}

/** Runs every registered test once, telling the host as each starts and ends. */
export async function __umca_run() {
  if (ran) return;
  ran = true;
  for (let i = 0; i < count; i += 1) {
    report(START, i, '');
    try {
      await fns[i]({ name: names[i] });
      report(PASS, i, '');
    } catch (error) {
      report(FAIL, i, describeError(error));
    }
  }
  report(DONE, 0, '');
}

globalThis.test = test;
globalThis.it = it;
globalThis.describe = describe;
globalThis.assert = assert;
export default test;
`;

/** Specifiers model-written tests commonly import, all served by the harness. */
export const HARNESS_ALIASES: ReadonlySet<string> = new Set([HARNESS_MODULE, 'node:test', 'node:assert', 'node:assert/strict', 'assert', 'assert/strict']);

/** The `node:assert` shape: the default export is `assert` itself. */
export const ASSERT_SHIM_SOURCE = `import { assert, AssertionError } from '${HARNESS_MODULE}';\nexport { AssertionError };\nexport const { ok, equal, strictEqual, notEqual, notStrictEqual, deepEqual, deepStrictEqual, notDeepEqual, notDeepStrictEqual, match, throws, rejects, fail, strict } = assert;\nexport default assert;\n`;
