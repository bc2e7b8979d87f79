/**
 * Reads the result the aggregate step stored (its `resultUrl`), for a command line, a demo or a
 * test that shows or checks the per-month table.
 */
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { WeatherAggregationError } from './errors.ts';
import { WEATHER_RESULT_FORMAT, type WeatherResult } from './monthly-maxima.ts';

/** The {@link WeatherResult} stored at `s3://bucket/key`; throws when the object is not one. */
export async function readWeatherResult(
  client: S3Client,
  url: string,
  signal?: AbortSignal,
): Promise<WeatherResult> {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(url);
  if (!match) throw new TypeError(`not an s3://bucket/key URL: ${url}`);
  const out = await client.send(new GetObjectCommand({ Bucket: match[1], Key: match[2] }), {
    abortSignal: signal,
  });
  const result = JSON.parse((await out.Body?.transformToString()) ?? 'null') as WeatherResult | null;
  if (result?.format !== WEATHER_RESULT_FORMAT) {
    throw new WeatherAggregationError(
      `${url} is not a weather result (format ${JSON.stringify(result?.format)})`,
    );
  }
  return result;
}

/** The result as a text table, one line per month, for a terminal. */
export function formatWeatherTable(result: WeatherResult): string {
  const lines = [
    'month     max °C  station      date        stations',
    ...result.months.map(
      (m) =>
        `${m.month}  ${m.tmaxC.toFixed(1).padStart(6)}  ${m.station}  ${m.date.slice(0, 4)}-${m.date.slice(4, 6)}-${m.date.slice(6)}  ${String(m.stations).padStart(8)}`,
    ),
    `${result.stations} stations, ${result.files.succeeded} of ${result.files.total} files read, ${result.files.failed} failed (${result.failedPercentage} %)`,
    // A file's own error already starts with its key: print it once.
    ...result.failed
      .slice(0, 20)
      .map(
        (f) =>
          `  failed: ${f.key}: ${f.error}: ${f.message.startsWith(`${f.key}: `) ? f.message.slice(f.key.length + 2) : f.message}`,
      ),
  ];
  if (result.failed.length > 20) lines.push(`  ... and ${result.failed.length - 20} more`);
  return `${lines.join('\n')}\n`;
}
