import { AwsError } from '../aws-error.ts';
import { assertBucketName } from './bucket-name.ts';
import { s3Errors } from './errors.ts';
import { refuseUnsupportedHeaders } from './object-headers.ts';
import { readSmallBody } from './request-body.ts';
import { owner, type S3Call, type S3Handler, sendEmpty, sendXml, xmlDate } from './response.ts';
import { parseXmlRequest, textOf } from './xml.ts';

const MAX_CONFIGURATION_BYTES = 64 * 1024;
/** ListBuckets' largest page. */
const MAX_BUCKETS = 10_000;

/** ListBuckets, with the optional prefix, region filter and pagination of the current API. */
export const listBuckets: S3Handler = async (call) => {
  const q = call.route.query;
  const prefix = q.get('prefix') ?? '';
  const region = q.get('bucket-region');
  const maxText = q.get('max-buckets');
  const max = maxText === null ? MAX_BUCKETS : Number(maxText);
  if (!Number.isInteger(max) || max < 1 || max > MAX_BUCKETS) {
    throw s3Errors.invalidArgument(
      'max-buckets must be an integer between 1 and 10000',
      'max-buckets',
      String(maxText),
    );
  }
  const token = q.get('continuation-token');
  const after = token === null ? '' : Buffer.from(token, 'base64url').toString('utf8');
  const matching = (await call.store.listBuckets()).filter(
    (b) => b.name.startsWith(prefix) && (region === null || b.region === region) && b.name > after,
  );
  const page = matching.slice(0, max);
  const truncated = matching.length > max;
  sendXml(call, 'ListAllMyBucketsResult', [
    ['Owner', owner(call.ctx)],
    [
      'Buckets',
      page.map((b) => [
        'Bucket',
        [
          ['Name', b.name],
          ['CreationDate', xmlDate(b.creationDate)],
          ['BucketRegion', b.region],
        ],
      ]),
    ],
    ['Prefix', q.has('prefix') ? prefix : undefined],
    ['ContinuationToken', truncated ? Buffer.from(page.at(-1)!.name).toString('base64url') : undefined],
  ]);
};

/** CreateBucket, in the request's region or its `LocationConstraint`. */
export const createBucket: S3Handler = async (call) => {
  const { bucket } = call.route;
  assertBucketName(bucket);
  refuseUnsupportedHeaders(call.req, 'CreateBucket');
  let region = call.ctx.region;
  const body = await readSmallBody(call.req, MAX_CONFIGURATION_BYTES);
  if (body.length > 0) {
    const configuration = parseXmlRequest(body, 'CreateBucketConfiguration');
    const constraint = textOf(configuration, 'LocationConstraint');
    if (constraint !== undefined && constraint !== '' && constraint !== region) {
      throw new AwsError(
        'IllegalLocationConstraintException',
        `The ${constraint} location constraint is incompatible for the region specific endpoint this request was sent to (${region}).`,
      );
    }
    for (const name of Object.keys(configuration)) {
      if (name !== 'LocationConstraint' && name !== '#text') {
        throw s3Errors.notImplemented(`CreateBucketConfiguration.${name}`);
      }
    }
    region = constraint || region;
  }
  const objectOwnership = call.req.headers['x-amz-object-ownership'];
  if (objectOwnership !== undefined && objectOwnership !== 'BucketOwnerEnforced') {
    throw s3Errors.notImplemented(`x-amz-object-ownership: ${objectOwnership} (only BucketOwnerEnforced)`);
  }
  if (call.req.headers['x-amz-bucket-object-lock-enabled'] === 'true') {
    throw s3Errors.notImplemented('object lock (x-amz-bucket-object-lock-enabled)');
  }
  await call.store.createBucket(bucket, region);
  sendEmpty(call, 200, { location: `/${bucket}` });
};

/** HeadBucket: 200 with the bucket's region, or a bodiless 404. */
export const headBucket: S3Handler = async (call) => {
  const info = await call.store.headBucket(call.route.bucket);
  sendEmpty(call, 200, { 'x-amz-bucket-region': info.region, 'x-amz-access-point-alias': 'false' });
};

/** DeleteBucket: only an empty bucket. */
export const deleteBucket: S3Handler = async (call) => {
  await call.store.deleteBucket(call.route.bucket);
  sendEmpty(call, 204);
};

/** GetBucketLocation: empty for us-east-1, as S3. */
export const getBucketLocation: S3Handler = async (call: S3Call) => {
  const info = await call.store.headBucket(call.route.bucket);
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${info.region === 'us-east-1' ? '' : info.region}</LocationConstraint>`;
  call.res.writeHead(200, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
  call.res.end(body);
};
