import { join } from 'node:path';
import type { Logger } from 'pino';
import { type Clock, createClock } from '../clock.ts';
import { createS3Rest } from './rest.ts';
import { openS3Store } from './store.ts';
import type { S3Service } from './types.ts';

export { bucketNameProblem } from './bucket-name.ts';
export type * from './types.ts';

/** Options of {@link createS3Service}. */
export interface S3ServiceOptions {
  /** The backend's data directory; S3 keeps its index and objects under `${dataDir}/s3/`. */
  readonly dataDir: string;
  /** Stamps LastModified. @defaultValue a real-time clock */
  readonly clock?: Clock;
  /** @defaultValue no logging */
  readonly logger?: Logger;
}

/**
 * Creates the local backend's S3 service on `${dataDir}/s3/`, reopening what an earlier run
 * stored there.
 * @example
 * const s3 = createS3Service({ dataDir });
 * await s3.store.createBucket('results');
 * await s3.store.putObject('results', 'a.json', '{"ok":true}', { contentType: 'application/json' });
 * // router: createRouter({ ..., rest: s3.rest })
 * await s3.close();
 */
export function createS3Service(options: S3ServiceOptions): S3Service {
  const root = join(options.dataDir, 's3');
  const store = openS3Store(root, options.clock ?? createClock());
  options.logger?.debug({ root }, 's3 store opened');
  return {
    rest: createS3Rest(store),
    store,
    close: () => store.close(),
  };
}
