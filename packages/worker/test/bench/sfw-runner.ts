/**
 * Baseline: the npm `step-function-worker` (aws-sdk v2) running a no-op function with the
 * same concurrency as the stepfleet worker it is compared with.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const StepFunctionWorker = require('step-function-worker') as new (
  options: Record<string, unknown>,
) => {
  close(cb: () => void): void;
};

const worker = new StepFunctionWorker({
  activityArn: process.env.STEPFLEET_ACTIVITY_ARN,
  workerName: 'sfw',
  concurrency: Number(process.env.BENCH_CONCURRENCY ?? 8),
  fn: (_input: unknown, cb: (error: Error | null, output: unknown) => void) => cb(null, {}),
  awsConfig: {
    region: process.env.AWS_REGION,
    endpoint: process.env.AWS_ENDPOINT_URL,
    accessKeyId: process.env.AWS_ACCESS_KEY_ID,
    secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY,
    httpOptions: { timeout: 70_000 },
  },
});
process.on('SIGTERM', () => worker.close(() => process.exit(0)));
