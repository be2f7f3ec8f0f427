/**
 * Which roles of the emulated account trust an IAM OIDC provider: the rule the operator applies
 * before it deletes a provider it created (spec.iam.deleteOIDCProvider). The suites share one moto,
 * which gives every EKS cluster the same OIDC issuer, so a role another suite keeps (deletionPolicy
 * Retain) can rightly keep a provider alive; tests assert the rule, not a fixed outcome.
 */
import { paginateListRoles, type IAMClient } from '@aws-sdk/client-iam';

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
