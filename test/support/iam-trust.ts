/**
 * Which roles of the emulated account trust an IAM OIDC provider: the rule the operator applies
 * before it deletes a provider it created (spec.iam.deleteOIDCProvider). The suites share one moto,
 * which gives every EKS cluster the same OIDC issuer, so a role another suite keeps (deletionPolicy
 * Retain) can rightly keep a provider alive; tests assert the rule, not a fixed outcome.
 */
import { ListOpenIDConnectProviderTagsCommand, paginateListRoles, type IAMClient } from '@aws-sdk/client-iam';

/** The names of the roles whose trust policy names `providerArn`, over every page of ListRoles (the shared moto holds hundreds). */
export async function rolesTrustingProvider(iam: IAMClient, providerArn: string): Promise<string[]> {
  const names: string[] = [];
  for await (const page of paginateListRoles({ client: iam }, {})) {
    for (const role of page.Roles ?? []) {
      if (decodeURIComponent(role.AssumeRolePolicyDocument ?? '').includes(providerArn)) names.push(role.RoleName ?? '');
    }
  }
  return names;
}

/**
 * Why a provider may remain after the deletion of the FargateCluster `clusterName`: undefined
 * when it should be gone (the cluster's own, trusted by no role). The shared moto gives every EKS
 * cluster the same issuer, so a provider another suite's cluster created (and kept, the default)
 * is found and used, and stays: it is not this cluster's to delete.
 */
export async function whyProviderRemains(iam: IAMClient, providerArn: string, clusterName: string): Promise<string | undefined> {
  const tags = (await iam.send(new ListOpenIDConnectProviderTagsCommand({ OpenIDConnectProviderArn: providerArn }))).Tags ?? [];
  const owner = tags.find((tag) => tag.Key === 'fargate.eksops.dev/cluster')?.Value;
  if (owner !== clusterName) return `created for FargateCluster ${owner ?? "none (not the operator's)"}`;
  const trusting = await rolesTrustingProvider(iam, providerArn);
  return trusting.length > 0 ? `trusted by ${trusting.join(', ')}` : undefined;
}
