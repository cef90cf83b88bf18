import { join, relative } from 'node:path';
import type { RunEvent } from '../core/events.js';
import { FINAL_STATUSES, type RunRecord } from '../core/run.js';
import type { Runs } from '../services/runs.js';
import type { Umca } from '../umca.js';
import { followEvents } from '../engine/follow-events.js';
import { CliError } from './cli-error.js';
import { EXIT, exitCodeFor } from './exit-codes.js';
import { ProgressRenderer } from './progress-renderer.js';

export interface WatchOptions {
  json?: boolean;
  /** Show events after this seq: 0 for a new run, the current head for a resumed one. */
  afterSeq: number;
}

/**
 * Executes a run in this process and shows it live: progress lines for people, or one
 * JSON event per line with --json. Ctrl-C stops the process but leaves the run
 * resumable. Returns the exit code for the run's final status.
 */
export async function executeAndWatch(umca: Umca, run: RunRecord, options: WatchOptions): Promise<number> {
  const out = process.stdout;
  const renderer = options.json ? undefined : new ProgressRenderer({ out });
  if (renderer) {
    const provider = umca.models.resolve(run.model);
    out.write(`run ${run.id}\nmodel ${provider.label}\n`);
  }
  const following = new AbortController();
  const printed = printEvents(followEvents(umca, run.id, { afterSeq: options.afterSeq, signal: following.signal }), renderer);

  let interrupted = false;
  const onSigint = () => {
    interrupted = true;
    void umca.engine.close();
  };
  process.once('SIGINT', onSigint);
  let final: RunRecord;
  try {
    final = await umca.engine.execute(run.id);
  } catch (error) {
    following.abort();
    renderer?.stop();
    throw error;
  } finally {
    process.off('SIGINT', onSigint);
  }
  if (interrupted || final.status === 'running') {
    following.abort();
    await printed.catch(() => undefined);
    renderer?.stop();
    throw new CliError(`interrupted; the run is kept: umca resume ${run.id}`, EXIT.interrupted);
  }
  await printed;
  renderer?.stop();
  if (renderer) printNextSteps(final, (await umca.store.listArtifacts(run.id)).length > 0 ? displayPath(join(umca.config.home, 'runs', run.id)) : undefined);
  return exitCodeFor(final.status);
}

/**
 * Follows a run a running `umca serve` executes, through the run use cases, and shows it
 * as `executeAndWatch` does. Ctrl-C stops following; the run goes on on the server.
 */
export async function followAndWatch(runs: Runs, run: RunRecord, options: WatchOptions): Promise<number> {
  const out = process.stdout;
  const renderer = options.json ? undefined : new ProgressRenderer({ out });
  if (renderer) out.write(`run ${run.id}\nmodel ${run.model}\n`);
  const following = new AbortController();
  let interrupted = false;
  const onSigint = () => {
    interrupted = true;
    following.abort();
  };
  process.once('SIGINT', onSigint);
  try {
    await printEvents(await runs.follow(run.id, { afterSeq: options.afterSeq, signal: following.signal }), renderer);
  } finally {
    process.off('SIGINT', onSigint);
    renderer?.stop();
  }
  if (interrupted) throw new CliError(`stopped following; the server goes on with the run: umca runs show ${run.id}`, EXIT.interrupted);
  const final = await runs.get(run.id);
  // The stream ended before the run did: the server stopped; the run resumes when it starts again.
  if (!FINAL_STATUSES.has(final.status)) throw new CliError(`the server stopped before run ${run.id} ended (${final.status}); it resumes when the server starts again`, EXIT.interrupted);
  if (renderer) printNextSteps(final, final.artifacts.length > 0 ? `umca runs show ${run.id} (on the server)` : undefined);
  return exitCodeFor(final.status);
}

/** Each event as a progress line, or as a JSON line (--json). */
async function printEvents(events: AsyncIterable<RunEvent | undefined>, renderer: ProgressRenderer | undefined): Promise<void> {
  for await (const event of events) {
    if (event === undefined) continue;
    if (renderer) renderer.render(event);
    else process.stdout.write(`${JSON.stringify(event)}\n`);
  }
}

/** Where the files are, and what to do next. */
function printNextSteps(final: RunRecord, artifacts: string | undefined): void {
  const out = process.stdout;
  if (artifacts !== undefined) out.write(`artifacts: ${artifacts}${artifacts.startsWith('umca ') ? '' : '/'}\n`);
  out.write(`verify:    npx umca verify ${final.id}\n`);
  if (final.status === 'blocked') out.write(`override:  npx umca override ${final.id} --reason "<why>"   (operators; recorded on the log)\n`);
}

function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') ? rel : path;
}
