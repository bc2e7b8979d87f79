import type { IncomingMessage } from 'node:http';
import { AwsError } from '../aws-error.ts';
import type { RestService } from '../service.ts';
import {
  createBucket,
  deleteBucket,
  getBucketLocation,
  headBucket,
  listBuckets,
} from './bucket-operations.ts';
import { s3Errors } from './errors.ts';
import { listObjects, listObjectsV2 } from './list-operations.ts';
import {
  abortMultipartUpload,
  completeMultipartUpload,
  createMultipartUpload,
  listMultipartUploads,
  listParts,
  uploadPart,
} from './multipart-operations.ts';
import {
  copyObject,
  deleteObject,
  deleteObjects,
  getObject,
  headObject,
  putObject,
} from './object-operations.ts';
import type { S3Handler } from './response.ts';
import { writeS3Error } from './response.ts';
import { resolveRoute, type S3Operation, type S3Route } from './route.ts';
import type { S3Store } from './types.ts';

/** One handler per supported operation. */
const HANDLERS: Record<S3Operation, S3Handler> = {
  ListBuckets: listBuckets,
  CreateBucket: createBucket,
  HeadBucket: headBucket,
  DeleteBucket: deleteBucket,
  GetBucketLocation: getBucketLocation,
  ListObjects: listObjects,
  ListObjectsV2: listObjectsV2,
  DeleteObjects: deleteObjects,
  PutObject: putObject,
  CopyObject: copyObject,
  GetObject: getObject,
  HeadObject: headObject,
  DeleteObject: deleteObject,
  CreateMultipartUpload: createMultipartUpload,
  UploadPart: uploadPart,
  CompleteMultipartUpload: completeMultipartUpload,
  AbortMultipartUpload: abortMultipartUpload,
  ListParts: listParts,
  ListMultipartUploads: listMultipartUploads,
};

/**
 * S3's REST protocol, path-style (`/bucket/key`), over a {@link S3Store}. The router asks it
 * for the operation of a request (for fault injection), then lets it answer.
 */
export function createS3Rest(store: S3Store, accountId?: string): RestService {
  // operationOf and handle see the same request; resolve it once.
  const routes = new WeakMap<IncomingMessage, S3Route>();
  const routeOf = (req: IncomingMessage): S3Route => {
    let route = routes.get(req);
    if (!route) {
      route = resolveRoute(req);
      routes.set(req, route);
    }
    return route;
  };
  return {
    serviceName: 's3',
    operationOf: (req) => routeOf(req).operation,
    async handle(req, res, ctx) {
      const route = routeOf(req);
      if (!route.supported) throw route.refusal;
      const expectedOwner = req.headers['x-amz-expected-bucket-owner'];
      if (expectedOwner !== undefined && expectedOwner !== (accountId ?? ctx.accountId)) {
        throw s3Errors.accessDenied('Access Denied: the bucket is owned by another account');
      }
      try {
        await HANDLERS[route.operation as S3Operation]({ req, res, ctx, route, store });
      } catch (error) {
        // A client that hangs up mid-request is not a backend failure: answer (to no one)
        // with S3's error for a body cut short instead of logging a crash.
        if (!(error instanceof AwsError) && (ctx.clientGone.aborted || req.errored)) {
          throw s3Errors.connectionClosed();
        }
        throw error;
      }
    },
    writeError: writeS3Error,
  };
}
