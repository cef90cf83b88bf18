import { useEffect, useState } from 'react';
import { api } from '../api.js';
import type { RunView } from '../run-model.js';
import { ErrorBox } from './error-box.js';

const PATCH = 'umca.patch';
const SHOWN_LINES = 5_000;

/**
 * A run on a repository: where it started, the files its change touches, the diff (the run's
 * umca.patch, once stored) beside the repository's own test results, and the branch it
 * handed back.
 */
export function ChangeView({ runId, view, hasPatch }: { runId: string; view: RunView; hasPatch: boolean }) {
  const [patch, setPatch] = useState<string>();
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    if (!hasPatch) return;
    api<string>(`/v1/runs/${runId}/artifacts/${PATCH}`).then((text) => setPatch(typeof text === 'string' ? text : ''), setError);
  }, [runId, hasPatch]);
  const repo = view.repo!;
  const tests = view.tests?.tests ?? [];
  return (
    <section aria-label="change" className="change">
      <h2>Change</h2>
      <p>
        <code>{repo.source}</code> at <code>{repo.commit.slice(0, 12)}</code> ({repo.ref}), tested with <code>{repo.test_command}</code>
        {repo.dirty ? ' — the working tree had uncommitted changes, which the run does not see' : ''}
      </p>
      {view.handoff && (
        <p className="handoff">
          Branch <code>{view.handoff.branch}</code> at <code>{view.handoff.commit.slice(0, 12)}</code>: {view.handoff.files} file{view.handoff.files === 1 ? '' : 's'} changed. Apply it elsewhere with <code>umca apply {runId}</code>.
        </p>
      )}
      {view.change && (
        <ul className="changed-files" aria-label="changed files">
          {view.change.map((file) => (
            <li key={file.path}>
              <span className={`change-${file.change}`}>{file.change}</span> <code>{file.path}</code> <span className="added">+{file.added_lines}</span> <span className="removed">−{file.removed_lines}</span>
            </li>
          ))}
        </ul>
      )}
      <div className="change-columns">
        <div className="diff" aria-label="diff">
          <h3>Diff</h3>
          <ErrorBox error={error} />
          {patch === undefined ? (
            <p className="hint">{hasPatch ? 'loading…' : 'The diff is stored when the run ends.'}</p>
          ) : patch === '' ? (
            <p className="hint">No change.</p>
          ) : (
            <pre>
              {patch.split('\n').slice(0, SHOWN_LINES).map((line, i) => (
                <span key={i} className={lineClass(line)}>
                  {line}
                  {'\n'}
                </span>
              ))}
            </pre>
          )}
        </div>
        <div className="repo-tests" aria-label="repository tests">
          <h3>Tests</h3>
          {view.tests ? (
            <>
              <p>{view.tests.message}</p>
              <ul>
                {tests.map((t, i) => (
                  <li key={i} className={t.ok ? 'pass' : 'fail'}>
                    {t.ok ? '✓' : '✗'} {t.name}
                    {t.error ? ` — ${t.error}` : ''}
                  </li>
                ))}
              </ul>
            </>
          ) : (
            <p className="hint">Not run yet.</p>
          )}
        </div>
      </div>
    </section>
  );
}

function lineClass(line: string): string {
  if (line.startsWith('+++') || line.startsWith('---') || line.startsWith('diff --git') || line.startsWith('index ')) return 'diff-file';
  if (line.startsWith('@@')) return 'diff-hunk';
  if (line.startsWith('+')) return 'diff-add';
  if (line.startsWith('-')) return 'diff-del';
  return '';
}
