/**
 * Which roles of the emulated account trust an IAM OIDC provider: the rule the operator applies
 * before it deletes a provider it created (spec.iam.deleteOIDCProvider). The suites share one moto,
 * which gives every EKS cluster the same OIDC issuer, so a role another suite keeps (deletionPolicy
 * Retain) can rightly keep a provider alive; tests assert the rule, not a fixed outcome.
 */
import { ListRolesCommand, type IAMClient } from '@aws-sdk/client-iam';

/** The names of the roles whose trust policy names `providerArn`. */
export async function rolesTrustingProvider(iam: IAMClient, providerArn: string): Promise<string[]> {
  const roles = (await iam.send(new ListRolesCommand({}))).Roles ?? [];
  return roles.filter((role) => decodeURIComponent(role.AssumeRolePolicyDocument ?? '').includes(providerArn)).map((role) => role.RoleName ?? '');
}
