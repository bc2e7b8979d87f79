/**
 * Errors the controller raises. Each has a fixed `name` a state machine's Retry/Catch can match
 * (the Lambda integration reports it as the error name).
 */
export class ControllerError extends Error {
  override readonly name: string = 'Controller.Error';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The ECS service (or its cluster) does not exist or is not active. */
export class ServiceNotFoundError extends ControllerError {
  override readonly name = 'Controller.ServiceNotFound';
}

/** AWS refused a call for lack of permission: the message names the action and the resource. */
export class PermissionError extends ControllerError {
  override readonly name = 'Controller.AccessDenied';
}

/** A request to the controller is malformed: the message names the field. */
export class InvalidRequestError extends ControllerError {
  override readonly name = 'Controller.InvalidRequest';
}

/** Turns an AWS SDK error from `action` on `resource` into a named controller error. */
export function explainAwsError(error: unknown, action: string, resource: string): Error {
  const name = (error as { name?: string } | null)?.name ?? '';
  const message = (error as { message?: string } | null)?.message ?? String(error);
  if (
    name === 'ServiceNotFoundException' ||
    name === 'ServiceNotActiveException' ||
    name === 'ClusterNotFoundException'
  ) {
    return new ServiceNotFoundError(`${action} on ${resource}: ${name}: ${message}`, { cause: error });
  }
  if (name === 'AccessDeniedException' || name === 'AccessDenied' || name === 'UnauthorizedOperation') {
    return new PermissionError(
      `${action} on ${resource} was denied: grant ${action} to the controller's role (${message})`,
      {
        cause: error,
      },
    );
  }
  return error instanceof Error
    ? error
    : new ControllerError(`${action} on ${resource} failed: ${message}`, { cause: error });
}
