import { MAX_S3_KEY_BYTES } from './limits.ts';

/**
 * General purpose bucket names: 3 to 63 characters of lowercase letters, digits, dots and
 * hyphens, starting and ending with a letter or digit, not shaped like an IP address.
 * Source: https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
 */
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const IP_ADDRESS = /^\d+\.\d+\.\d+\.\d+$/;

/** What is wrong with a bucket name, or undefined when it is valid. */
export function bucketNameProblem(name: string): string | undefined {
  if (!BUCKET_NAME.test(name) || name.includes('..') || IP_ADDRESS.test(name)) {
    return `must be an S3 bucket name (3-63 lowercase letters, digits, dots, hyphens), got ${JSON.stringify(name)}`;
  }
  return undefined;
}

/** What is wrong with an object key (or a key prefix when `allowEmpty`), or undefined. */
export function keyProblem(key: string, allowEmpty = false): string | undefined {
  if (key.length === 0 && !allowEmpty) return 'must not be empty';
  if (Buffer.byteLength(key) > MAX_S3_KEY_BYTES) return `must be at most ${MAX_S3_KEY_BYTES} bytes`;
  if (key.startsWith('/'))
    return `must not start with "/" (S3 keys have no leading slash), got ${JSON.stringify(key)}`;
  return undefined;
}
