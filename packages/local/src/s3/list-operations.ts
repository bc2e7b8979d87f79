import { s3Errors } from './errors.ts';
import { MAX_KEYS } from './listing.ts';
import { owner, type S3Call, type S3Handler, sendXml, xmlDate } from './response.ts';
import type { ListObjectsOptions, ListObjectsPage } from './types.ts';
import type { XmlElement } from './xml.ts';

/** ListObjectsV2. */
export const listObjectsV2: S3Handler = async (call) => {
  const q = call.route.query;
  const { options, encode, maxKeys } = listOptions(call);
  const token = q.get('continuation-token');
  const startAfter = q.get('start-after');
  const page = await call.store.listObjects(call.route.bucket, {
    ...options,
    ...(token !== null ? { continuationToken: token } : {}),
    ...(startAfter !== null ? { startAfter } : {}),
  });
  sendXml(call, 'ListBucketResult', [
    ['Name', call.route.bucket],
    ['Prefix', encode(options.prefix ?? '')],
    ['Delimiter', options.delimiter === undefined ? undefined : encode(options.delimiter)],
    ['MaxKeys', maxKeys],
    ['EncodingType', q.get('encoding-type') ?? undefined],
    ['KeyCount', page.keyCount],
    ['IsTruncated', page.isTruncated],
    ['ContinuationToken', token ?? undefined],
    ['NextContinuationToken', page.nextContinuationToken],
    ['StartAfter', startAfter === null ? undefined : encode(startAfter)],
    ...entries(call, page, encode, q.get('fetch-owner') === 'true'),
  ]);
};

/** ListObjects (version 1): `marker` / `NextMarker` paging. */
export const listObjects: S3Handler = async (call) => {
  const q = call.route.query;
  const { options, encode, maxKeys } = listOptions(call);
  const marker = q.get('marker') ?? '';
  const delimiter = options.delimiter ?? '';
  // A marker that is a common prefix (a NextMarker S3 gave) continues after everything under it.
  const markerIsCommonPrefix =
    delimiter !== '' && marker.endsWith(delimiter) && marker.startsWith(options.prefix ?? '');
  const page = await call.store.listObjects(call.route.bucket, {
    ...options,
    ...(markerIsCommonPrefix
      ? { continuationToken: Buffer.concat([Buffer.from(marker), Buffer.from([0xff])]).toString('base64url') }
      : { startAfter: marker }),
  });
  const last = [...page.contents.map((o) => o.key), ...page.commonPrefixes].sort(compareUtf8).at(-1);
  sendXml(call, 'ListBucketResult', [
    ['Name', call.route.bucket],
    ['Prefix', encode(options.prefix ?? '')],
    ['Marker', encode(marker)],
    ['NextMarker', page.isTruncated && delimiter !== '' && last !== undefined ? encode(last) : undefined],
    ['MaxKeys', maxKeys],
    ['Delimiter', options.delimiter === undefined ? undefined : encode(options.delimiter)],
    ['EncodingType', q.get('encoding-type') ?? undefined],
    ['IsTruncated', page.isTruncated],
    ...entries(call, page, encode, true),
  ]);
};

function listOptions(call: S3Call): {
  options: ListObjectsOptions;
  encode: (text: string) => string;
  maxKeys: number;
} {
  const q = call.route.query;
  const encoding = q.get('encoding-type');
  if (encoding !== null && encoding !== 'url') {
    throw s3Errors.invalidArgument('Invalid Encoding Method specified in Request', 'encoding-type', encoding);
  }
  const maxText = q.get('max-keys');
  const maxKeys = maxText === null ? MAX_KEYS : Number(maxText);
  if (maxText !== null && !/^\d+$/.test(maxText)) {
    throw s3Errors.invalidArgument(
      'Provided max-keys not an integer or within integer range',
      'max-keys',
      maxText,
    );
  }
  const prefix = q.get('prefix');
  const delimiter = q.get('delimiter');
  return {
    options: {
      maxKeys: Math.min(maxKeys, MAX_KEYS),
      ...(prefix !== null ? { prefix } : {}),
      ...(delimiter !== null && delimiter !== '' ? { delimiter } : {}),
    },
    encode: encoding === 'url' ? urlEncode : (text) => text,
    maxKeys,
  };
}

function entries(
  call: S3Call,
  page: ListObjectsPage,
  encode: (text: string) => string,
  withOwner: boolean,
): XmlElement[] {
  return [
    ...page.contents.map(
      (o): XmlElement => [
        'Contents',
        [
          ['Key', encode(o.key)],
          ['LastModified', xmlDate(o.lastModified)],
          ['ETag', o.etag],
          ['Size', o.size],
          ['StorageClass', o.storageClass],
          ['Owner', withOwner ? owner(call.ctx) : undefined],
        ],
      ],
    ),
    ...page.commonPrefixes.map((p): XmlElement => ['CommonPrefixes', [['Prefix', encode(p)]]]),
  ];
}

/** S3's `encoding-type=url`: percent-encode all but unreserved characters and `/`. */
function urlEncode(text: string): string {
  return encodeURIComponent(text)
    .replace(/%2F/g, '/')
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
