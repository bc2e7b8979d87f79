import assert from 'node:assert/strict';
import { test } from 'node:test';

test('the runtime is Node 24 or newer', () => {
  assert.ok(Number(process.versions.node.split('.')[0]) >= 24, process.version);
});
