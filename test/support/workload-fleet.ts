/**
 * A FargateCluster with many FargateWorkloads over several namespaces (one Fargate profile per
 * namespace), for the suites that stop, kill or freeze the operator process while it converges
 * them: the manifests, and reads of what converged (Ready workloads, owned IAM roles, profiles).
 */
import { DescribeFargateProfileCommand, ListFargateProfilesCommand, type EKSClient } from '@aws-sdk/client-eks';
import { ListRolesCommand, ListRoleTagsCommand, type IAMClient, type Role } from '@aws-sdk/client-iam';
import { API_GROUP_VERSION, TAG_CLUSTER, TAG_COMPONENT } from '../../src/api/constants.js';
import { kubectl } from '../../scripts/dev-env/kubectl.js';
import type { TestEnvironment } from './test-env.js';

/** What the fleet is made of. */
export interface FleetSpec {
  clusterName: string;
  region: string;
  subnetIds: string[];
  profileNamePrefix: string;
  rolePath: string;
  /** Whether deleting the cluster deletes the OIDC provider it created. */
  deleteOIDCProvider?: boolean;
  workloads: { namespace: string; name: string }[];
}

/** The FargateCluster and its FargateWorkloads (placement by namespace), in apply order. */
export function fleetManifests(spec: FleetSpec): object[] {
  return [
    {
      apiVersion: API_GROUP_VERSION,
      kind: 'FargateCluster',
      metadata: { name: spec.clusterName },
      spec: {
        region: spec.region,
        subnetIds: spec.subnetIds,
        podExecutionRole: { create: true },
        profiles: { maxProfiles: 10, namePrefix: spec.profileNamePrefix },
        iam: { rolePath: spec.rolePath, createOIDCProvider: true, ...(spec.deleteOIDCProvider ? { deleteOIDCProvider: true } : {}), allowInlinePolicies: false },
      },
    },
    ...spec.workloads.map(({ namespace, name }) => ({
      apiVersion: API_GROUP_VERSION,
      kind: 'FargateWorkload',
      metadata: { name, namespace },
      spec: {
        clusterName: spec.clusterName,
        template: { spec: { containers: [{ name: 'app', image: 'public.ecr.aws/nginx/nginx:1.27', resources: { requests: { cpu: '250m', memory: '256Mi' } } }] } },
        fargateProfile: { placement: 'Namespace' },
      },
    })),
  ];
}

/** How many FargateWorkloads in `namespaces` are Ready for their current generation. */
export async function readyWorkloadCount(environment: TestEnvironment, namespaces: string[]): Promise<number> {
  let ready = 0;
  for (const namespace of namespaces) {
    const { stdout } = await kubectl(environment, ['get', 'fargateworkloads', '-n', namespace, '-o', 'json']);
    const items = (JSON.parse(stdout) as { items: { metadata: { generation?: number }; status?: { observedGeneration?: number; conditions?: { type: string; status: string }[] } }[] }).items;
    ready += items.filter((item) => item.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') && (item.status.observedGeneration ?? 0) >= (item.metadata.generation ?? 0)).length;
  }
  return ready;
}

/** Every IAM role with its tags (ListRoles does not return tags). */
async function rolesWithTags(iam: IAMClient): Promise<{ role: Role; tags: Record<string, string> }[]> {
  const roles: Role[] = [];
  let marker: string | undefined;
  do {
    const page = await iam.send(new ListRolesCommand({ Marker: marker }));
    roles.push(...(page.Roles ?? []));
    marker = page.IsTruncated ? page.Marker : undefined;
  } while (marker);
  return Promise.all(
    roles.map(async (role) => {
      const { Tags } = await iam.send(new ListRoleTagsCommand({ RoleName: role.RoleName }));
      return { role, tags: Object.fromEntries((Tags ?? []).map((tag) => [tag.Key ?? '', tag.Value ?? ''])) };
    }),
  );
}

/** The roles the cluster owns, by component. */
export async function ownedRoles(iam: IAMClient, clusterName: string): Promise<{ execution: Role[]; irsa: { role: Role; tags: Record<string, string> }[] }> {
  const owned = (await rolesWithTags(iam)).filter(({ tags }) => tags[TAG_CLUSTER] === clusterName);
  return {
    execution: owned.filter(({ tags }) => tags[TAG_COMPONENT] === 'execution-role').map(({ role }) => role),
    irsa: owned.filter(({ tags }) => tags[TAG_COMPONENT] === 'irsa-role'),
  };
}

/** The cluster's Fargate profiles as `eks` describes them. */
export async function clusterProfiles(eks: EKSClient, clusterName: string): Promise<{ name: string; status: string; tags: Record<string, string>; namespaces: string[] }[]> {
  const names = (await eks.send(new ListFargateProfilesCommand({ clusterName }))).fargateProfileNames ?? [];
  return Promise.all(
    names.map(async (name) => {
      const profile = (await eks.send(new DescribeFargateProfileCommand({ clusterName, fargateProfileName: name }))).fargateProfile;
      return { name, status: profile?.status ?? '', tags: profile?.tags ?? {}, namespaces: (profile?.selectors ?? []).map((selector) => selector.namespace ?? '') };
    }),
  );
}
