/**
 * The four Step Functions calls a worker makes per task (GetActivityTask, SendTaskSuccess,
 * SendTaskFailure, SendTaskHeartbeat), behind one small interface with two transports:
 *
 * - `sdk`: any `SFNClient` (a client the user passes is used as is).
 * - `direct` (the default): the same AWS JSON 1.0 requests, signed by the SDK's own SigV4 signer
 *   (`@smithy/signature-v4`) with the SDK's credential chain, region and endpoint resolution,
 *   sent over a keep-alive undici pool. The SDK's generic middleware stack (endpoint rules,
 *   user agent, retry, schema serde) costs about 0.3 ms of CPU per call on top of the HTTP
 *   request itself; for four fixed operations whose retries the worker does itself, that was
 *   most of a no-op task's cost (`npm run bench worker`).
 *
 * Errors from both are shaped alike, as the SDK shapes them: `name` (the AWS error code),
 * `$metadata.httpStatusCode`, `$fault`; network errors carry no status and a `code`.
 */
import { createHash, createHmac, createSecretKey, type Hash, type Hmac, type KeyObject } from 'node:crypto';
import {
  GetActivityTaskCommand,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  type SFNClient,
  SFNServiceException,
} from '@aws-sdk/client-sfn';
import { SignatureV4 } from '@smithy/signature-v4';
import { Pool } from 'undici';

/** A task handed out by GetActivityTask; both fields absent when the poll came back empty. */
export interface ActivityTask {
  readonly taskToken?: string | undefined;
  readonly input?: string | undefined;
}

/** The Step Functions activity calls of a worker. */
export interface ActivityApi {
  getActivityTask(activityArn: string, workerName: string): Promise<ActivityTask>;
  sendTaskSuccess(taskToken: string, output: string): Promise<void>;
  sendTaskFailure(taskToken: string, error: string, cause: string): Promise<void>;
  sendTaskHeartbeat(taskToken: string, signal?: AbortSignal): Promise<void>;
  /**
   * Closes every connection, cutting calls still in flight: it runs once the worker has stopped
   * (the stop budget is spent, or the stop was forced), when a poll still open must not keep
   * the process alive until its window ends (up to 60 s, past ECS's SIGKILL).
   */
  destroy(): void;
}

/** The calls through an `SFNClient` and its middleware stack. */
export function sdkActivityApi(client: SFNClient, options: { destroyClient: boolean }): ActivityApi {
  return {
    async getActivityTask(activityArn, workerName) {
      return client.send(new GetActivityTaskCommand({ activityArn, workerName }));
    },
    async sendTaskSuccess(taskToken, output) {
      await client.send(new SendTaskSuccessCommand({ taskToken, output }));
    },
    async sendTaskFailure(taskToken, error, cause) {
      await client.send(new SendTaskFailureCommand({ taskToken, error, cause }));
    },
    async sendTaskHeartbeat(taskToken, signal) {
      await client.send(new SendTaskHeartbeatCommand({ taskToken }), signal ? { abortSignal: signal } : {});
    },
    destroy() {
      if (options.destroyClient) client.destroy();
    },
  };
}

/** How the direct transport connects. */
export interface DirectActivityApiOptions {
  /** A client whose resolved configuration (credentials, region, endpoint) is used; never sent. */
  readonly configFrom: SFNClient;
  /** Connections kept to the endpoint: one per call that may be in flight at once. */
  readonly connections: number;
  /** Time allowed for the response headers and for the body (a poll may be held 60 s). */
  readonly requestTimeoutMs: number;
  /** Sent as the `user-agent` header. */
  readonly userAgent: string;
}

/** Error codes after which the request is re-signed with the server's clock (as the SDK does). */
const CLOCK_SKEW_ERRORS = new Set([
  'InvalidSignatureException',
  'RequestTimeTooSkewed',
  'RequestExpired',
  'SignatureDoesNotMatch',
  'AuthFailure',
]);

