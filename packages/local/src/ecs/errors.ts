import { AwsError } from '../aws-error.ts';

/**
 * The errors ECS answers, with the codes and wording of the ECS API reference
 * (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/CommonErrors.html and each
 * operation's Errors section). All are HTTP 400 except `ServerException`.
 */

/** A parameter is missing, has the wrong type or is out of range. */
export const invalidParameter = (message: string): AwsError =>
  new AwsError('InvalidParameterException', message);

/** A request ECS understands but refuses (unknown task definition, unsupported combination). */
export const clientException = (message: string): AwsError => new AwsError('ClientException', message);

/** The cluster named in the request does not exist (or was deleted). */
export const clusterNotFound = (): AwsError => new AwsError('ClusterNotFoundException', 'Cluster not found.');

/** The service named in the request does not exist in that cluster. */
export const serviceNotFound = (): AwsError => new AwsError('ServiceNotFoundException', 'Service not found.');

/** The service exists but is DRAINING or INACTIVE (deleted). */
export const serviceNotActive = (): AwsError =>
  new AwsError('ServiceNotActiveException', 'Service was not ACTIVE.');
