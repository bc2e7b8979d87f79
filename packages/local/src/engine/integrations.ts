/**
 * Request-response service integrations: `lambda:invoke` on local functions (a module per
 * function name, its default export called with the Payload), and `aws-sdk:ecs:*` /
 * `aws-sdk:s3:*` served in process by the local ECS and S3. Parameters arrive in PascalCase
 * as ASL writes them; responses go back in PascalCase as Step Functions returns them; errors
 * are named `Lambda.*`, `Ecs.*`, `S3.*` as AWS names them.
 */
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { AwsError } from '../aws-error.ts';
import { StatesError } from './errors.ts';
import { isObject } from './json-value.ts';
import { S3_PARAMETERS, type TaskResource } from './resources.ts';
import type { EngineS3, RunEnv } from './runtime.ts';

type Integration = Exclude<TaskResource, { kind: 'activity' }>;

/** Calls the integration; resolves with its response as the Task's result. */
export async function callIntegration(resource: Integration, args: unknown, env: RunEnv): Promise<unknown> {
  if (resource.kind === 'lambda') return invokeLambda(args, env);
  if (resource.service === 'ecs') return callEcs(resource.action, args, env);
  return callS3(resource.action, args, env);
}

const FUNCTION_ARN =
  /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:([A-Za-z0-9_-]+)(?::[A-Za-z0-9$_-]+)?$/;

