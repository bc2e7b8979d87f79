import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { OutputKey } from './reporter.ts';

/**
 * Writes outputs over the Step Functions limit to `s3://bucket/<prefix><execution>/<token hash>.json`
 * and returns the URL the task reports as `{ "$stepfleetOutput": url }`.
 */
export function createOutputOffload(
  s3: () => S3Client,
  bucket: string,
  prefix: string,
): (output: string, key: OutputKey) => Promise<string> {
  return async (output, { tokenHash, executionId }) => {
    const execution = executionId ? `${executionId.split(':').pop()}/` : '';
    const key = `${prefix}${execution}${tokenHash}.json`;
    await s3().send(
      new PutObjectCommand({ Bucket: bucket, Key: key, Body: output, ContentType: 'application/json' }),
    );
    return `s3://${bucket}/${key}`;
  };
}
