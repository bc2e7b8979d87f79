/**
 * The activity calls' two transports against each other: the direct one (SigV4 by the SDK's
 * signer, undici) must put on the wire requests AWS accepts and throw errors shaped as the SDK
 * throws them, so the worker's retry and task-gone rules behave the same on both.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SignatureV4 } from '@smithy/signature-v4';
import {
  type ActivityApi,
  directActivityApi,
  endpointUrl,
  NodeSha256,
  sdkActivityApi,
} from '../src/activity-api.ts';
import { isRetryable, isTaskGone, isThrottle } from '../src/aws-errors.ts';
import { startBackend, testCredentials } from './helpers.ts';

const transports = (
  endpoint: string,
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } = testCredentials,
) => {
  const client = new SFNClient({ endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });
  return {
    direct: directActivityApi({
      configFrom: client,
      connections: 4,
      requestTimeoutMs: 5_000,
      userAgent: 'test',
    }),
    sdk: sdkActivityApi(client, { destroyClient: true }),
  } satisfies Record<string, ActivityApi>;
};

/** A captured request: what arrived on the wire. */
interface Captured {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** An HTTP server that records requests and answers with `answer`. */
async function captureServer(
  t: { after(fn: () => unknown): void },
  answer: (request: Captured) => { status: number; headers?: Record<string, string>; body: string },
) {
  const captured: Captured[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const request = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      captured.push(request);
      const out = answer(request);
      res
        .writeHead(out.status, { 'content-type': 'application/x-amz-json-1.0', ...out.headers })
        .end(out.body);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => server.close());
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, captured };
}

/**
 * Checks a request's SigV4 signature as the service does: recomputed over the headers it names
 * as signed, as they arrived, the body as it arrived, at its own x-amz-date.
 */
async function verifySignature(
  request: Captured,
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string },
) {
  const authorization = String(request.headers.authorization);
  const match =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(
      authorization,
    );
  assert.ok(match, `a SigV4 authorization header: ${authorization}`);
  const [, accessKeyId, , region, service, signedHeaders, signature] = match;
  assert.equal(accessKeyId, credentials.accessKeyId);
  const names = (signedHeaders ?? '').split(';');
  for (const required of ['host', 'x-amz-date', 'x-amz-target', 'content-type'])
    assert.ok(names.includes(required), `${required} is signed (${signedHeaders})`);
  const headers = Object.fromEntries(
    names.filter((n) => n !== 'x-amz-date').map((n) => [n, String(request.headers[n])]),
  );
  const iso = String(request.headers['x-amz-date']);
  const signingDate = new Date(
    `${iso.slice(0, 4)}-${iso.slice(4, 6)}-${iso.slice(6, 8)}T${iso.slice(9, 11)}:${iso.slice(11, 13)}:${iso.slice(13, 15)}Z`,
  );
  const signer = new SignatureV4({
    service: service ?? '',
    region: region ?? '',
    credentials,
    sha256: NodeSha256,
  });
  const resigned = await signer.sign(
    {
      method: request.method,
      protocol: 'http:',
      hostname: String(request.headers.host),
      path: request.url,
      query: {},
      headers,
      body: request.body,
    },
    { signingDate },
  );
  const expected = /Signature=([0-9a-f]{64})/.exec(String(resigned.headers.authorization))?.[1];
  assert.equal(signature, expected, 'the signature matches the request as received');
}

test('GIVEN each transport WHEN it sends the four calls THEN every request carries a valid SigV4 signature over what arrived, the same target, type and body', async (t) => {
  const credentials = { ...testCredentials, sessionToken: 'session-token-from-the-task-role' };
  const server = await captureServer(t, (r) =>
    r.headers['x-amz-target'] === 'AWSStepFunctions.GetActivityTask'
      ? { status: 200, body: JSON.stringify({ taskToken: 'tok', input: '{"a":1}' }) }
      : { status: 200, body: '{}' },
  );
  const both = transports(server.url, credentials);
  for (const api of [both.direct, both.sdk]) {
    const { taskToken, input } = await api.getActivityTask('arn:aws:states:us-east-1:1:activity:a', 'w/0');
    assert.deepEqual({ taskToken, input }, { taskToken: 'tok', input: '{"a":1}' });
    await api.sendTaskSuccess('tok', '{"ok":"é ✓"}');
    await api.sendTaskFailure('tok', 'Handler.Error', 'why');
    await api.sendTaskHeartbeat('tok');
    api.destroy();
  }
  assert.equal(server.captured.length, 8);
  for (const request of server.captured) {
    await verifySignature(request, credentials);
    assert.equal(request.headers['x-amz-security-token'], credentials.sessionToken);
    assert.equal(request.headers['content-type'], 'application/x-amz-json-1.0');
    assert.equal(request.method, 'POST');
  }
  const direct = server.captured.slice(0, 4);
  const sdk = server.captured.slice(4);
  for (let i = 0; i < 4; i++) {
    assert.equal(direct[i]?.headers['x-amz-target'], sdk[i]?.headers['x-amz-target']);
    assert.deepEqual(JSON.parse(direct[i]?.body ?? ''), JSON.parse(sdk[i]?.body ?? ''), 'the same JSON body');
  }
});

