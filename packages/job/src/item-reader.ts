import type { ItemReader } from './asl.ts';
import type { CsvDelimiter, ItemSource, JsonObject } from './job-spec.ts';

const DELIMITER_NAMES: Record<CsvDelimiter, string> = {
  ',': 'COMMA',
  '|': 'PIPE',
  ';': 'SEMICOLON',
  ' ': 'SPACE',
  '\t': 'TAB',
};

/**
 * The Distributed Map `ItemReader` for an item source.
 * Reference: https://docs.aws.amazon.com/step-functions/latest/dg/input-output-itemreader.html
 */
export function itemReader(source: ItemSource, bucket: string): ItemReader {
  const limit: JsonObject = source.maxItems === undefined ? {} : { MaxItems: source.maxItems };
  switch (source.type) {
    case 's3-objects':
      return {
        Resource: 'arn:aws:states:::s3:listObjectsV2',
        Parameters: { Bucket: bucket, Prefix: source.prefix },
        ...(source.maxItems === undefined ? {} : { ReaderConfig: limit }),
      };
    case 'csv': {
      const headers: JsonObject =
        source.headers === 'first-row'
          ? { CSVHeaderLocation: 'FIRST_ROW' }
          : { CSVHeaderLocation: 'GIVEN', CSVHeaders: [...source.headers] };
      return {
        Resource: 'arn:aws:states:::s3:getObject',
        Parameters: { Bucket: bucket, Key: source.key },
        ReaderConfig: {
          InputType: 'CSV',
          ...headers,
          CSVDelimiter: DELIMITER_NAMES[source.delimiter],
          ...limit,
        },
      };
    }
    case 'json':
    case 'jsonl':
    case 'manifest':
      return {
        Resource: 'arn:aws:states:::s3:getObject',
        Parameters: { Bucket: bucket, Key: source.key },
        ReaderConfig: { InputType: source.type.toUpperCase(), ...limit },
      };
  }
}
