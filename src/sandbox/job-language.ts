import type { SandboxJob, SandboxLanguage } from './sandbox-lane.js';

/** Test files by convention: `*.test.ts`, `*.spec.js`, `test_*.py`, `*_test.py`, `test_*.sh`, anything under `test/`. */
export function isTestFile(path: string): boolean {
  const name = path.split('/').pop() ?? path;
  return (
    /\.(test|spec)\.[cm]?[jt]sx?$/.test(path) ||
    /^(test_.*|.*_test)\.py$/.test(name) ||
    /^(test_.*|.*[._]test)\.sh$/.test(name) ||
    (/^(test|tests|__tests__)\//.test(path) && /\.([cm]?[jt]sx?|py|sh)$/.test(path))
  );
}

/** The language of a file by its extension, or undefined for data files. */
export function languageOfPath(path: string): SandboxLanguage | undefined {
  if (/\.[cm]?[jt]sx?$/.test(path)) return 'javascript';
  if (/\.py$/.test(path)) return 'python';
  if (/\.(sh|bash)$/.test(path)) return 'bash';
  return undefined;
}

/** The language a job runs: its entry's, else its tests'. Mixed test languages are refused. */
export function languageOfJob(job: Pick<SandboxJob, 'files' | 'entry' | 'tests' | 'command'>): { language?: SandboxLanguage; error?: string } {
  // A repository's test command is a shell command line, whatever it runs.
  if (job.command !== undefined) return job.command.trim() ? { language: 'bash' } : { error: 'the test command is empty' };
  if (job.entry !== undefined) {
    if (!(job.entry in job.files)) return { error: `entry "${job.entry}" is not among the job's files` };
    const language = languageOfPath(job.entry);
    return language ? { language } : { error: `cannot tell how to run "${job.entry}" (expected .js, .ts, .py or .sh)` };
  }
  const tests = testPathsOf(job);
  if (tests.length === 0) return { error: 'no test files to run' };
  const languages = new Set(tests.map(languageOfPath).filter((l) => l !== undefined));
  if (languages.size !== 1) return { error: `test files mix languages (${[...languages].join(', ') || 'none recognised'}); run one language per job` };
  return { language: [...languages][0]! };
}

/** The job's test files: the ones it names, else every file that looks like a test. */
export function testPathsOf(job: Pick<SandboxJob, 'files' | 'tests'>): string[] {
  return (job.tests ?? Object.keys(job.files).filter(isTestFile)).filter((path) => path in job.files);
}
