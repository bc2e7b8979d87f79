/**
 * An error the local backend returns to a client in the shape AWS uses for the protocol of the
 * service that raised it (JSON `__type` for Step Functions and ECS, XML `<Error><Code>` for S3).
 */
export class AwsError extends Error {
  /** The AWS error code, e.g. `TaskTimedOut`, `NoSuchKey`, `ThrottlingException`. */
  readonly code: string;
  /** The HTTP status AWS answers this error with. */
  readonly statusCode: number;
  /** Extra fields to serialize next to the code and message (S3's `<Key>`, `<BucketName>`...). */
  readonly fields: Readonly<Record<string, string>>;

  constructor(code: string, message: string, statusCode = 400, fields: Record<string, string> = {}) {
    super(message);
    this.name = 'AwsError';
    this.code = code;
    this.statusCode = statusCode;
    this.fields = fields;
  }
}

/** A request parameter failed validation (`ValidationException`, 400). */
export const validationError = (message: string): AwsError => new AwsError('ValidationException', message);

/** The error every throttled JSON-protocol call gets (400, retryable for the SDK). */
export const throttlingError = (): AwsError => new AwsError('ThrottlingException', 'Rate exceeded', 400);
