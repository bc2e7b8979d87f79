/**
 * AWS limits the job spec is checked against, each with the page it comes from. They are
 * hard limits of the services: a definition that breaks one is refused by CreateStateMachine,
 * CreateService or RegisterTaskDefinition, or fails at run time with an error no Catch sees.
 */

/**
 * Largest input or output of a task, state or execution, in bytes of UTF-8 (256 KiB). Over it a
 * state fails with `States.DataLimitExceeded`, which `States.ALL` does not catch.
 * Source: https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html
 */
export const MAX_PAYLOAD_BYTES = 262_144;

/**
 * Largest `ItemBatcher.MaxInputBytesPerBatch` (256 KiB).
 * Source: https://docs.aws.amazon.com/step-functions/latest/dg/input-output-itembatcher.html
 */
export const MAX_BATCH_BYTES = 262_144;

/**
 * Bytes of the task input the generator keeps for the `stepfleet` envelope it wraps around
 * each batch (execution id, times, attempt: about 400 bytes; the rest is headroom). A batch
 * filled to `MaxInputBytesPerBatch` plus the envelope must stay under {@link MAX_PAYLOAD_BYTES}.
 */
export const ENVELOPE_RESERVE_BYTES = 4_096;

/**
 * Largest `MaxItemsPerBatch` stepfleet accepts. AWS sets no number of its own; the byte limit
 * binds long before this for any real item.
 */
export const MAX_ITEMS_PER_BATCH = 100_000;

/**
 * Largest Distributed Map `MaxConcurrency` (0 means "as many as possible", which is this).
 * Source: https://docs.aws.amazon.com/step-functions/latest/dg/state-map-distributed.html
 */
export const MAX_DISTRIBUTED_CONCURRENCY = 10_000;

/**
 * Largest `ReaderConfig.MaxItems`.
 * Source: https://docs.aws.amazon.com/step-functions/latest/dg/input-output-itemreader.html
 */
export const MAX_READER_ITEMS = 100_000_000;

/**
 * Largest value of a Task's `TimeoutSeconds` / `HeartbeatSeconds` and of a Retrier's
 * `IntervalSeconds` / `MaxAttempts` (both timeouts default to it when unset: always set them).
 * Source: https://docs.aws.amazon.com/step-functions/latest/dg/state-task.html and
 * https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html
 */
export const MAX_STATES_SECONDS = 99_999_999;

/**
 * A Retrier's `MaxDelaySeconds` must be below 31,622,401.
 * Source: https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html
 */
export const MAX_RETRY_DELAY_SECONDS = 31_622_400;

/**
 * Longest Standard execution: one year. A state machine `TimeoutSeconds` over it never fires.
 * Source: https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html
 */
export const MAX_EXECUTION_SECONDS = 31_536_000;

/**
 * Longest error name a task may report (`SendTaskFailure.error`).
 * Source: https://docs.aws.amazon.com/step-functions/latest/apireference/API_SendTaskFailure.html
 */
export const MAX_ERROR_NAME_CHARS = 256;

/**
 * Longest ECS container `stopTimeout` on Fargate (SIGTERM → SIGKILL).
 * Source: https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ContainerDefinition.html
 */
export const MAX_STOP_TIMEOUT_SECONDS = 120;

/**
 * Most tasks one ECS service can run.
 * Source: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-quotas.html
 */
export const MAX_TASKS_PER_SERVICE = 5_000;

/**
 * Capacity provider strategy bounds: `base` 0..100,000, `weight` 0..1,000.
 * Source: https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CapacityProviderStrategyItem.html
 */
export const MAX_CAPACITY_BASE = 100_000;
/** See {@link MAX_CAPACITY_BASE}. */
export const MAX_CAPACITY_WEIGHT = 1_000;

/**
 * Longest job name. State machine and activity names allow 80 characters, Lambda function and
 * IAM role names 64; 40 leaves room for the suffixes {@link resourceNames} and CDK add.
 * Source: https://docs.aws.amazon.com/step-functions/latest/apireference/API_CreateStateMachine.html,
 * https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html
 */
export const MAX_JOB_NAME_CHARS = 40;

/**
 * Longest S3 object key, in bytes of UTF-8.
 * Source: https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html
 */
export const MAX_S3_KEY_BYTES = 1_024;

/** Most worker threads (slots) stepfleet runs in one container. */
export const MAX_THREADS_PER_WORKER = 256;
