import { join, relative } from 'node:path';
import type { RunRecord } from '../core/run.js';
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
  const printed = (async () => {
    for await (const event of followEvents(umca, run.id, { afterSeq: options.afterSeq, signal: following.signal })) {
      if (event === undefined) continue;
      if (renderer) renderer.render(event);
      else out.write(`${JSON.stringify(event)}\n`);
    }
  })();

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
  if (renderer) {
    const artifacts = await umca.store.listArtifacts(run.id);
    if (artifacts.length > 0) out.write(`artifacts: ${displayPath(join(umca.config.home, 'runs', run.id))}/\n`);
    out.write(`verify:    npx umca verify ${run.id}\n`);
    if (final.status === 'blocked') out.write(`override:  npx umca override ${run.id} --reason "<why>"   (operators; recorded on the log)\n`);
  }
  return exitCodeFor(final.status);
}

function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') ? rel : path;
}
