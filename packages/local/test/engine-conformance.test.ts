/**
 * The conformance suite: definitions taken from the AWS documentation's examples for every
 * state type, the JSONPath and JSONata data flows, intrinsic functions, Retry/Catch rules and
 * Distributed Map, each run on the local backend through client-sfn and compared with the
 * documented result.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ConformanceCase } from './conformance/case.ts';
import { distributedMapCases } from './conformance/cases/distributed-map.ts';
import { errorCases } from './conformance/cases/errors.ts';
import { intrinsicCases } from './conformance/cases/intrinsics.ts';
import { jsonataCases } from './conformance/cases/jsonata.ts';
import { stateCases } from './conformance/cases/states.ts';
import { type EngineHarness, startEngineHarness } from './conformance/harness.ts';

const suites: [string, ConformanceCase[]][] = [
  ['states and JSONPath', stateCases],
  ['intrinsic functions', intrinsicCases],
  ['Retry and Catch', errorCases],
  ['JSONata', jsonataCases],
  ['Distributed Map', distributedMapCases],
];

let h: EngineHarness;
before(async () => {
  h = await startEngineHarness(100);
});
after(async () => {
  await h.close();
});

for (const [suite, cases] of suites) {
  describe(suite, { concurrency: true }, () => {
    for (const c of cases) {
      test(c.name, async () => {
        // GIVEN the case's setup; WHEN its definition runs on its input
        await c.setup?.(h);
        const result = await h.run(c.definition, c.input ?? {});
        // THEN the execution ends as AWS documents
        if (c.output !== undefined) {
          assert.equal(result.status, 'SUCCEEDED', `failed: ${result.error}: ${result.cause}`);
          assert.deepEqual(result.output, c.output);
        }
        if (c.error !== undefined) {
          assert.equal(
            result.status,
            'FAILED',
            `expected ${c.error}, got ${result.status} ${JSON.stringify(result.output)}`,
          );
          assert.equal(result.error, c.error, `cause: ${result.cause}`);
        }
        if (typeof c.cause === 'string') assert.equal(result.cause, c.cause);
        else if (c.cause) assert.match(result.cause ?? '', c.cause);
        await c.check?.(result, h);
      });
    }
  });
}
