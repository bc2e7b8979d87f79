/**
 * Thrown when a stepfleet construct is given props that are invalid or conflict with each other.
 * The message names the prop(s) at fault.
 */
export class InvalidPropsError extends Error {
  override readonly name = 'StepfleetCdk.InvalidProps';
}
