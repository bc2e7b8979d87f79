import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_CAUSE_CHARS, MAX_ERROR_CHARS, truncateText } from '../src/truncate.ts';

test('truncation keeps text within the limit and never splits a character', () => {
  // GIVEN texts of 4-byte characters (surrogate pairs) around the cut
  for (const limit of [MAX_ERROR_CHARS, MAX_CAUSE_CHARS, 10, 11]) {
    const text = '😀'.repeat(limit);
    // WHEN cut, with and without the marker
    for (const marker of [true, false]) {
      const cut = truncateText(text, limit, marker);
      // THEN it fits, and re-encoding it as UTF-8 loses nothing (no lone surrogate)
      assert.ok(cut.length <= limit, `${cut.length} > ${limit}`);
      assert.equal(Buffer.from(cut, 'utf8').toString('utf8'), cut);
      assert.ok(!/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/.test(cut));
      if (marker && limit > 100) assert.match(cut, /…\[truncated \d+\+ chars\]$/);
    }
  }
  // AND a text within the limit is unchanged
  assert.equal(truncateText('short', 256), 'short');
});
