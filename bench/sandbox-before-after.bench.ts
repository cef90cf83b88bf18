// The process lane of a previous build against this one, one job of each in turn:
//   git worktree add /tmp/base <rev> && (cd /tmp/base && npm ci && npx tsc -p tsconfig.build.json)
//   BENCH_BEFORE=/tmp/base/dist npm run bench:sandbox-before-after
// Rows: before, after (the memory cgroup where one can be made), after with RLIMIT_AS only.
const before = process.env.BENCH_BEFORE;
if (!before) {
  console.error('set BENCH_BEFORE to a previous build\'s dist/ directory (see the comment at the top of this file)');
  process.exit(2);
}
type Lane = import('../src/sandbox/process/process-lane.js').ProcessLane;
const { ProcessLane: Before } = (await import(`${before}/sandbox/process/process-lane.js`)) as typeof import('../src/sandbox/process/process-lane.js');
const { ProcessLane: After } = (await import('../dist/sandbox/process/process-lane.js' as string)) as typeof import('../src/sandbox/process/process-lane.js');

const ROUNDS = Number(process.env.BENCH_RUNS ?? 21);
const limits = { timeoutMs: 10_000, memoryBytes: 64 << 20, outputBytes: 1 << 20 };
const jobs = {
  'trivial program (python3)': { files: { 'main.py': "print('hi')" }, entry: 'main.py', limits },
  'trivial program (node)': { files: { 'main.js': "console.log('hi')" }, entry: 'main.js', limits },
  'one unittest file (python3)': { files: { 'test_a.py': 'import unittest\nclass T(unittest.TestCase):\n    def test_a(self):\n        self.assertEqual(1, 1)\n' }, limits },
};
const lanes: Record<string, Lane> = { before: new Before(), after: new After(), rlimit: new After({ cgroups: false }) };
for (const lane of Object.values(lanes)) await lane.warm();
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

console.log(`| job | before | after (${lanes.after!.memoryBound}) | ratio | after (rlimit-as) | ratio |`);
console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
for (const [what, job] of Object.entries(jobs)) {
  process.stderr.write(`  ${what}\n`);
  const times: Record<string, number[]> = { before: [], after: [], rlimit: [] };
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, lane] of Object.entries(lanes)) {
      const started = performance.now();
      const result = await lane.run(job);
      times[name]!.push(performance.now() - started);
      if (result.status !== 'ok') throw new Error(`${name}, ${what}: ${result.status}: ${result.message}`);
    }
  }
  const [b, a, r] = [median(times.before!), median(times.after!), median(times.rlimit!)];
  console.log(`| ${what} | ${b.toFixed(1)} ms | ${a.toFixed(1)} ms | ${(a / b).toFixed(3)}x | ${r.toFixed(1)} ms | ${(r / b).toFixed(3)}x |`);
}
for (const lane of Object.values(lanes)) await lane.close();
