import { s3Errors } from './errors.ts';

const ALLOWED = /^[a-z0-9][a-z0-9.-]*[a-z0-9]$/;
const IP_ADDRESS = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;
const RESERVED_PREFIXES = ['xn--', 'sthree-', 'amzn-s3-demo-'];
const RESERVED_SUFFIXES = ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3'];

/**
 * Why `name` breaks S3's rules for general purpose bucket names, or `undefined` when it is
 * valid: 3–63 characters of lower-case letters, digits, dots and hyphens, starting and ending
 * with a letter or digit, no two adjacent dots, not an IP address, no reserved prefix or suffix.
 */
export function bucketNameProblem(name: string): string | undefined {
  if (name.length < 3 || name.length > 63) return 'a bucket name must be between 3 and 63 characters long';
  if (!ALLOWED.test(name)) {
    return 'a bucket name may only contain lower-case letters, digits, dots and hyphens, and must begin and end with a letter or digit';
  }
  if (name.includes('..')) return 'a bucket name must not contain two adjacent periods';
  if (IP_ADDRESS.test(name)) return 'a bucket name must not be formatted as an IP address';
  for (const prefix of RESERVED_PREFIXES) {
    if (name.startsWith(prefix)) return `a bucket name must not start with the reserved prefix ${prefix}`;
  }
  for (const suffix of RESERVED_SUFFIXES) {
    if (name.endsWith(suffix)) return `a bucket name must not end with the reserved suffix ${suffix}`;
  }
  return undefined;
}

/** Throws `InvalidBucketName` naming the broken rule. */
export function assertBucketName(name: string): void {
  const problem = bucketNameProblem(name);
  if (problem) throw s3Errors.invalidBucketName(name, problem);
}
