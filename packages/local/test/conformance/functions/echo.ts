/**
 * A local Lambda function that returns its event, optionally after `delayMs` (real time). The
 * delay's timer does not keep the test process alive: a run that stops waiting for it (a task
 * timeout, an asynchronous invocation) leaves nothing behind.
 */
export default async function echo(event: { delayMs?: number }): Promise<unknown> {
  if (event.delayMs) await new Promise((resolve) => setTimeout(resolve, event.delayMs).unref());
  return event;
}
