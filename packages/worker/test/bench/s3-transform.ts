/**
 * Bench handler, the workshop's per-object pattern: for each item (an S3 key), get the object,
 * transform it, put the result. I/O-bound: items run concurrently within the batch.
 */
import { createHash } from 'node:crypto';
import { defineItemHandler } from '@stepfleet/worker/handler';

export default defineItemHandler<{ Key: string }, unknown, { Key: string; sha: string }>(
  async (item, { s3, signal }) => {
    const text = await s3.getText(item, { signal });
    const transformed = text.toUpperCase();
    const Key = `out/${item.Key}`;
    await s3.put({ Key }, transformed, { contentType: 'text/plain', signal });
    return { Key, sha: createHash('sha256').update(transformed).digest('hex').slice(0, 16) };
  },
  { concurrency: 32 },
);
