/**
 * Reads the portfolio result the aggregate step stored (its `resultUrl`), for a command line or
 * a demo that shows the table and writes the report locally.
 */
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { AggregationError, type PortfolioResult, RESULT_FORMAT } from './aggregate.ts';

/** Splits `s3://bucket/key`; throws a TypeError naming the URL otherwise. */
export function parseS3Url(url: string): { bucket: string; key: string } {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(url);
  if (!match) throw new TypeError(`not an s3://bucket/key URL: ${url}`);
  return { bucket: match[1]!, key: match[2]! };
}

/** The {@link PortfolioResult} stored at `url`; throws when the object is not one. */
export async function readPortfolioResult(
  client: S3Client,
  url: string,
  signal?: AbortSignal,
): Promise<PortfolioResult> {
  const { bucket, key } = parseS3Url(url);
  const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal });
  const result = JSON.parse((await out.Body?.transformToString()) ?? 'null') as PortfolioResult | null;
  if (result?.format !== RESULT_FORMAT) {
    throw new AggregationError(
      `${url} is not a Monte Carlo result (format ${JSON.stringify(result?.format)})`,
    );
  }
  return result;
}
