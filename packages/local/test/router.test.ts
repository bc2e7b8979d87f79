import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CreateActivityCommand, ListActivitiesCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { LocalBackend } from '@stepfleet/local';
import { type SfnSession, startSfnSession } from './support/sfn-session.ts';

let session: SfnSession;
let backend: LocalBackend;
let sfn: SFNClient;

before(async () => {
  session = await startSfnSession();
  ({ backend, sfn } = session);
});
after(() => session.close());

/** A raw AWS JSON 1.0 call, for what no SDK would send. */
async function rawCall(
  target: string | undefined,
  body: string | Uint8Array,
  contentType = 'application/x-amz-json-1.0',
) {
  const headers: Record<string, string> = { 'content-type': contentType };
  if (target !== undefined) headers['x-amz-target'] = target;
  const res = await fetch(backend.url, { method: 'POST', headers, body });
  const text = await res.text();
  return {
    status: res.status,
    errorType: res.headers.get('x-amzn-errortype'),
    body: text ? JSON.parse(text) : {},
  };
}

/** The backend still serves real calls after a bad one. */
async function stillServing(): Promise<void> {
  const listed = await sfn.send(new ListActivitiesCommand({}));
  assert.ok(Array.isArray(listed.activities));
}

test('a malformed JSON body is a SerializationException, and the backend keeps serving', async () => {
  const res = await rawCall('AWSStepFunctions.ListActivities', '{"maxResults": ');
  assert.equal(res.status, 400);
  assert.equal(res.body.__type, 'SerializationException');
  const notObject = await rawCall('AWSStepFunctions.ListActivities', '[1,2]');
  assert.equal(notObject.body.__type, 'SerializationException');
  await stillServing();
});

test('an unknown operation of a known service is UnknownOperationException naming it', async () => {
  const res = await rawCall('AWSStepFunctions.LaunchRockets', '{}');
  assert.equal(res.status, 400);
  assert.equal(res.body.__type, 'UnknownOperationException');
  assert.equal(res.errorType, 'UnknownOperationException');
  assert.match(res.body.message, /LaunchRockets/);
  await stillServing();
});

test('an unknown target prefix, or a JSON request with no target, is UnknownOperationException', async () => {
  for (const target of ['AmazonSQS.SendMessage', 'NoDotAtAll', '']) {
    const res = await rawCall(target, '{}');
    assert.equal(res.status, 400, target);
    assert.equal(res.body.__type, 'UnknownOperationException', target);
  }
  const noTarget = await rawCall(undefined, '{}');
  assert.equal(noTarget.body.__type, 'UnknownOperationException');
  await stillServing();
});

test('an unsupported field is refused with a ValidationException naming it, never ignored', async () => {
  const res = await rawCall('AWSStepFunctions.CreateActivity', JSON.stringify({ name: 'x', colour: 'blue' }));
  assert.equal(res.status, 400);
  assert.equal(res.body.__type, 'ValidationException');
  assert.match(res.body.message, /colour/);
  const wrongType = await rawCall('AWSStepFunctions.CreateActivity', JSON.stringify({ name: 42 }));
  assert.equal(wrongType.body.__type, 'ValidationException');
  assert.match(wrongType.body.message, /name/);
  await stillServing();
});

test('a body over 1 MB is refused with 413, and the backend keeps serving', async () => {
  const res = await rawCall('AWSStepFunctions.ListActivities', new Uint8Array((1 << 20) + 1).fill(32));
  assert.equal(res.status, 413);
  assert.equal(res.body.__type, 'RequestEntityTooLargeException');
  await stillServing();
});

test('a request cut off mid-body does not disturb the backend', async () => {
  const { connect } = await import('node:net');
  const socket = connect(backend.port, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.write(
    'POST / HTTP/1.1\r\nhost: x\r\ncontent-type: application/x-amz-json-1.0\r\n' +
      'x-amz-target: AWSStepFunctions.CreateActivity\r\ncontent-length: 1000\r\n\r\n{"name":',
  );
  socket.destroy();
  await stillServing();
  const garbage = connect(backend.port, '127.0.0.1');
  await new Promise((resolve) => garbage.once('connect', resolve));
  let answer = '';
  garbage.on('data', (chunk: Buffer) => {
    answer += chunk.toString();
  });
  garbage.end('THIS IS NOT HTTP\r\n\r\n');
  await new Promise((resolve) => garbage.once('close', resolve));
  assert.match(answer, /^HTTP\/1\.1 400 /);
  await stillServing();
});

test('the control API shows state and refuses bad fault rules clearly', async () => {
  await sfn.send(new CreateActivityCommand({ name: 'observed' }));
  const state = (await (await fetch(`${backend.url}/_stepfleet/state`)).json()) as {
    activities: { activities: number };
  };
  assert.ok(state.activities.activities >= 1);
  const bad = await fetch(`${backend.url}/_stepfleet/faults`, {
    method: 'PUT',
    body: '[{"throttleRate": 2}]',
  });
  assert.equal(bad.status, 400);
  assert.match(((await bad.json()) as { message: string }).message, /throttleRate/);
  const unknownField = await fetch(`${backend.url}/_stepfleet/faults`, {
    method: 'PUT',
    body: '[{"rate": 1}]',
  });
  assert.equal(unknownField.status, 400);
  const missing = await fetch(`${backend.url}/_stepfleet/nothing-here`);
  assert.equal(missing.status, 404);
  assert.deepEqual(backend.faults.rules, []);
});
