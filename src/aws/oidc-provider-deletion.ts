/** Deleting an IAM OIDC provider the operator created (its FargateCluster is being deleted). */
import { DeleteOpenIDConnectProviderCommand, type IAMClient } from '@aws-sdk/client-iam';
import { isNotFound } from './error-classifier.js';

/** Deletes the provider; false when it was already gone. */
export async function deleteOidcProvider(iam: IAMClient, arn: string): Promise<boolean> {
  try {
    await iam.send(new DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn }));
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}
