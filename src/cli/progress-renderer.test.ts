import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RunEvent } from '../core/events.js';
import { ProgressRenderer } from './progress-renderer.js';

function rendered(events: Array<Pick<RunEvent, 'type' | 'data'>>): string {
  let text = '';
  const renderer = new ProgressRenderer({ out: { write: (chunk: string) => ((text += chunk), true) }, live: false });
  for (const event of events) renderer.render({ run_id: 'r1', seq: 1, ts: '', actor: 'agent:repo', id: 'e', prev_hash: '', hash: '', trace_id: '', ...event } as unknown as RunEvent);
  renderer.stop();
  return text;
}

describe('the CLI progress of a run on a repository', () => {
  it('says where it works, warns of a dirty tree, shows the change, a reply sent back and the branch handed back', () => {
    const text = rendered([
      { type: 'repo.prepared', data: { step: 'checkout', source: '/src/calc', commit: 'a'.repeat(40), worktree: '/w', files: 3, created: true, test_command: 'npm test', dirty: true } },
      { type: 'model.reply_rejected', data: { step: 'code#1', role: 'coder', turn: 1, reason: 'edit 1 (src/calc.js): the SEARCH text is not in the file', retry: true } },
      { type: 'repo.edited', data: { step: 'code#1', attempt: 1, files: [{ path: 'src/calc.js', change: 'modified', added_lines: 1, removed_lines: 1 }, { path: 'old.js', change: 'deleted', added_lines: 0, removed_lines: 4 }] } },
      { type: 'repo.handoff', data: { step: 'handoff', branch: 'umca/r1', commit: 'b'.repeat(40), base: 'a'.repeat(40), files: 2, patch: { path: 'umca.patch', sha256: 'c'.repeat(64), size: 10 } } },
    ]);
    assert.equal(
      text,
      [
        `  worktree at aaaaaaaaaaaa of /src/calc (3 files; tests: npm test)`,
        '  ! the working tree has uncommitted changes; the run starts from the commit and does not see them',
        "  ↺ coder's reply sent back: edit 1 (src/calc.js): the SEARCH text is not in the file",
        '  change: ~src/calc.js +1 -1, -old.js +0 -4',
        '  ⎇ branch umca/r1 at bbbbbbbbbbbb (2 files); apply the patch elsewhere with: umca apply r1',
        '',
      ].join('\n'),
    );
  });
});
