/**
 * ListStateMachines and DeleteStateMachine through the real client-sfn: listing pages with
 * maxResults / nextToken, every machine exactly once even when machines are deleted between
 * pages (a clean-up loop does that), bad paging arguments refused as AWS does; a deleted machine
 * is gone from Describe, StartExecution and the list, its running executions are stopped, its name
 * can be used again; DeleteStateMachine refuses what AWS refuses.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  DeleteStateMachineCommand,
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  ListStateMachinesCommand,
  type ListStateMachinesCommandOutput,
  paginateListStateMachines,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { awsError, type SfnSession, startSfnSession } from './support/sfn-session.ts';

let session: SfnSession;

before(async () => {
  session = await startSfnSession({ timeScale: 20 });
});
after(() => session.close());

const pass = { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } };
const waiting = { StartAt: 'W', States: { W: { Type: 'Wait', Seconds: 600, End: true } } };

/** Creates machines `<prefix>-0` … `<prefix>-(n-1)` and returns their ARNs. */
async function machines(prefix: string, n: number): Promise<string[]> {
  const arns: string[] = [];
  for (let i = 0; i < n; i++) arns.push(await session.machine(pass, { name: `${prefix}-${i}` }));
  return arns;
}

/** Every machine ListStateMachines gives whose name starts with `prefix`, page by page. */
async function listed(prefix: string, maxResults: number, between?: (page: number) => Promise<void>) {
  const names: string[] = [];
  const pages: ListStateMachinesCommandOutput[] = [];
  let nextToken: string | undefined;
  do {
    const page = await session.sfn.send(new ListStateMachinesCommand({ maxResults, nextToken }));
    pages.push(page);
    names.push(...(page.stateMachines ?? []).map((m) => m.name!).filter((n) => n.startsWith(prefix)));
    nextToken = page.nextToken;
    if (nextToken && between) await between(pages.length);
  } while (nextToken);
  return { names, pages };
}

test('GIVEN 7 machines WHEN listed 3 at a time THEN 3 pages give each machine once, with its ARN, type and creation date', async () => {
  const arns = await machines('list', 7);
  const { names, pages } = await listed('list', 3);
  assert.deepEqual(
    pages.map((p) => p.stateMachines?.length),
    [3, 3, 1],
  );
  assert.equal(pages.at(-1)!.nextToken, undefined);
  assert.deepEqual(names.sort(), arns.map((a) => a.split(':').at(-1)!).sort());
  const first = pages[0]!.stateMachines![0]!;
  assert.deepEqual(
    [first.type, first.stateMachineArn?.endsWith(`:stateMachine:${first.name}`)],
    ['STANDARD', true],
  );
  assert.ok(first.creationDate instanceof Date && !Number.isNaN(first.creationDate.getTime()));
  // AND the SDK's paginator walks the same pages
  const paged: string[] = [];
  for await (const page of paginateListStateMachines({ client: session.sfn, pageSize: 2 }, {}))
    paged.push(...(page.stateMachines ?? []).map((m) => m.name!));
  assert.deepEqual(paged.filter((n) => n.startsWith('list')).sort(), names.sort());
});

test('GIVEN a listing in progress WHEN machines already listed are deleted between pages THEN no other machine is skipped or repeated', async () => {
  const arns = await machines('sweep', 6);
  // WHEN a clean-up loop deletes every machine of the page it just read before asking for the next
  const seen: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await session.sfn.send(new ListStateMachinesCommand({ maxResults: 2, nextToken }));
    for (const m of page.stateMachines ?? []) {
      if (!m.name!.startsWith('sweep')) continue;
      seen.push(m.name!);
      await session.sfn.send(new DeleteStateMachineCommand({ stateMachineArn: m.stateMachineArn }));
    }
    nextToken = page.nextToken;
  } while (nextToken);
  // THEN it met every machine once, and none is left
  assert.deepEqual(seen.sort(), arns.map((a) => a.split(':').at(-1)!).sort());
  assert.deepEqual((await listed('sweep', 100)).names, []);
});

test('GIVEN bad paging arguments THEN InvalidToken and ValidationException, as AWS', async () => {
  const bad = await awsError(session.sfn.send(new ListStateMachinesCommand({ nextToken: 'not-a-token' })));
  assert.equal(bad.name, 'InvalidToken');
  const tooMany = await awsError(session.sfn.send(new ListStateMachinesCommand({ maxResults: 1001 })));
  assert.equal(tooMany.name, 'ValidationException');
});

test('GIVEN a machine with a running execution WHEN deleted THEN it is gone, its execution stopped, and its name free again', async () => {
  const arn = await session.machine(waiting, { name: 'doomed' });
  const { executionArn } = await session.sfn.send(new StartExecutionCommand({ stateMachineArn: arn }));
  // WHEN
  await session.sfn.send(new DeleteStateMachineCommand({ stateMachineArn: arn }));
  // THEN Describe and StartExecution no longer find it, and the list no longer has it
  assert.equal(
    (await awsError(session.sfn.send(new DescribeStateMachineCommand({ stateMachineArn: arn })))).name,
    'StateMachineDoesNotExist',
  );
  assert.equal(
    (await awsError(session.sfn.send(new StartExecutionCommand({ stateMachineArn: arn })))).name,
    'StateMachineDoesNotExist',
  );
  assert.deepEqual((await listed('doomed', 100)).names, []);
  // AND its running execution has been stopped
  const execution = await session.finished(executionArn!);
  assert.equal(execution.status, 'ABORTED');
  // AND the name can be used again, for another definition
  const again = await session.machine(pass, { name: 'doomed' });
  assert.equal(again, arn);
  const { executionArn: next } = await session.sfn.send(
    new StartExecutionCommand({ stateMachineArn: again }),
  );
  assert.equal((await session.finished(next!)).status, 'SUCCEEDED');
  assert.equal((await session.sfn.send(new DescribeExecutionCommand({ executionArn }))).status, 'ABORTED');
});

test('DeleteStateMachine accepts an unknown machine, and refuses a malformed ARN and a Distributed Map label ARN', async () => {
  const unknown = 'arn:aws:states:us-east-1:123456789012:stateMachine:never-created';
  await session.sfn.send(new DeleteStateMachineCommand({ stateMachineArn: unknown }));
  assert.equal(
    (await awsError(session.sfn.send(new DeleteStateMachineCommand({ stateMachineArn: 'not-an-arn' })))).name,
    'InvalidArn',
  );
  const arn = await session.machine(pass, { name: 'labelled' });
  const label = await awsError(
    session.sfn.send(new DeleteStateMachineCommand({ stateMachineArn: `${arn}/Each` })),
  );
  assert.equal(label.name, 'ValidationException');
  assert.equal(
    (await session.sfn.send(new DescribeStateMachineCommand({ stateMachineArn: arn }))).status,
    'ACTIVE',
  );
});
