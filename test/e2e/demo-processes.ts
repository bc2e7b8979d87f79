/** Helpers of the demo's end-to-end tests: which processes a run left behind. */
import { readdir, readFile } from 'node:fs/promises';

/**
 * Pids of live processes whose environment points the AWS SDK at `endpoint`: the CLI and every
 * worker process of a local backend carry `AWS_ENDPOINT_URL=<its url>`.
 */
export async function processesTalkingTo(endpoint: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const environ = await readFile(`/proc/${entry}/environ`, 'latin1').catch(() => '');
    if (environ.split('\0').includes(`AWS_ENDPOINT_URL=${endpoint}`)) pids.push(Number(entry));
  }
  return pids;
}