async function invokeLambda(args: unknown, env: RunEnv): Promise<unknown> {
  if (!isObject(args) || typeof args.FunctionName !== 'string') {
    throw new StatesError('States.Runtime', 'lambda:invoke needs a FunctionName parameter');
  }
  const name = FUNCTION_ARN.exec(args.FunctionName)?.[1] ?? args.FunctionName;
  const modulePath = Object.hasOwn(env.services.functions, name) ? env.services.functions[name] : undefined;
  if (!modulePath) {
    throw new StatesError(
      'Lambda.ResourceNotFoundException',
      `Function not found: ${args.FunctionName} (register it with the backend's functions option)`,
    );
  }
  const handler = await loadFunction(name, modulePath);
  // The fields of Lambda's context object a handler commonly reads.
  const context = {
    functionName: name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${env.execution.region}:${env.services.accountId}:function:${name}`,
    awsRequestId: randomUUID(),
    getRemainingTimeInMillis: () => 900_000,
  };
  const invocationType = args.InvocationType ?? 'RequestResponse';
  if (invocationType === 'DryRun') return { StatusCode: 204, Payload: '' };
  if (invocationType === 'Event') {
    // Asynchronous invocation: Lambda accepts the event and runs it; the task does not wait.
    void Promise.resolve()
      .then(() => handler(args.Payload ?? {}, context))
      .catch((error: unknown) =>
        env.services.logger?.warn({ err: error, functionName: name }, 'asynchronous invocation failed'),
      );
    return { StatusCode: 202, Payload: '' };
  }
  let payload: unknown;
  try {
    payload = await handler(args.Payload ?? {}, context);
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    const errorType = e.name && e.name !== 'Error' ? e.name : 'Error';
    throw new StatesError(
      errorType,
      JSON.stringify({ errorType, errorMessage: e.message, trace: (e.stack ?? '').split('\n') }),
    );
  }
  return {
    ExecutedVersion: '$LATEST',
    Payload: payload ?? null,
    SdkHttpMetadata: { HttpHeaders: { 'Content-Type': 'application/json' }, HttpStatusCode: 200 },
    SdkResponseMetadata: { RequestId: randomUUID() },
    StatusCode: 200,
  };
}

type LambdaHandler = (event: unknown, context: unknown) => unknown;

/** Imports a local function's module and returns its default export. */
async function loadFunction(name: string, modulePath: string): Promise<LambdaHandler> {
  let handler: unknown;
  try {
    handler = ((await import(pathToFileURL(modulePath).href)) as { default?: unknown }).default;
  } catch (error) {
    throw new StatesError(
      'Lambda.ServiceException',
      `Could not load function ${name} from ${modulePath}: ${(error as Error).message}`,
    );
  }
  if (typeof handler !== 'function') {
    throw new StatesError(
      'Lambda.ServiceException',
      `The module of function ${name} has no default export function`,
    );
  }
  return handler as LambdaHandler;
}

/** `updateService` → `UpdateService`. */
const pascal = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);
const camel = (s: string): string => s.charAt(0).toLowerCase() + s.slice(1);

/** Renames every key of a JSON value (recursively). */
function renameKeys(value: unknown, rename: (k: string) => string): unknown {
  if (Array.isArray(value)) return value.map((v) => renameKeys(v, rename));
  if (!isObject(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [rename(k), renameKeys(v, rename)]));
}

async function callEcs(action: string, args: unknown, env: RunEnv): Promise<unknown> {
  const ecs = env.services.ecs;
  const operation = ecs?.operations[pascal(action)];
  if (!operation) throw new StatesError('States.Runtime', `The local ECS does not serve ${pascal(action)}`);
  const requestId = randomUUID();
  try {
    const response = await operation(renameKeys(args ?? {}, camel) as Record<string, unknown>, {
      region: env.execution.region,
      accountId: env.services.accountId,
      requestId,
      clientGone: env.signal,
    });
    return renameKeys(response ?? {}, pascal);
  } catch (error) {
    throw serviceError('Ecs', 'ECS', error, requestId);
  }
}

function serviceError(prefix: string, service: string, error: unknown, requestId: string): StatesError {
  if (error instanceof StatesError) return error;
  if (error instanceof AwsError) {
    const name = prefix === 'S3' ? s3ErrorName(error.code) : error.code;
    return new StatesError(
      `${prefix}.${name}`,
      `${error.message} (Service: ${service}, Status Code: ${error.statusCode}, Request ID: ${requestId})`,
    );
  }
  return new StatesError(`${prefix}.SdkClientException`, (error as Error).message ?? String(error));
}

/** S3's modeled errors become `<Code>Exception` (the SDK's exception class); the rest `S3Exception`. */
function s3ErrorName(code: string): string {
  const modeled = [
    'NoSuchKey',
    'NoSuchBucket',
    'NoSuchUpload',
    'BucketAlreadyExists',
    'BucketAlreadyOwnedByYou',
    'InvalidObjectState',
  ];
  return modeled.includes(code) ? `${code}Exception` : 'S3Exception';
}

const iso = (d: Date): string => d.toISOString();

async function callS3(action: string, args: unknown, env: RunEnv): Promise<unknown> {
  const s3 = env.services.s3;
  if (!s3) throw new StatesError('States.Runtime', 'The local S3 is not available to the engine');
  if (!isObject(args) || typeof args.Bucket !== 'string')
    throw new StatesError('States.Runtime', `s3:${action} needs a Bucket parameter`);
  const unknown = Object.keys(args).filter((k) => !(S3_PARAMETERS[action] ?? []).includes(k));
  if (unknown.length > 0) {
    throw new StatesError(
      'States.Runtime',
      `s3:${action} does not take ${unknown.join(', ')} in stepfleet local`,
    );
  }
  const requestId = randomUUID();
  try {
    return await s3Action(s3, action, args, args.Bucket);
  } catch (error) {
    throw serviceError('S3', 'S3', error, requestId);
  }
}

function requireKey(action: string, args: Record<string, unknown>): string {
  if (typeof args.Key !== 'string')
    throw new StatesError('States.Runtime', `s3:${action} needs a Key parameter`);
  return args.Key;
}

async function s3Action(
  s3: EngineS3,
  action: string,
  args: Record<string, unknown>,
  bucket: string,
): Promise<unknown> {
  switch (action) {
    case 'getObject': {
      const got = await s3.getObject(bucket, requireKey(action, args));
      const chunks: Buffer[] = [];
      for await (const chunk of got.body) chunks.push(chunk as Buffer);
      return {
        Body: Buffer.concat(chunks).toString('utf8'),
        ContentLength: got.contentLength,
        ContentType: got.contentType,
        ETag: got.etag,
        LastModified: iso(got.lastModified),
        Metadata: got.metadata,
      };
    }
    case 'putObject': {
      const body =
        args.Body === undefined ? '' : typeof args.Body === 'string' ? args.Body : JSON.stringify(args.Body);
      const put = await s3.putObject(bucket, requireKey(action, args), body, {
        contentType: typeof args.ContentType === 'string' ? args.ContentType : undefined,
      });
      return { ETag: put.etag };
    }
    case 'headObject': {
      const info = await s3.headObject(bucket, requireKey(action, args));
      return {
        ContentLength: info.size,
        ContentType: info.contentType,
        ETag: info.etag,
        LastModified: iso(info.lastModified),
        Metadata: info.metadata,
      };
    }
    case 'deleteObject':
      await s3.deleteObject(bucket, requireKey(action, args));
      return {};
    default: {
      const page = await s3.listObjects(bucket, {
        prefix: args.Prefix as string | undefined,
        delimiter: args.Delimiter as string | undefined,
        startAfter: args.StartAfter as string | undefined,
        maxKeys: args.MaxKeys as number | undefined,
        continuationToken: args.ContinuationToken as string | undefined,
      });
      return {
        Contents: page.contents.map((o) => ({
          ETag: o.etag,
          Key: o.key,
          LastModified: iso(o.lastModified),
          Size: o.size,
          StorageClass: o.storageClass,
        })),
        CommonPrefixes: page.commonPrefixes.map((p) => ({ Prefix: p })),
        IsTruncated: page.isTruncated,
        KeyCount: page.keyCount,
        MaxKeys: (args.MaxKeys as number | undefined) ?? 1000,
        Name: bucket,
        Prefix: (args.Prefix as string | undefined) ?? '',
        ...(page.nextContinuationToken ? { NextContinuationToken: page.nextContinuationToken } : {}),
      };
    }
  }
}