test('GIVEN the local backend and its faults WHEN both transports hit a closed token, throttling, a 500 and a dropped response THEN they throw errors the worker classifies alike', async (t) => {
  const { backend, arns } = await startBackend(t, { activityPollSeconds: 1 });
  const both = transports(backend.url);
  t.after(() => {
    both.direct.destroy();
    both.sdk.destroy();
  });
  const classify = async (call: () => Promise<unknown>) => {
    const error = (await call().then(
      () => assert.fail('the call was expected to fail'),
      (e: unknown) => e,
    )) as { name: string; $metadata?: { httpStatusCode?: number }; $fault?: string };
    return {
      name: error.name,
      status: error.$metadata?.httpStatusCode,
      gone: isTaskGone(error),
      throttle: isThrottle(error),
      retryable: isRetryable(error),
    };
  };
  const outcomes: Record<string, unknown[]> = {};
  for (const [name, api] of Object.entries(both)) {
    const seen: unknown[] = [];
    seen.push(await classify(() => api.sendTaskSuccess('not-a-token', '{}')));
    // A real task, closed: its token answers TaskTimedOut-or-gone.
    const scheduled = backend.activities.schedule(arns[0] ?? '', '{}', { timeoutSeconds: 60 });
    const task = await api.getActivityTask(arns[0] ?? '', 'w');
    assert.ok(task.taskToken);
    await api.sendTaskSuccess(task.taskToken, '{"done":true}');
    assert.equal((await scheduled).status, 'SUCCEEDED');
    seen.push(await classify(() => api.sendTaskHeartbeat(task.taskToken ?? '')));
    backend.faults.set([{ service: 'states', operation: 'SendTaskHeartbeat', throttleRate: 1 }]);
    seen.push(await classify(() => api.sendTaskHeartbeat('any')));
    backend.faults.set([{ service: 'states', operation: 'SendTaskHeartbeat', serverErrorRate: 1 }]);
    seen.push(await classify(() => api.sendTaskHeartbeat('any')));
    // A dropped response: the call took effect, the connection was reset.
    const again = backend.activities.schedule(arns[0] ?? '', '{}', { timeoutSeconds: 60 });
    const second = await api.getActivityTask(arns[0] ?? '', 'w');
    backend.faults.set([{ service: 'states', operation: 'SendTaskSuccess', dropRate: 1 }]);
    const dropped = await classify(() => api.sendTaskSuccess(second.taskToken ?? '', '{}'));
    seen.push({ ...dropped, name: dropped.status === undefined ? 'no response' : dropped.name });
    backend.faults.set([]);
    assert.equal((await again).status, 'SUCCEEDED', 'the dropped call took effect');
    outcomes[name] = seen;
  }
  assert.deepEqual(outcomes.direct, outcomes.sdk);
  assert.deepEqual(
    (outcomes.direct as { gone: boolean; throttle: boolean; retryable: boolean }[]).map((o) => [
      o.gone,
      o.throttle,
      o.retryable,
    ]),
    [
      [true, false, false],
      [true, false, false],
      [false, true, true],
      [false, false, true],
      [false, false, true],
    ],
  );
});

test('GIVEN a service whose clock is an hour ahead WHEN the direct transport is refused for skew THEN it signs again with the service clock once and succeeds', async (t) => {
  const skewMs = 3_600_000;
  const server = await captureServer(t, (r) => {
    const iso = String(r.headers['x-amz-date']);
    const sent = Date.parse(
      `${iso.slice(0, 4)}-${iso.slice(4, 6)}-${iso.slice(6, 8)}T${iso.slice(9, 11)}:${iso.slice(11, 13)}:${iso.slice(13, 15)}Z`,
    );
    const serverNow = Date.now() + skewMs;
    if (Math.abs(serverNow - sent) > 300_000)
      return {
        status: 400,
        headers: { date: new Date(serverNow).toUTCString() },
        body: JSON.stringify({ __type: 'InvalidSignatureException', message: 'Signature expired' }),
      };
    return { status: 200, body: '{}' };
  });
  const { direct } = transports(server.url);
  await direct.sendTaskHeartbeat('tok');
  await direct.sendTaskHeartbeat('tok');
  direct.destroy();
  assert.equal(
    server.captured.length,
    3,
    'one refusal, then the re-signed call, then the next call signed right at once',
  );
});

test('GIVEN no endpoint WHEN the direct transport resolves one THEN it is the one the SDK would call: AWS_ENDPOINT_URL_SFN, else the regional (FIPS) endpoint', async () => {
  const saved = { ...process.env };
  try {
    delete process.env.AWS_ENDPOINT_URL;
    process.env.AWS_ENDPOINT_URL_SFN = 'http://127.0.0.1:4567';
    assert.equal(
      (await endpointUrl(new SFNClient({ region: 'eu-west-1' }), 'eu-west-1')).href,
      'http://127.0.0.1:4567/',
    );
    delete process.env.AWS_ENDPOINT_URL_SFN;
    assert.equal(
      (await endpointUrl(new SFNClient({ region: 'eu-west-1' }), 'eu-west-1')).href,
      'https://states.eu-west-1.amazonaws.com/',
    );
    const fips = new SFNClient({ region: 'us-east-1', useFipsEndpoint: true });
    assert.equal((await endpointUrl(fips, 'us-east-1')).href, 'https://states-fips.us-east-1.amazonaws.com/');
    const custom = new SFNClient({ region: 'us-east-1', endpoint: 'http://localhost:9/base' });
    assert.equal((await endpointUrl(custom, 'us-east-1')).href, 'http://localhost:9/base');
  } finally {
    process.env = saved;
  }
});
