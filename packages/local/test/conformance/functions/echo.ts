/** A local Lambda function that returns its event, optionally after `delayMs` (real time). */
export default async function echo(event: { delayMs?: number }): Promise<unknown> {
  if (event.delayMs) await new Promise((resolve) => setTimeout(resolve, event.delayMs));
  return event;
}
