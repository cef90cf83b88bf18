import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRetryAfter } from './upstream-http.js';

describe('Retry-After', () => {
  const at = Date.parse('2026-11-22T10:00:00Z');
  it('reads retry-after-ms first, then seconds, then an HTTP date', () => {
    assert.equal(parseRetryAfter({ 'retry-after-ms': '250', 'retry-after': '9' }, at), 250);
    assert.equal(parseRetryAfter({ 'retry-after': '2' }, at), 2_000);
    assert.equal(parseRetryAfter({ 'retry-after': 'Sun, 22 Nov 2026 10:00:05 GMT' }, at), 5_000);
    assert.equal(parseRetryAfter({ 'retry-after': 'soon' }, at), undefined);
    assert.equal(parseRetryAfter({}, at), undefined);
  });
});
