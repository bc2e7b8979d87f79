import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledge } from './nag.ts';

/** Props of {@link JobBuckets}. */
export interface JobBucketsProps {
  /**
   * What happens to the buckets when the stack is deleted.
   * @default RemovalPolicy.RETAIN (results are data)
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The bucket a job reads its items from and writes its results to, when the user brings none:
 * encrypted (SSE-S3), TLS only, public access blocked, ACLs disabled, with server access logs in
 * a second bucket of the same kind (kept 90 days).
 */
export class JobBuckets extends Construct {
  /** Input items and results. */
  readonly data: s3.Bucket;
  /** Server access logs of {@link JobBuckets.data}. */
  readonly accessLogs: s3.Bucket;

  constructor(scope: Construct, id: string, props: JobBucketsProps = {}) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const common: s3.BucketProps = {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      removalPolicy,
    };
    // Object ownership of the log bucket is left to CDK: with the feature flag
    // @aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy the log service writes through a bucket
    // policy, without it through the LogDeliveryWrite ACL, which needs ObjectWriter ownership.
    this.accessLogs = new s3.Bucket(this, 'AccessLogs', {
      ...common,
      lifecycleRules: [{ expiration: Duration.days(90) }],
    });
    acknowledge(this.accessLogs, {
      'AwsSolutions-S1': 'This bucket receives the server access logs; logging it would log the logs.',
    });
    this.data = new s3.Bucket(this, 'Data', {
      ...common,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'data/',
    });
  }
}
