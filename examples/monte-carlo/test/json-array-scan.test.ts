import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forEachJsonArrayElement } from '../src/json-array-scan.ts';

const scan = (text: string): unknown[] => {
  const out: unknown[] = [];
  forEachJsonArrayElement(new TextEncoder().encode(text), (v) => out.push(v));
  return out;
};

test('elements come out parsed and in order, whatever their strings hold', () => {
  const values = [
    { Output: '{"a":[1,2,{"b":"]"}]}', Input: 'quote \\" and , comma' },
    [1, [2, [3]]],
    'a string with } and ] and \\\\',
    42,
    null,
    { nested: { deep: ['x', { y: 'ü€𝄞' }] } },
  ];
  assert.deepEqual(scan(JSON.stringify(values)), values);
  assert.deepEqual(scan(` \n[ 1 , 2 ]\n `), [1, 2]);
  assert.deepEqual(scan('[]'), []);
  assert.deepEqual(scan('\uFEFF[true]'), [true]);
});

test('what is not one JSON array is refused with the byte offset', () => {
  assert.throws(() => scan('{"a":1}'), /expected a JSON array at byte 0/);
  assert.throws(() => scan('[1,2'), /not closed/);
  assert.throws(() => scan('[1,,2]'), /unexpected ',' at byte 3/);
  assert.throws(() => scan('[1] x'), /unexpected data after the array at byte 4/);
  assert.throws(() => scan('[{"a":}]'), SyntaxError);
});
