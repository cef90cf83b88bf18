/**
 * Small programs that run INSIDE the sandbox, next to the guest: test runners that report
 * one JSON line per test to a file the host reads, and the egress bridge. The lane writes
 * them once into a directory mounted read-only at /umca.
 */

/** A `node:test` reporter: one line per finished test, names prefixed by their suites. */
export const NODE_TEST_REPORTER = String.raw`
export default async function* report(source) {
  const names = [];
  for await (const event of source) {
    const data = event.data ?? {};
    if (event.type === 'test:start') names[data.nesting] = data.name;
    if ((event.type === 'test:pass' || event.type === 'test:fail') && data.details?.type !== 'suite') {
      const name = [...names.slice(0, data.nesting), data.name].join(' > ');
      const record = { name, ok: event.type === 'test:pass', duration_ms: data.details?.duration_ms ?? 0 };
      if (event.type === 'test:fail') {
        const error = data.details?.error;
        const cause = error?.cause ?? error;
        record.error = cause ? (cause.name ? cause.name + ': ' : '') + (cause.message ?? String(cause)) : 'failed';
      }
      yield JSON.stringify(record) + '\n';
    }
  }
}
`;

/**
 * Runs unittest test modules and writes one JSON line per test. Shared by the process lane
 * (python3 runs it as a script) and the wasm-python lane (Pyodide imports it).
 */
export const PYTHON_TEST_RUNNER = String.raw`
import json, sys, time, traceback, unittest

def _describe(err):
    return ''.join(traceback.format_exception_only(err[0], err[1])).strip().splitlines()[-1]

class _Result(unittest.TestResult):
    def __init__(self, sink):
        super().__init__()
        self._sink = sink
        self._started = time.perf_counter()
    def startTest(self, test):
        super().startTest(test)
        self._started = time.perf_counter()
    def _emit(self, name, ok, error=None):
        record = {'name': name, 'ok': ok, 'duration_ms': round((time.perf_counter() - self._started) * 1000, 3)}
        if error is not None:
            record['error'] = error
        self._sink(record)
    def addSuccess(self, test):
        super().addSuccess(test)
        self._emit(test.id(), True)
    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._emit(test.id(), False, _describe(err))
    def addError(self, test, err):
        super().addError(test, err)
        self._emit(test.id(), False, _describe(err))
    def addExpectedFailure(self, test, err):
        super().addExpectedFailure(test, err)
        self._emit(test.id(), True)
    def addUnexpectedSuccess(self, test):
        super().addUnexpectedSuccess(test)
        self._emit(test.id(), False, 'unexpected success')
    def addSubTest(self, test, subtest, err):
        super().addSubTest(test, subtest, err)
        if err is not None:
            self._emit(subtest.id(), False, _describe(err))

def run_tests(paths, sink):
    """Loads each test file as a module; a file that fails to import raises."""
    if '' not in sys.path and '.' not in sys.path:
        sys.path.insert(0, '.')
    loader = unittest.TestLoader()
    suite = unittest.TestSuite()
    for path in paths:
        suite.addTests(loader.loadTestsFromName(path[:-3].replace('/', '.')))
    suite.run(_Result(sink))

if __name__ == '__main__':
    with open(sys.argv[1], 'w') as out:
        def sink(record):
            out.write(json.dumps(record) + '\n')
            out.flush()
        try:
            run_tests(sys.argv[2:], sink)
        except BaseException:
            traceback.print_exc()
            sys.exit(2)
`;

/** Runs each bash test file; one line per file: `<index> <exit status> <milliseconds>`. */
export const BASH_TEST_RUNNER = String.raw`
out="$1"; shift
i=0
for file in "$@"; do
  start=$(date +%s%N)
  bash "$file"
  status=$?
  end=$(date +%s%N)
  echo "$i $status $(( (end - start) / 1000000 ))" >> "$out"
  i=$((i + 1))
done
`;

/**
 * Inside a sandbox granted egress: listens on 127.0.0.1:3128 in the sandbox's own network
 * namespace and relays each connection to umca's egress proxy over a Unix socket, then
 * runs the guest command and exits with its status. The guest reaches the proxy through
 * HTTP_PROXY / HTTPS_PROXY; nothing else leaves the namespace.
 */
export const EGRESS_BRIDGE = String.raw`
import { createServer, connect } from 'node:net';
import { spawn } from 'node:child_process';
const [socketPath, ...command] = process.argv.slice(1);
const server = createServer((client) => {
  const upstream = connect(socketPath);
  client.pipe(upstream).pipe(client);
  const close = () => { client.destroy(); upstream.destroy(); };
  client.on('error', close);
  upstream.on('error', close);
});
server.listen(3128, '127.0.0.1', () => {
  const child = spawn(command[0], command.slice(1), { stdio: 'inherit' });
  child.on('error', (error) => { console.error(error.message); process.exit(127); });
  child.on('exit', (code, signal) => {
    server.close();
    if (signal) process.kill(process.pid, signal);
    process.exit(code ?? 1);
  });
});
`;

/**
 * The process lane's first and last step inside the sandbox: copies the job's files from the
 * read-only /umca-in into /work (a size-capped tmpfs), runs the guest command, then archives
 * /work into /umca-out/work.tar, one of the few host files the sandbox may write, for the host
 * to read the job's artifacts from. Nothing the guest writes reaches the host's disk except
 * through those capped files. Exits with the guest's status.
 */
export const SUPERVISOR = String.raw`
# Under bubblewrap the files are in place already (--file); gVisor mounts them at /umca-in.
if [ -d /umca-in ] && ! cp -R /umca-in/. /work/ 2>/dev/null; then
  echo "umca: the job's files do not fit in the work dir: No space left on device" >&2
  exit 125
fi
# Read-only layers (installed dependencies) are mounted at /umca-layers/N and linked into /work.
for layer in $UMCA_LAYERS; do
  n=$(echo "$layer" | cut -d: -f1)
  at=$(echo "$layer" | cut -d: -f2-)
  rm -rf "/work/$at" && mkdir -p "$(dirname "/work/$at")" && ln -s "/umca-layers/$n" "/work/$at"
done
unset UMCA_LAYERS
"$@" </dev/null
status=$?
tar --create --file=/umca-out/work.tar --directory=/work . 2>/dev/null
exit $status
`;
