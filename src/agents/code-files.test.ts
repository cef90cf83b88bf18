import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCodeFiles } from './code-files.js';
import { extractJson } from './extract-json.js';
import { parsePlan } from './plan.js';

describe('reading model replies', () => {
  it('reads files from fenced blocks with a path, ignoring prose and unnamed blocks', () => {
    const reply = 'Here:\n\n```ts path=src/a.ts\nexport const a = 1;\n```\n\n```bash\nnpm test\n```\n\n```js file="test/a.test.js"\ntest("a", () => {});\n```\n';
    const parsed = parseCodeFiles(reply);
    assert.deepEqual(parsed, { ok: true, value: [{ path: 'src/a.ts', content: 'export const a = 1;\n' }, { path: 'test/a.test.js', content: 'test("a", () => {});\n' }] });
  });

  it('refuses paths that leave the project', () => {
    for (const path of ['../etc/passwd', '/etc/passwd', 'src/../../x.ts', 'C:/x.ts', 'a\\b.ts']) {
      const parsed = parseCodeFiles(`\`\`\`ts path=${path}\nx\n\`\`\`\n`);
      assert.equal(parsed.ok, false, path);
    }
    assert.equal(parseCodeFiles('no code here').ok, false);
  });

  it('finds JSON in bare, fenced and prose-wrapped replies', () => {
    assert.deepEqual(extractJson('{"a":1}'), { ok: true, value: { a: 1 } });
    assert.deepEqual(extractJson('Sure!\n```json\n{"a":2}\n```'), { ok: true, value: { a: 2 } });
    assert.deepEqual(extractJson('The plan is {"a":3}. Done.'), { ok: true, value: { a: 3 } });
    assert.equal(extractJson('nothing').ok, false);
  });

  it('explains what is missing from a plan', () => {
    const parsed = parsePlan('{"title":"x","summary":"y","language":"typescript","steps":[],"files":["a.ts"]}');
    assert.equal(parsed.ok, false);
    assert.match(!parsed.ok ? parsed.error : '', /steps: Too small.*acceptance: /);
  });
});

describe('code files found by a CommonMark parser', () => {
  it('reads a file that holds fences of its own (a longer outer fence), tilde fences, and path= alone as the info string', () => {
    const reply = [
      'The README, with an example inside:',
      '',
      '````md path=README.md',
      '# Use',
      '',
      '```bash',
      'npm test',
      '```',
      '````',
      '',
      '~~~python path=calc.py',
      'def add(a, b):',
      '    return a + b',
      '~~~',
      '',
      '```path=notes.txt',
      'plain',
      '```',
    ].join('\n');
    const parsed = parseCodeFiles(reply);
    assert.ok(parsed.ok, parsed.ok ? '' : parsed.error);
    assert.deepEqual(parsed.value, [
      { path: 'README.md', content: '# Use\n\n```bash\nnpm test\n```\n' },
      { path: 'calc.py', content: 'def add(a, b):\n    return a + b\n' },
      { path: 'notes.txt', content: 'plain\n' },
    ]);
  });
});
