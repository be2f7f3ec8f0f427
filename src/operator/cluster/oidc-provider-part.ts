/** The cluster's IAM OIDC provider: found, created when the FargateCluster allows it, or reported missing. */
import { isOwnedBy } from '../../aws/ownership.js';
import { TAG_CLUSTER, TAG_COMPONENT } from '../../api/constants.js';
import { withClusterDefaults } from '../../api/defaults.js';
import type { FargateCluster } from '../../api/types.js';
import type { Logger } from '../../observability/logger.js';
import type { AwsServices } from '../operator-context.js';
import { CONDITION_OIDC_PROVIDER_READY, oidcProviderHint } from './cluster-status.js';
import { partReady, partStalled, type PartEvent, type PartReport } from '../part-report.js';
import type { ObservedClusterFacts } from './eks-cluster-part.js';

/** Component tag value of a provider the operator created. */
export const OIDC_PROVIDER_COMPONENT = 'oidc-provider';

/** Ownership tags of the provider the operator creates for a cluster. */
export function oidcProviderTags(clusterName: string): Record<string, string> {
  return { [TAG_CLUSTER]: clusterName, [TAG_COMPONENT]: OIDC_PROVIDER_COMPONENT };
}

/** The provider part of the status and the provider's ARN when there is one. */
export interface OidcProviderResult {
  part: PartReport;
  arn?: string;
  /** The operator created it for this cluster (its tags say so). */
  owned?: boolean;
}

/** Finds the provider of the cluster's issuer; creates it when missing and allowed. */
export async function convergeOidcProvider(
  services: AwsServices,
  cluster: FargateCluster,
  observed: ObservedClusterFacts,
  event: PartEvent,
  logger: Logger,
): Promise<OidcProviderResult> {
  const name = cluster.metadata.name ?? '';
  const issuer = observed.cluster.oidcIssuer;
  if (!issuer) return { part: partStalled(CONDITION_OIDC_PROVIDER_READY, 'NoOIDCIssuer', `EKS reports no OIDC issuer for cluster ${name}`) };
  const found = await services.oidcProviders.find(issuer);
  if (found) return { part: partReady(CONDITION_OIDC_PROVIDER_READY, 'Ready', `IAM OIDC provider ${found.arn}`), arn: found.arn, owned: isOwnedBy(found, oidcProviderTags(name)) };
  if (!withClusterDefaults(cluster).spec.iam?.createOIDCProvider) {
    return { part: partStalled(CONDITION_OIDC_PROVIDER_READY, 'OIDCProviderMissing', oidcProviderHint(name, cluster.spec.region, issuer)) };
  }
  const created = await services.oidcProviders.create({ issuerUrl: issuer, tags: oidcProviderTags(name) });
  logger.info('created the IAM OIDC provider', { arn: created.arn });
  event('Normal', 'OIDCProviderCreated', `created IAM OIDC provider ${created.arn} for ${issuer}`);
  return { part: partReady(CONDITION_OIDC_PROVIDER_READY, 'Ready', `IAM OIDC provider ${created.arn}`), arn: created.arn, owned: true };
}

/**
 * On the FargateCluster's deletion: the provider stays unless spec.iam.deleteOIDCProvider opts in,
 * and even then only when the operator created it (tagged for this cluster) and no IAM role in the
 * account trusts it any more. Every IRSA role of the EKS cluster depends on it, the operator's own
 * included, so deleting it by default would break them all. True report either way: a kept
 * provider does not hold the deletion up.
 */
export async function deleteOidcProviderIfOurs(
  services: AwsServices,
  cluster: FargateCluster,
  event: PartEvent,
  logger: Logger,
): Promise<PartReport> {
  const name = cluster.metadata.name ?? '';
  const kept = (message: string) => partReady(CONDITION_OIDC_PROVIDER_READY, 'Kept', message);
  const issuer = cluster.status?.oidcIssuer ?? (await services.eksClusters.describeCluster(name))?.oidcIssuer;
  if (!issuer) return partReady(CONDITION_OIDC_PROVIDER_READY, 'Deleted', 'no IAM OIDC provider of the operator');
  const provider = await services.oidcProviders.find(issuer);
  if (!provider) return partReady(CONDITION_OIDC_PROVIDER_READY, 'Deleted', 'no IAM OIDC provider of the operator');
  if (!isOwnedBy(provider, oidcProviderTags(name))) {
    logger.info('leaving the IAM OIDC provider: the operator did not create it', { arn: provider.arn });
    return kept(`IAM OIDC provider ${provider.arn} stays: the operator did not create it`);
  }
  if (cluster.spec.iam?.deleteOIDCProvider !== true) {
    return kept(`IAM OIDC provider ${provider.arn} stays (spec.iam.deleteOIDCProvider is not set): the EKS cluster's IRSA roles depend on it`);
  }
  const trusting = await services.iamRoles.rolesTrusting(provider.arn);
  if (trusting.length > 0) {
    const shown = trusting.slice(0, 5).join(', ') + (trusting.length > 5 ? ` and ${trusting.length - 5} more` : '');
    event('Normal', 'OIDCProviderKept', `kept IAM OIDC provider ${provider.arn}: ${trusting.length} IAM role(s) still trust it (${shown})`);
    return kept(`IAM OIDC provider ${provider.arn} stays: ${trusting.length} IAM role(s) still trust it (${shown})`);
  }
  if (await services.oidcProviders.delete(provider.arn)) {
    event('Normal', 'OIDCProviderDeleted', `deleted IAM OIDC provider ${provider.arn}`);
  }
  return partReady(CONDITION_OIDC_PROVIDER_READY, 'Deleted', `deleted IAM OIDC provider ${provider.arn}`);
}
