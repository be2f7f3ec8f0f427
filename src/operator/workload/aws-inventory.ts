/**
 * A workload's inventory of AWS resources (status.awsResources), pure: what each part reported
 * this reconcile, and for a part that did not get to report (a failure before it), what the
 * status had. The inventory is also the workload's memory of what it made: a profile it records
 * but no longer plans is let go of (fargate-profile-part.ts), and cleanup deletes every recorded one.
 */
import type { AwsResourceStatus } from '../../api/types.js';

/** What the parts reported this reconcile; undefined for a part that did not report. */
export interface InventoryReports {
  profiles?: readonly AwsResourceStatus[];
  roles?: readonly AwsResourceStatus[];
}

/** The inventory to write, sorted by kind and name so that an unchanged one is an equal status. */
export function workloadInventory(previous: readonly AwsResourceStatus[] | undefined, reports: InventoryReports): AwsResourceStatus[] {
  const before = previous ?? [];
  const kept = (kind: AwsResourceStatus['kind']) => before.filter((resource) => resource.kind === kind);
  const all = [...(reports.profiles ?? kept('FargateProfile')), ...(reports.roles ?? kept('IAMRole'))];
  const unique = new Map(all.map((resource) => [`${resource.kind}/${resource.name}`, resource]));
  return [...unique.values()].sort((a, b) => a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name));
}

/**
 * The role entry of the inventory: the role the operator manages, once it exists as planned; none
 * when the workload brings its own role (not the operator's to list).
 */
export function roleInventory(managed: boolean, name: string, roleArn: string | undefined, previous: readonly AwsResourceStatus[] | undefined): AwsResourceStatus[] | undefined {
  if (!managed) return [];
  if (roleArn) return [{ kind: 'IAMRole', name, arn: roleArn, state: 'Ready' }];
  // Not confirmed this time (being created, or refused): what the status knew stays.
  return (previous ?? []).filter((resource) => resource.kind === 'IAMRole');
}
