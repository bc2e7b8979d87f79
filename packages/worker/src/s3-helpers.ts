import { Readable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import type { S3Helpers, S3Ref } from './handler.ts';

/** A bucket and key. */
export interface S3Location {
  readonly bucket: string;
  readonly key: string;
}

/** Resolves an {@link S3Ref} against a default bucket, with a clear error when none applies. */
export function resolveS3Ref(ref: S3Ref, defaultBucket: string | null): S3Location {
  if (typeof ref === 'string') {
    if (ref.startsWith('s3://')) {
      const rest = ref.slice(5);
      const slash = rest.indexOf('/');
      if (slash <= 0 || slash === rest.length - 1) throw new TypeError(`not an s3://bucket/key URL: ${ref}`);
      return { bucket: rest.slice(0, slash), key: rest.slice(slash + 1) };
    }
    ref = { Key: ref };
  }
  if (typeof ref?.Key !== 'string' || ref.Key === '')
    throw new TypeError('an S3 reference needs a non-empty Key');
  const bucket = ref.Bucket ?? defaultBucket;
  if (!bucket) {
    throw new TypeError(
      `no bucket for S3 key ${ref.Key}: name one, or set dataBucket (STEPFLEET_DATA_BUCKET)`,
    );
  }
  return { bucket, key: ref.Key };
}

/**
 * The S3 helpers over a client. `getClient` is called on first use, so a handler that never
 * touches S3 never loads the S3 SDK.
 */
export function createS3Helpers(getClient: () => Promise<S3Client>, defaultBucket: string | null): S3Helpers {
  const sdk = (): Promise<typeof import('@aws-sdk/client-s3')> => import('@aws-sdk/client-s3');
  const getBody = async (ref: S3Ref, signal: AbortSignal | undefined) => {
    const { bucket, key } = resolveS3Ref(ref, defaultBucket);
    const [client, { GetObjectCommand }] = await Promise.all([getClient(), sdk()]);
    const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }), {
      abortSignal: signal,
    });
    return out.Body;
  };
  const getBytes: S3Helpers['getBytes'] = async (ref, options) => {
    const body = await getBody(ref, options?.signal);
    return body ? body.transformToByteArray() : new Uint8Array();
  };
  const getStream: S3Helpers['getStream'] = async (ref, options) => {
    const body = await getBody(ref, options?.signal);
    if (!body) return Readable.from([]);
    // In Node the SDK's body is an IncomingMessage (a Readable); elsewhere, a web stream.
    if (body instanceof Readable) return body;
    return Readable.fromWeb(body.transformToWebStream() as import('node:stream/web').ReadableStream);
  };
  const put: S3Helpers['put'] = async (ref, body, options) => {
    const { bucket, key } = resolveS3Ref(ref, defaultBucket);
    const [client, { PutObjectCommand }] = await Promise.all([getClient(), sdk()]);
    await client.send(
      new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: options?.contentType }),
      { abortSignal: options?.signal },
    );
    return `s3://${bucket}/${key}`;
  };
  return {
    getBytes,
    getStream,
    getText: async (ref, options) => new TextDecoder().decode(await getBytes(ref, options)),
    getJson: async <T>(ref: S3Ref, options?: { signal?: AbortSignal }) =>
      JSON.parse(new TextDecoder().decode(await getBytes(ref, options))) as T,
    put,
    putJson: (ref, value, options) =>
      put(ref, JSON.stringify(value), { contentType: 'application/json', signal: options?.signal }),
  };
}
