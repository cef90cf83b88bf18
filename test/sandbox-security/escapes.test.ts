import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { attempt, createLanes } from './support/attempts.js';

// Classic JavaScript sandbox escapes (vm2-style) and Pyodide's ways into its JS host.
const lanes = createLanes();
after(() => Promise.all(lanes.all.map((lane) => lane.close())));

/** A guest probe: prints what each global-reaching trick found. */
const REACH = `const seen = (g) => g && typeof g === 'object' ? ['process', 'require', 'std', 'os', 'Deno', 'Bun', '__umca_write'].filter((k) => k in g) : typeof g;`;

describe('sandbox security: escapes', () => {
  it("wasm-js: this.constructor.constructor('return process')() finds no process", async () => {
    // A module's top-level `this` is undefined; the classic form runs with an object as `this`.
    const result = await attempt(
      lanes.wasmJs,
      'js',
      "const reach = function (body) { return this.constructor.constructor(body)(); };\nconsole.log(typeof reach.call({}, 'return this').process);\nreach.call({}, 'return process');",
      ['nonzero_exit'],
    );
    assert.equal(result.stdout, 'undefined\n');
    assert.match(result.message, /ReferenceError: 'process' is not defined/);
  });

  it('wasm-js: other routes to a global object lead only to the guest realm', async () => {
    const result = await attempt(
      lanes.wasmJs,
      'js',
      `${REACH}
console.log(JSON.stringify([
  seen(Function('return this')()),
  seen((0, eval)('this')),
  seen(Object.getPrototypeOf(async function () {}).constructor('return this')),
  seen([].constructor.constructor('return globalThis')()),
  seen(console.log.constructor('return this')()),
]));`,
      ['ok'],
    );
    assert.equal(result.stdout.trim(), '[[],[],"function",[],[]]');
  });

  it('wasm-js: a Promise species trick gets no host object and cannot run past its limits', async () => {
    const result = await attempt(
      lanes.wasmJs,
      'js',
      `${REACH}
class Evil extends Promise {
  static get [Symbol.species]() {
    return function (executor) { executor((v) => console.log('resolved', JSON.stringify(seen(v))), (e) => console.log('rejected', String(e))); };
  }
}
const p = Evil.resolve(globalThis);
p.then((x) => x);
Promise.prototype.then.call(Promise.resolve(1), function () { console.log('then this', JSON.stringify(seen(this))); });
await null;`,
      ['ok'],
    );
    assert.doesNotMatch(result.stdout, /process|require|__umca_write/);
  });

  it('wasm-js: Error.prepareStackTrace and captureStackTrace expose only guest frames', async () => {
    const result = await attempt(
      lanes.wasmJs,
      'js',
      `${REACH}
const found = [];
Error.prepareStackTrace = (error, frames) => {
  for (const frame of Array.isArray(frames) ? frames : []) {
    for (const getter of ['getThis', 'getFunction']) {
      try { const value = frame[getter] && frame[getter](); if (value) found.push(seen(value)); } catch { found.push('refused'); }
    }
  }
  return 'custom';
};
try { console.log(undefined.x); } catch (e) { void e.stack; }
try { console.log(new Proxy({}, { get() { throw new Error('from a trap'); } }).x); } catch (e) { void e.stack; }
const holder = {};
if (Error.captureStackTrace) Error.captureStackTrace(holder);
console.log(JSON.stringify(found.filter((f) => Array.isArray(f) && f.length > 0)));`,
      ['ok'],
    );
    assert.equal(result.stdout.trim(), '[]');
  });

  it("wasm-python: `import js` holds no host globals and `pyodide_js` is gone", async () => {
    const result = await attempt(
      lanes.wasmPython,
      'py',
      [
        'import js',
        "print(sorted(n for n in ['process', 'require', 'globalThis', 'fetch', 'eval', 'Function'] if hasattr(js, n)))",
        'try:',
        '    import pyodide_js',
        "    print('pyodide_js', pyodide_js)",
        'except ImportError as e:',
        "    print('refused:', e)",
        'try:',
        '    from pyodide.code import run_js',
        "    print(run_js('typeof process'))",
        'except Exception as e:',
        "    print('run_js refused:', type(e).__name__)",
      ].join('\n'),
      ['ok'],
    );
    assert.equal(result.stdout, "[]\nrefused: No module named 'pyodide_js'\nrun_js refused: ImportError\n");
  });

  it('wasm-python: reaching the JS realm through a proxy finds a fenced process (clean env, no fs, no spawn)', async () => {
    const result = await attempt(
      lanes.wasmPython,
      'py',
      [
        'from pyodide.ffi import to_js',
        'Function = to_js({}).constructor.constructor',
        'def probe(label, body):',
        '    try:',
        "        print(label, Function(body)())",
        '    except Exception as e:',
        "        print(label, 'refused:', str(e).splitlines()[0])",
        "probe('env', 'return Object.keys(process.env).sort().join(\",\")')",
        "probe('shadow', \"return process.getBuiltinModule('fs').readFileSync('/etc/shadow', 'utf8')\")",
        "probe('passwd', \"return process.getBuiltinModule('fs').readFileSync('/etc/passwd', 'utf8').length\")",
        "probe('write', \"return process.getBuiltinModule('fs').writeFileSync('/tmp/escape', 'x')\")",
        "probe('worker', \"return new (process.getBuiltinModule('worker_threads').Worker)('1', { eval: true })\")",
        "probe('binding', \"return process.binding('spawn_sync')\")",
      ].join('\n'),
      ['ok'],
    );
    const lines = Object.fromEntries(result.stdout.trim().split('\n').map((line) => [line.split(' ')[0], line]));
    assert.equal(lines.env, 'env HOME,LANG,PATH,PWD');
    for (const probe of ['shadow', 'passwd', 'write', 'worker', 'binding']) assert.match(lines[probe] ?? '', /refused: /, `${probe}: ${lines[probe]}`);
  });
});
