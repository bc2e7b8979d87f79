/**
 * The client side of local-activities.bench.ts, in a worker thread: concurrent
 * GetActivityTask → SendTaskSuccess loops, either through real client-sfn clients with
 * keep-alive agents, or through a minimal keep-alive node:http client (the same two calls
 * without the SDK's per-call cost, to show what the server itself sustains).
 */
import { Agent, request } from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';
import { GetActivityTaskCommand, SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';

/** What the bench passes to each client thread. */
export interface ClientsData {
  readonly url: string;
  readonly activityArn: string;
  readonly clients: number;
  readonly loopsPerClient: number;
  readonly kind: 'sdk' | 'raw';
}

const { url, activityArn, clients, loopsPerClient, kind } = workerData as ClientsData;
const sfns = Array.from(
  { length: clients },
  () =>
    new SFNClient({
      endpoint: url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
      maxAttempts: 1,
      requestHandler: { httpAgent: new Agent({ keepAlive: true, maxSockets: loopsPerClient * 2 }) },
    }),
);

type Pair = {
  poll(workerName: string): Promise<string | undefined>;
  succeed(taskToken: string): Promise<void>;
};

function sdkPair(sfn: SFNClient): Pair {
  return {
    poll: async (workerName) =>
      (await sfn.send(new GetActivityTaskCommand({ activityArn, workerName }))).taskToken,
    succeed: async (taskToken) => {
      await sfn.send(new SendTaskSuccessCommand({ taskToken, output: '{"ok":true}' }));
    },
  };
}

const rawAgent = new Agent({ keepAlive: true, maxSockets: clients * loopsPerClient });

/** One AWS JSON 1.0 call over plain node:http (unsigned: the backend does not check signatures). */
function rawCall(operation: string, body: string): Promise<{ taskToken?: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent: rawAgent,
        headers: {
          'content-type': 'application/x-amz-json-1.0',
          'x-amz-target': `AWSStepFunctions.${operation}`,
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          if (res.statusCode !== 200) reject(new Error(`${operation}: HTTP ${res.statusCode}`));
          else resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const rawPair: Pair = {
  poll: async (workerName) =>
    (await rawCall('GetActivityTask', JSON.stringify({ activityArn, workerName }))).taskToken,
  succeed: async (taskToken) => {
    await rawCall('SendTaskSuccess', JSON.stringify({ taskToken, output: '{"ok":true}' }));
  },
};

const pairs: Pair[] = kind === 'sdk' ? sfns.map(sdkPair) : Array.from({ length: clients }, () => rawPair);

/** Runs `tasks` round trips over every loop; answers when done. */
async function roundTrips(tasks: number): Promise<void> {
  let remaining = tasks;
  const loop = async (pair: Pair, name: string): Promise<void> => {
    while (remaining > 0) {
      remaining--;
      const taskToken = await pair.poll(name);
      if (!taskToken) throw new Error('a poll came back empty: tasks were not pre-scheduled');
      await pair.succeed(taskToken);
    }
  };
  await Promise.all(
    pairs.flatMap((pair, c) =>
      Array.from({ length: loopsPerClient }, (_, l) => loop(pair, `bench-${c}-${l}`)),
    ),
  );
}

/** A positive number runs that many round trips; 0 closes the clients and ends the thread. */
parentPort!.on('message', (tasks: number) => {
  if (tasks === 0) {
    for (const sfn of sfns) sfn.destroy();
    rawAgent.destroy();
    parentPort!.postMessage({ ok: true });
    setImmediate(() => parentPort!.close());
    return;
  }
  roundTrips(tasks).then(
    () => parentPort!.postMessage({ ok: true }),
    (error: unknown) => parentPort!.postMessage({ ok: false, error: String(error) }),
  );
});
