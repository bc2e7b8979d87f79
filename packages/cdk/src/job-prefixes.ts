import type { JobSpec } from '@stepfleet/job';

/** The key prefix the job's items live under: the list prefix, or the folder of the object. */
export function inputPrefix(job: JobSpec): string {
  if (job.items.type === 's3-objects') return job.items.prefix;
  const slash = job.items.key.lastIndexOf('/');
  return slash < 0 ? '' : job.items.key.slice(0, slash + 1);
}

/**
 * The objects an S3 Inventory report spans: `manifest.json` sits in
 * `<prefix>/<bucket>/<config>/<date>/`, its data files in `<prefix>/<bucket>/<config>/data/`.
 */
export function inventoryObjects(manifestKey: string): string {
  const parts = manifestKey.split('/');
  return parts.length >= 3 ? `${parts.slice(0, -2).join('/')}/*` : '*';
}
