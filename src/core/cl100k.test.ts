import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Tiktoken } from 'js-tiktoken/lite';
import ranks from 'js-tiktoken/ranks/cl100k_base';
import { cl100k } from './cl100k.js';

const reference = new Tiktoken(ranks);
const texts = [
  readFileSync('README.md', 'utf8'),
  readFileSync('src/store/sql/sql-knowledge-store.ts', 'utf8'),
  'naïve café — 東京 🚀 emoji\u200b and\r\nCRLF  lines\t\ttabs',
  'x'.repeat(500) + ' ' + 'QUJD'.repeat(300),
  '',
];

describe('cl100k token counts', () => {
  it('are exactly the length of encoding the text, counted twice (from the memo) or once', async () => {
    const counter = await cl100k();
    for (const text of texts) {
      const expected = reference.encode(text, [], []).length;
      assert.equal(counter.count(text), expected, text.slice(0, 40));
      assert.equal(counter.count(text), expected, `again: ${text.slice(0, 40)}`);
    }
  });

  it('count special-token text as text instead of refusing it', async () => {
    const counter = await cl100k();
    const text = 'a prompt quoting <|endoftext|> and <|fim_prefix|>';
    assert.throws(() => reference.encode(text), /special token/);
    assert.equal(counter.count(text), reference.encode(text, [], []).length);
    assert.ok(counter.count(text) > counter.count('a prompt quoting  and '));
  });
});
