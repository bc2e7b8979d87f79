/**
 * What a batch task returns: its {@link BatchResult} inline when it fits the activity output
 * limit, else a reference to the same JSON written to S3. The key is a function of the batch's
 * content, so a retried batch overwrites its own object with the same bytes.
 */
import type { BatchResult } from './batch.ts';
import type { ResolvedSimulationInput } from './simulation-input.ts';

/** Step Functions' limit on an activity's output, in UTF-8 bytes (AWS-FACTS.md). */
export const ACTIVITY_OUTPUT_LIMIT_BYTES = 262_144;

/** Largest inline output: the limit less a margin for anything wrapped around it. */
export const INLINE_OUTPUT_BUDGET_BYTES = ACTIVITY_OUTPUT_LIMIT_BYTES - 8_192;

/** The format tag of {@link BatchResultRef}. */
export const BATCH_REF_FORMAT = 'stepfleet.monte-carlo.batch-ref/1';

/** A batch result stored in S3. */
export interface BatchResultRef {
  readonly format: typeof BATCH_REF_FORMAT;
  /** `s3://bucket/key` of the {@link BatchResult} JSON. */
  readonly url: string;
  readonly bytes: number;
  readonly loanCount: number;
}

/** A batch task's output. */
export type BatchOutput = BatchResult | BatchResultRef;

/** The S3 writes and reads this module needs (the worker SDK's `S3Helpers` has them). */
export interface BatchOutputStore {
  put(
    ref: string | { Bucket?: string; Key: string },
    body: string,
    options?: { contentType?: string; signal?: AbortSignal },
  ): Promise<string>;
  getText(
    ref: string | { Bucket?: string; Key: string },
    options?: { signal?: AbortSignal },
  ): Promise<string>;
}

/** Where a large batch result goes: `<prefix><fingerprint>/<idDigest>-<loanCount>.json`. */
export function spillKey(result: BatchResult, prefix: string): string {
  return `${prefix}${result.fingerprint}/${result.idDigest}-${result.loanCount}.json`;
}

/** Returns the result inline, or writes it to S3 and returns a {@link BatchResultRef}. */
export async function packBatchOutput(
  result: BatchResult,
  input: ResolvedSimulationInput,
  store: BatchOutputStore,
  signal?: AbortSignal,
): Promise<BatchOutput> {
  const json = JSON.stringify(result);
  const bytes = Buffer.byteLength(json);
  if (bytes <= INLINE_OUTPUT_BUDGET_BYTES) return result;
  const key = spillKey(result, input.spill.prefix);
  const ref = input.spill.bucket === null ? key : { Bucket: input.spill.bucket, Key: key };
  const url = await store.put(ref, json, { contentType: 'application/json', signal });
  return { format: BATCH_REF_FORMAT, url, bytes, loanCount: result.loanCount };
}

/**
 * The batch result behind a task output: inline, a {@link BatchResultRef}, or the worker
 * SDK's own `{ "$stepfleetOutput": "s3://..." }` offload pointer (at most one hop each way).
 */
export async function resolveBatchOutput(
  output: unknown,
  store: Pick<BatchOutputStore, 'getText'>,
  signal?: AbortSignal,
  hops = 0,
): Promise<BatchResult> {
  if (typeof output === 'object' && output !== null) {
    const o = output as Record<string, unknown>;
    const url = o.format === BATCH_REF_FORMAT ? o.url : o.$stepfleetOutput;
    if (typeof url === 'string') {
      if (hops >= 2) throw new TypeError(`batch output ${url} points to another pointer, and again`);
      return resolveBatchOutput(JSON.parse(await store.getText(url, { signal })), store, signal, hops + 1);
    }
  }
  return output as BatchResult;
}
