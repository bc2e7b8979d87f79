import { AwsError } from '../aws-error.ts';

/** S3's errors, with the codes, statuses and extra fields S3 answers them with. */
export const s3Errors = {
  noSuchBucket: (bucket: string) =>
    new AwsError('NoSuchBucket', 'The specified bucket does not exist', 404, { BucketName: bucket }),
  noSuchKey: (key: string) =>
    new AwsError('NoSuchKey', 'The specified key does not exist.', 404, { Key: key }),
  noSuchUpload: (uploadId: string) =>
    new AwsError(
      'NoSuchUpload',
      'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
      404,
      { UploadId: uploadId },
    ),
  invalidBucketName: (bucket: string, why: string) =>
    new AwsError('InvalidBucketName', `The specified bucket is not valid: ${why}`, 400, {
      BucketName: bucket,
    }),
  bucketAlreadyOwnedByYou: (bucket: string) =>
    new AwsError(
      'BucketAlreadyOwnedByYou',
      'Your previous request to create the named bucket succeeded and you already own it.',
      409,
      { BucketName: bucket },
    ),
  bucketNotEmpty: (bucket: string) =>
    new AwsError('BucketNotEmpty', 'The bucket you tried to delete is not empty', 409, {
      BucketName: bucket,
    }),
  invalidRange: (size: number, range: string) =>
    new AwsError('InvalidRange', 'The requested range is not satisfiable', 416, {
      RangeRequested: range,
      ActualObjectSize: String(size),
    }),
  invalidArgument: (message: string, name?: string, value?: string) =>
    new AwsError(
      'InvalidArgument',
      message,
      400,
      name === undefined ? {} : { ArgumentName: name, ArgumentValue: value ?? '' },
    ),
  invalidRequest: (message: string) => new AwsError('InvalidRequest', message, 400),
  malformedXml: () =>
    new AwsError(
      'MalformedXML',
      'The XML you provided was not well-formed or did not validate against our published schema',
      400,
    ),
  badDigest: (what: string) =>
    new AwsError('BadDigest', `The ${what} you specified did not match the calculated checksum.`, 400),
  invalidDigest: (what: string) =>
    new AwsError('InvalidDigest', `The ${what} you specified is not valid.`, 400),
  incompleteBody: (expected: number, got: number) =>
    new AwsError(
      'IncompleteBody',
      `You did not provide the number of bytes specified by the Content-Length HTTP header (expected ${expected}, got ${got}).`,
      400,
    ),
  connectionClosed: () =>
    new AwsError('IncompleteBody', 'The connection closed before the request body was complete.', 400),
  preconditionFailed: (condition: string) =>
    new AwsError('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', 412, {
      Condition: condition,
    }),
  invalidPart: (partNumber: number) =>
    new AwsError(
      'InvalidPart',
      "One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.",
      400,
      { PartNumber: String(partNumber) },
    ),
  invalidPartOrder: () =>
    new AwsError(
      'InvalidPartOrder',
      'The list of parts was not in ascending order. Parts must be ordered by part number.',
      400,
    ),
  entityTooSmall: (partNumber: number, size: number) =>
    new AwsError(
      'EntityTooSmall',
      'Your proposed upload is smaller than the minimum allowed object size.',
      400,
      {
        PartNumber: String(partNumber),
        ProposedSize: String(size),
        MinSizeAllowed: String(5 * 1024 * 1024),
      },
    ),
  entityTooLarge: (size: number, max: number) =>
    new AwsError('EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size', 400, {
      ProposedSize: String(size),
      MaxSizeAllowed: String(max),
    }),
  keyTooLong: (length: number) =>
    new AwsError('KeyTooLongError', `Your key is too long: ${length} bytes, the maximum is 1024.`, 400),
  methodNotAllowed: (method: string, resourceType: string) =>
    new AwsError('MethodNotAllowed', 'The specified method is not allowed against this resource.', 405, {
      Method: method,
      ResourceType: resourceType,
    }),
  invalidUri: () => new AwsError('InvalidURI', "Couldn't parse the specified URI.", 400),
  missingContentLength: () =>
    new AwsError('MissingContentLength', 'You must provide the Content-Length HTTP header.', 411),
  accessDenied: (message: string) => new AwsError('AccessDenied', message, 403),
  metadataTooLarge: (size: number, max: number) =>
    new AwsError('MetadataTooLarge', 'Your metadata headers exceed the maximum allowed metadata size.', 400, {
      Size: String(size),
      MaxSizeAllowed: String(max),
    }),
  invalidStorageClass: (storageClass: string) =>
    new AwsError('InvalidStorageClass', 'The storage class you specified is not valid', 400, {
      StorageClassRequested: storageClass,
    }),
  notImplemented: (what: string) =>
    new AwsError('NotImplemented', `stepfleet local S3 does not implement ${what}.`, 501),
};
