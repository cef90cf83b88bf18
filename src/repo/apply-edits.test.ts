import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyEdits, type EditableTree } from './apply-edits.js';
import { parseEditBlocks } from './edit-blocks.js';
import type { BaseEntry, BaseFile } from './repositories.js';

function tree(files: Record<string, string | { link: string } | { binary: number }>): EditableTree {
  const entries = new Map<string, BaseEntry>();
  for (const [path, value] of Object.entries(files)) entries.set(path, { path, kind: typeof value === 'object' && 'link' in value ? 'link' : 'file', size: 1 });
  return {
    entry: (path) => entries.get(path),
    read: async (path): Promise<BaseFile | undefined> => {
      const value = files[path];
      if (value === undefined) return undefined;
      if (typeof value === 'string') return { text: value };
      if ('binary' in value) return { binary: true, size: value.binary };
      return { text: value.link };
    },
  };
}

async function apply(reply: string, files: Parameters<typeof tree>[0], previous = {}) {
  const parsed = parseEditBlocks(reply);
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.error);
  return applyEdits(parsed.edits, tree(files), previous);
}

const SOURCE = 'export function add(a, b) {\n  return a - b;\n}\n\nexport function sub(a, b) {\n  return a - b;\n}\n';

describe('a coder\'s edits on a repository', () => {
  it('applies a search/replace block, in a fence or not, and counts the lines it changed', async () => {
    const reply = 'Fix add:\n\nsrc/math.js\n```js\n<<<<<<< SEARCH\nexport function add(a, b) {\n  return a - b;\n=======\nexport function add(a, b) {\n  return a + b;\n>>>>>>> REPLACE\n```\n';
    const result = await apply(reply, { 'src/math.js': SOURCE });
    assert.ok(result.ok, result.ok ? '' : result.error);
    assert.equal(result.changeset['src/math.js'], SOURCE.replace('a - b', 'a + b'));
    assert.deepEqual(result.changes, [{ path: 'src/math.js', change: 'modified', added_lines: 1, removed_lines: 1 }]);
  });

  it('says why a search text does not apply: not there, or in two places', async () => {
    const missing = await apply('src/math.js\n<<<<<<< SEARCH\n  return a * b;\n=======\n  return a + b;\n>>>>>>> REPLACE\n', { 'src/math.js': SOURCE });
    assert.equal(missing.ok, false);
    assert.match(!missing.ok ? missing.error : '', /edit 1 \(src\/math\.js\): the SEARCH text is not in the file \(no line reads "return a \* b;"\)/);
    const ambiguous = await apply('src/math.js\n<<<<<<< SEARCH\n  return a - b;\n=======\n  return a + b;\n>>>>>>> REPLACE\n', { 'src/math.js': SOURCE });
    assert.match(!ambiguous.ok ? ambiguous.error : '', /occurs 2 times \(at lines 2, 6\); add lines around it/);
  });

  it('applies unified diffs: a change, a new file, a deletion and a rename', async () => {
    const reply = [
      '```diff',
      '--- a/src/math.js',
      '+++ b/src/math.js',
      '@@ -1,3 +1,3 @@',
      ' export function add(a, b) {',
      '-  return a - b;',
      '+  return a + b;',
      ' }',
      '--- /dev/null',
      '+++ b/src/new.js',
      '@@ -0,0 +1 @@',
      '+export const x = 1;',
      '--- a/old.txt',
      '+++ /dev/null',
      '@@ -1 +0,0 @@',
      '-bye',
      'diff --git a/a.md b/docs/a.md',
      'similarity index 100%',
      'rename from a.md',
      'rename to docs/a.md',
      '```',
    ].join('\n');
    const result = await apply(reply, { 'src/math.js': SOURCE, 'old.txt': 'bye\n', 'a.md': '# A\n' });
    assert.ok(result.ok, result.ok ? '' : result.error);
    assert.equal(result.changeset['src/math.js'], SOURCE.replace('a - b', 'a + b'));
    assert.equal(result.changeset['src/new.js'], 'export const x = 1;\n');
    assert.equal(result.changeset['old.txt'], null);
    assert.equal(result.changeset['a.md'], null);
    assert.equal(result.changeset['docs/a.md'], '# A\n');
    assert.deepEqual(result.changes.map((c) => `${c.change} ${c.path}`), ['deleted a.md', 'added docs/a.md', 'deleted old.txt', 'modified src/math.js', 'added src/new.js']);
  });

  it('names the hunk whose context is not in the file', async () => {
    const reply = '```diff\n--- a/src/math.js\n+++ b/src/math.js\n@@ -5,3 +5,3 @@\n export function sub(a, b) {\n-  return a + b;\n+  return a - b;\n }\n```\n';
    const result = await apply(reply, { 'src/math.js': SOURCE });
    assert.match(!result.ok ? result.error : '', /hunk 1 of 1 \(@@ -5,3 \+5,3 @@\) does not match src\/math\.js/);
  });

  it('refuses edits outside the repository, into .git, through links, and to binary files — and changes nothing', async () => {
    const block = (path: string) => `${path}\n<<<<<<< SEARCH\n=======\nx\n>>>>>>> REPLACE\n`;
    for (const [path, reason] of [
      ['../outside.js', /is outside the repository/],
      ['/etc/passwd', /is outside the repository/],
      ['.git/hooks/pre-commit', /is inside \.git/],
      ['sub/.GIT/config', /is inside \.git/],
      ['linked/evil.js', /goes through linked, a symbolic link/],
    ] as const) {
      const result = await apply(`${block('ok.js')}${block(path)}`, { linked: { link: '/etc' } });
      assert.equal(result.ok, false, path);
      assert.match(!result.ok ? result.error : '', reason, path);
      assert.match(!result.ok ? result.error : '', /nothing was changed/);
    }
    const binary = await apply('logo.png\n<<<<<<< SEARCH\nPNG\n=======\nGIF\n>>>>>>> REPLACE\n', { 'logo.png': { binary: 2048 } });
    assert.match(!binary.ok ? binary.error : '', /logo\.png is a binary file \(2048 bytes\)/);
  });

  it('builds on the changeset of earlier attempts, and drops a change that goes back to the commit', async () => {
    const first = await apply('src/math.js\n<<<<<<< SEARCH\n  return a - b;\n}\n\nexport function sub(a, b) {\n=======\n  return a + b;\n}\n\nexport function sub(a, b) {\n>>>>>>> REPLACE\n', { 'src/math.js': SOURCE });
    assert.ok(first.ok);
    const undo = await apply('src/math.js\n<<<<<<< SEARCH\n  return a + b;\n=======\n  return a - b;\n>>>>>>> REPLACE\n', { 'src/math.js': SOURCE }, first.changeset);
    assert.ok(undo.ok, undo.ok ? '' : undo.error);
    assert.deepEqual(undo.changeset, {});
    assert.deepEqual(undo.changes, []);
  });

  it('a reply with no edit, or a block with no path, is an error the coder is told', () => {
    assert.match((parseEditBlocks('I would change the add function.') as { error: string }).error, /holds no edit/);
    assert.match((parseEditBlocks('<<<<<<< SEARCH\na\n=======\nb\n>>>>>>> REPLACE\n') as { error: string }).error, /has no file path/);
  });
});
