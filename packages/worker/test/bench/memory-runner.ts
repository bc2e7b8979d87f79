/**
 * A worker process (options from STEPFLEET_* variables) that prints, every BENCH_MEMORY_MS,
 * its heap after a full GC (run with --expose-gc) and the tasks done so far.
 */
import { createWorker, workerOptionsFromEnv } from '@stepfleet/worker';

const worker = createWorker(workerOptionsFromEnv());
const gc = (globalThis as { gc?: () => void }).gc;
const timer = setInterval(
  () => {
    gc?.();
    const { heapUsed, rss } = process.memoryUsage();
    process.stdout.write(
      `${JSON.stringify({ memory: { heapUsed, rss }, tasks: worker.metrics().tasksSucceeded })}\n`,
    );
  },
  Number(process.env.BENCH_MEMORY_MS ?? 1000),
);
await worker.run();
clearInterval(timer);
