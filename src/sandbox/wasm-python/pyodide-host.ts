/**
 * The program the wasm-python lane runs in each sandboxed child: plain JavaScript for
 * `node --input-type=module -e`, under bubblewrap and Node's permission model. It loads
 * Pyodide from the read-only package dir, reports `ready` on fd 3, takes ONE job as a JSON
 * line on stdin (its files included), writes the files into /work in Pyodide's in-memory
 * file system (in the WebAssembly heap, so the memory limit bounds it), runs the job and
 * reports the result on fd 3, with the files the job made or changed (path, size, SHA-256,
 * and the text of small ones): the child writes nothing to any real file system.
 * The guest's stdout and stderr travel on fd 3 as well, ahead of the result.
 *
 * Pyodide inside Node is not a boundary on its own (any JS proxy leads to `Function`), so
 * `js` is an empty object, `pyodide_js` is unregistered, and what a guest could still reach
 * is fenced by the layers outside: no fs beyond reading the package, no child processes,
 * no network namespace, a clean environment, rlimits.
 */
export const PYODIDE_HOST = String.raw`
import { createHash } from 'node:crypto';
import { constants as fsConstants, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';

const [pyodideDir, runnerSource, executeSource] = process.argv.slice(1);
// Emscripten's NODEFS (which Pyodide sets up in Node) asks process.binding for the fs
// constants; the permission model forbids it.
process.binding = (name) => {
  if (name === 'constants') return { fs: fsConstants };
  throw new Error('process.binding is not available in the sandbox');
};
const report = (message) => writeSync(3, JSON.stringify(message) + '\n');
// The guest's output travels on fd 3 too, so the host sees all of it before the result.
const writer = (fd) => ({ write: (bytes) => { report({ type: 'output', fd, data: Buffer.from(bytes).toString('base64') }); return bytes.length; } });

const { loadPyodide } = await import(pyodideDir + '/pyodide.mjs');
const pyodide = await loadPyodide({ indexURL: pyodideDir + '/', jsglobals: Object.create(null) });
pyodide.setStdout(writer(1));
pyodide.setStderr(writer(2));
pyodide.FS.mkdirTree('/work');
pyodide.FS.chdir('/work');
pyodide.FS.mkdirTree('/umca');
pyodide.FS.writeFile('/umca/_umca_runner.py', runnerSource);
pyodide.runPython(executeSource);
pyodide.unregisterJsModule('pyodide_js');
pyodide.runPython("import sys\nfor name in [n for n in sys.modules if n == 'pyodide_js' or n.startswith('pyodide_js.')]: del sys.modules[name]");
const execute = pyodide.globals.get('_umca_execute');
// Hashing initialises OpenSSL on first use (~5 ms): done here, off the job's clock.
createHash('sha256').update('warm').digest('hex');
artifacts({});
report({ type: 'ready' });

for await (const line of createInterface({ input: process.stdin })) {
  // The host checked every path; they land under /work in Pyodide's memory.
  const { files, ...job } = JSON.parse(line);
  for (const [path, content] of Object.entries(files)) {
    pyodide.FS.mkdirTree(dirname('/work/' + path));
    pyodide.FS.writeFile('/work/' + path, content);
  }
  const result = JSON.parse(execute(JSON.stringify(job)));
  report({ type: 'result', ...result, artifacts: artifacts(files) });
  process.exit(0);
}

/** Files under /work the job made or changed: at most 200, text inline up to 256 KiB each and 4 MiB in all. */
function artifacts(inputs) {
  const sha = (bytes) => createHash('sha256').update(bytes).digest('hex');
  const given = new Map(Object.entries(inputs).map(([path, content]) => [path, sha(Buffer.from(content))]));
  const found = [];
  let inline = 4 * 1024 * 1024;
  const { FS } = pyodide;
  const walk = (dir, prefix) => {
    for (const name of FS.readdir(dir).filter((n) => n !== '.' && n !== '..').sort()) {
      if (found.length >= 200) return;
      const path = prefix ? prefix + '/' + name : name;
      const mode = FS.lstat(dir + '/' + name).mode;
      if (FS.isDir(mode)) walk(dir + '/' + name, path);
      if (!FS.isFile(mode)) continue;
      const bytes = Buffer.from(FS.readFile(dir + '/' + name));
      const size = bytes.length;
      const digest = sha(bytes);
      if (given.get(path) === digest) continue;
      const text = size <= 256 * 1024 && size <= inline ? bytes.toString('utf8') : undefined;
      if (text !== undefined) inline -= size;
      found.push({ path, size, sha256: digest, ...(text !== undefined ? { content: text } : {}) });
    }
  };
  try {
    walk('/work', '');
  } catch {
    // an unreadable tree yields what was found
  }
  return found;
}
`;

/** Python, loaded once per child: runs one job (a program or unittest files) and answers JSON. */
export const PYODIDE_EXECUTE = String.raw`
import json, sys, traceback, unittest
sys.path.insert(0, '/umca')
import _umca_runner
sys.path.remove('/umca')
sys.path.insert(0, '/work')

def _umca_run_main(path):
    """Runs a file as __main__, as the python command would (runpy.run_path costs ~4 ms in Pyodide)."""
    with open(path, 'rb') as f:
        code = compile(f.read(), path, 'exec')
    exec(code, {'__name__': '__main__', '__file__': path, '__builtins__': __builtins__, '__package__': None, '__spec__': None, '__loader__': None, '__cached__': None})

def _umca_warm_up():
    # The first program and the first test load import and compile modules from the zipped
    # stdlib; doing both once here keeps that off the job's clock.
    import os, tempfile
    with tempfile.TemporaryDirectory() as scratch:
        with open(os.path.join(scratch, 'warm.py'), 'w') as f:
            f.write('import sys\nx = [i * 2 for i in range(10)]\nprint(x, file=sys.stderr, end="")\n')
        saved = sys.stderr
        sys.stderr = open(os.devnull, 'w')
        try:
            _umca_run_main(os.path.join(scratch, 'warm.py'))
        finally:
            sys.stderr.close()
            sys.stderr = saved
    unittest.TestLoader().loadTestsFromTestCase(unittest.TestCase)
    _umca_runner.run_tests([], lambda record: None)
    json.dumps(json.loads('{"a": [1]}'))

_umca_warm_up()

def _umca_execute(line):
    job = json.loads(line)
    records = []
    def answer(code, error=None):
        sys.stdout.flush()
        sys.stderr.flush()
        return json.dumps({'exitCode': code, 'tests': records, **({'error': error} if error else {})})
    try:
        if job.get('entry') is not None:
            sys.argv = [job['entry']]
            try:
                _umca_run_main(job['entry'])
            except SystemExit as exit:
                if exit.code is None or isinstance(exit.code, int):
                    return answer(exit.code or 0)
                print(exit.code, file=sys.stderr)
                return answer(1)
            return answer(0)
        _umca_runner.run_tests(job['tests'], records.append)
        return answer(0)
    except MemoryError:
        return answer(1, 'MemoryError')
    except BaseException as error:
        traceback.print_exc()
        return answer(1, ''.join(traceback.format_exception_only(type(error), error)).strip().splitlines()[-1])
`;
