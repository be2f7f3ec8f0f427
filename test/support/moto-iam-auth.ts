/**
 * moto server's IAM enforcement, for tests that run as an IAM principal with a given policy: moto
 * authenticates every request (the access key must be an IAM user's, the SigV4 signature must be
 * right) and authorizes its action against the user's policies, once it is switched on. It is off
 * when moto starts (INITIAL_NO_AUTH_ACTION_COUNT is infinite), so that the account can be seeded
 * and the users created with any credentials first.
 */
import { AttachUserPolicyCommand, CreateAccessKeyCommand, CreatePolicyCommand, CreateUserCommand, type IAMClient } from '@aws-sdk/client-iam';
import type { PolicyDocument } from './least-privilege.js';

/** An IAM user's access key, as the SDK takes credentials. */
export interface IamUserCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/** An IAM user made for a test: its ARN, its one managed policy and its access key. */
export interface IamTestUser {
  userName: string;
  arn: string;
  policyArn: string;
  credentials: IamUserCredentials;
}

/**
 * Creates an IAM user that holds exactly one customer managed policy with this document (as a
 * platform team would attach the operator's rendered policy) and an access key for it.
 */
export async function createIamUserWithPolicy(iam: IAMClient, userName: string, policy: PolicyDocument): Promise<IamTestUser> {
  const user = await iam.send(new CreateUserCommand({ UserName: userName }));
  const created = await iam.send(new CreatePolicyCommand({ PolicyName: userName, PolicyDocument: JSON.stringify(policy) }));
  const policyArn = created.Policy?.Arn;
  if (!policyArn) throw new Error(`moto returned no ARN for the policy of ${userName}`);
  await iam.send(new AttachUserPolicyCommand({ UserName: userName, PolicyArn: policyArn }));
  const key = (await iam.send(new CreateAccessKeyCommand({ UserName: userName }))).AccessKey;
  if (!key?.AccessKeyId || !key.SecretAccessKey) throw new Error(`moto returned no access key for ${userName}`);
  return { userName, arn: user.User?.Arn ?? '', policyArn, credentials: { accessKeyId: key.AccessKeyId, secretAccessKey: key.SecretAccessKey } };
}

/**
 * Switches moto's IAM enforcement on for every request from now on (moto's `/moto-api/reset-auth`
 * sets INITIAL_NO_AUTH_ACTION_COUNT, here to 0). It applies to the whole moto server: use a moto
 * of the test's own, never the one other suites share.
 */
export async function enableMotoIamAuthentication(motoUrl: string): Promise<void> {
  const response = await fetch(`${motoUrl}/moto-api/reset-auth`, { method: 'POST', body: '0' });
  if (!response.ok) throw new Error(`moto /moto-api/reset-auth: HTTP ${response.status} ${await response.text()}`);
}