/** The calls as signed AWS JSON 1.0 requests over a keep-alive undici pool. */
export function directActivityApi(options: DirectActivityApiOptions): ActivityApi {
  const config = options.configFrom.config;
  // Resolved once, on the first call: the SDK's providers are asynchronous.
  let target:
    | Promise<{ pool: Pool; protocol: string; host: string; path: string; signer: SignatureV4 }>
    | undefined;
  const resolve = async () => {
    const region = await config.region();
    const url = await endpointUrl(options.configFrom, region);
    const pool = new Pool(url.origin, {
      connections: options.connections,
      headersTimeout: options.requestTimeoutMs,
      bodyTimeout: options.requestTimeoutMs,
      connectTimeout: 5_000,
    });
    const signer = new SignatureV4({
      service: 'states',
      region,
      credentials: config.credentials,
      sha256: NodeSha256,
    });
    return { pool, protocol: url.protocol, host: url.host, path: url.pathname || '/', signer };
  };

  const call = async (operation: string, payload: object, signal?: AbortSignal): Promise<unknown> => {
    target ??= resolve();
    const { pool, protocol, host, path, signer } = await target;
    const body = JSON.stringify(payload);
    for (let attempt = 0; ; attempt++) {
      const signed = await signer.sign(
        {
          method: 'POST',
          protocol,
          hostname: host,
          path,
          query: {},
          headers: {
            host,
            'content-type': 'application/x-amz-json-1.0',
            'x-amz-target': `AWSStepFunctions.${operation}`,
            'content-length': String(Buffer.byteLength(body)),
            'user-agent': options.userAgent,
          },
          body,
        },
        // The client's own clock offset, so every transport lent this configuration shares
        // what one of them learned (as the SDK's clients do).
        { signingDate: new Date(Date.now() + config.systemClockOffset) },
      );
      const response = await pool.request({
        method: 'POST',
        path,
        headers: signed.headers,
        body,
        ...(signal ? { signal } : {}),
      });
      const text = await response.body.text();
      if (response.statusCode < 300) return text ? JSON.parse(text) : {};
      const error = serviceError(response.statusCode, response.headers, text);
      // A request signed with a clock the service disagrees with: sign again with its clock, once.
      const serverDate = Date.parse(String(response.headers.date ?? ''));
      if (attempt === 0 && CLOCK_SKEW_ERRORS.has(error.name) && Number.isFinite(serverDate)) {
        config.systemClockOffset = serverDate - Date.now();
        continue;
      }
      throw error;
    }
  };

  return {
    async getActivityTask(activityArn, workerName) {
      return (await call('GetActivityTask', { activityArn, workerName })) as ActivityTask;
    },
    async sendTaskSuccess(taskToken, output) {
      await call('SendTaskSuccess', { taskToken, output });
    },
    async sendTaskFailure(taskToken, error, cause) {
      await call('SendTaskFailure', { taskToken, error, cause });
    },
    async sendTaskHeartbeat(taskToken, signal) {
      await call('SendTaskHeartbeat', { taskToken }, signal);
    },
    destroy() {
      void target?.then(({ pool }) => pool.destroy()).catch(() => {});
    },
  };
}

/**
 * The endpoint the SDK would call: the client's `endpoint`, else `AWS_ENDPOINT_URL(_SFN)` or a
 * configured endpoint, else the service's regional endpoint (FIPS and dual-stack honoured).
 */
export async function endpointUrl(client: SFNClient, region: string): Promise<URL> {
  const config = client.config;
  if (config.endpoint) {
    const e = await config.endpoint();
    return new URL(`${e.protocol}//${e.hostname}${e.port ? `:${e.port}` : ''}${e.path ?? '/'}`);
  }
  const configured = await config.serviceConfiguredEndpoint?.();
  if (configured) return new URL(configured);
  const { url } = config.endpointProvider({
    Region: region,
    UseFIPS: await config.useFipsEndpoint(),
    UseDualStack: await config.useDualstackEndpoint(),
  });
  return url;
}

/** An AWS JSON 1.0 error response as the SDK would throw it. */
function serviceError(
  status: number,
  headers: Record<string, string | string[] | undefined>,
  text: string,
): SFNServiceException {
  let body: { __type?: unknown; message?: unknown; Message?: unknown } = {};
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    // Not JSON (a proxy's error page): the status tells what little there is.
  }
  const header = headers['x-amzn-errortype'];
  const rawType = String((Array.isArray(header) ? header[0] : header) ?? body.__type ?? `Http${status}`);
  // "com.amazonaws.states#TaskTimedOut" or "ThrottlingException:http://internal..." → the code.
  const name = rawType.split(':')[0]?.split('#').pop() || `Http${status}`;
  const message = String(body.message ?? body.Message ?? name);
  const requestId = headers['x-amzn-requestid'];
  return new SFNServiceException({
    name,
    message,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: {
      httpStatusCode: status,
      ...(typeof requestId === 'string' ? { requestId } : {}),
    },
  });
}

/** What the signer hashes: text or bytes. */
type SourceData = string | ArrayBuffer | ArrayBufferView;

/** SHA-256 and HMAC-SHA-256 from node:crypto, in the shape the SigV4 signer asks for. */
export class NodeSha256 {
  readonly #hash: Hash | Hmac;
  constructor(secret?: SourceData) {
    this.#hash = secret === undefined ? createHash('sha256') : createHmac('sha256', secretKey(secret));
  }
  update(data: SourceData): void {
    this.#hash.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return this.#hash.digest();
  }
}

/**
 * The signer hands the same (cached) signing-key bytes to every request of a day; an HMAC over a
 * KeyObject made once costs a quarter of one that imports raw key bytes each time.
 */
const secretKeys = new WeakMap<object, KeyObject>();
function secretKey(secret: SourceData): KeyObject | string | Uint8Array {
  if (typeof secret === 'string') return secret;
  let key = secretKeys.get(secret);
  if (!key) {
    key = createSecretKey(bytes(secret) as Uint8Array);
    secretKeys.set(secret, key);
  }
  return key;
}

function bytes(data: SourceData): string | Uint8Array {
  if (typeof data === 'string') return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return new Uint8Array(data);
}
