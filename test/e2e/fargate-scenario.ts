/**
 * The end-to-end scenario on kind, the integration suite's main path where it makes sense on real
 * nodes: the operator installed from deploy/ (overlay e2e) converges the example FargateCluster and
 * the minimal example FargateWorkload against the in-cluster AWS emulator; the workload's pods
 * really run (on kind's nodes, not on Fargate: kind has no Fargate, and the emulator's profiles
 * select nothing real); deleting them removes the Fargate profile and the IRSA role from the
 * emulator. The full example is left out: its Ingress waits for an ALB that kind does not have.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EKSClient, ListFargateProfilesCommand } from '@aws-sdk/client-eks';
import { GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { parse } from 'yaml';
import type { FargateCluster, FargateWorkload } from '../../src/api/types.js';
import { EMULATOR_CREDENTIALS, seedAwsAccount } from '../../scripts/dev-env/seed.js';
import { waitFor } from '../support/wait-for.js';
import { forwardService } from './port-forward.js';
import type { Kubectl } from './tools.js';

const OPERATOR_NAMESPACE = 'eks-fargate-operator-system';
const READY_TIMEOUT = '300s';

/** Applies the emulator, seeds it, installs the operator and runs the scenario; throws on a failed check. */
export async function runFargateScenario(kubectl: Kubectl, repo: string): Promise<void> {
  step('AWS emulator (moto + EKS proxy) in the cluster');
  await kubectl(['apply', '-f', join(repo, 'test/e2e/manifests/aws-emulator.yaml')]);
  await kubectl(['rollout', 'status', '-n', 'aws-emulator', 'deployment/aws-emulator', '--timeout=300s'], { show: true });
  const emulator = await forwardService(kubectl, 'aws-emulator', 'aws-emulator', 4566);
  try {
    const seed = await seedAwsAccount({ endpoint: emulator.url, clusterName: 'demo', region: 'us-east-1' });
    const aws = { endpoint: emulator.url, region: seed.region, credentials: EMULATOR_CREDENTIALS };
    const eks = new EKSClient(aws);
    const iam = new IAMClient(aws);

    step('operator from deploy/overlays/e2e');
    await kubectl(['apply', '-k', join(repo, 'deploy/overlays/e2e'), '--server-side'], { show: true });
    await kubectl(['rollout', 'status', '-n', OPERATOR_NAMESPACE, 'deployment/eks-fargate-operator', '--timeout=300s'], { show: true });

    step('example FargateCluster and minimal FargateWorkload');
    const cluster = parse(readFileSync(join(repo, 'examples/fargatecluster.yaml'), 'utf8')) as FargateCluster;
    // The seeded account's subnets; its IAM has no app-boundary policy to use as a boundary.
    cluster.spec.subnetIds = seed.privateSubnetIds;
    if (cluster.spec.iam) delete cluster.spec.iam.permissionsBoundaryArn;
    const workload = parse(readFileSync(join(repo, 'examples/minimal-workload.yaml'), 'utf8')) as FargateWorkload;
    await kubectl(['apply', '--server-side', '-f', '-'], { input: JSON.stringify(cluster) });
    await kubectl(['wait', `fargatecluster/${cluster.metadata.name ?? ''}`, '--for=condition=Ready', `--timeout=${READY_TIMEOUT}`], { show: true });
    await kubectl(['apply', '--server-side', '-f', '-'], { input: JSON.stringify(workload) });
    const workloadRef = ['-n', workload.metadata.namespace ?? 'default', `fargateworkload/${workload.metadata.name ?? ''}`];
    await kubectl(['wait', ...workloadRef, '--for=condition=Ready', `--timeout=${READY_TIMEOUT}`], { show: true });
    const ready = JSON.parse(await kubectl(['get', ...workloadRef, '-o', 'json'])) as FargateWorkload;
    const profile = required(ready.status?.fargateProfile?.name, 'status.fargateProfile.name');
    const roleName = required(ready.status?.iamRoleArn?.split('/').pop(), 'status.iamRoleArn');
    check(`profile ${profile} exists in the emulator`, (await profileNames(eks, seed.clusterName)).includes(profile));
    check(`IRSA role ${roleName} exists in the emulator`, await roleExists(iam, roleName));

    step('deletion: the finalizer removes what the workload made in AWS');
    await kubectl(['delete', ...workloadRef, '--wait', `--timeout=${READY_TIMEOUT}`], { show: true });
    check(`IRSA role ${roleName} deleted`, !(await roleExists(iam, roleName)));
    // The Shared profile is deleted once nothing uses it, after its DELETING phase.
    await waitFor(`profile ${profile} deleted`, () => profileNames(eks, seed.clusterName), (names) => !names.includes(profile), 120_000);
    check(`profile ${profile} deleted`, true);
    await kubectl(['delete', `fargatecluster/${cluster.metadata.name ?? ''}`, '--wait', `--timeout=${READY_TIMEOUT}`], { show: true });
    check('FargateCluster deleted', true);
    eks.destroy();
    iam.destroy();
  } finally {
    emulator.close();
  }
}

function step(what: string): void {
  console.log(`\n== ${what}`);
}

/** Fails the run with what was expected; prints the check when it holds. */
function check(what: string, holds: boolean): void {
  if (!holds) throw new Error(`check failed: ${what}`);
  console.log(`ok: ${what}`);
}

function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`the Ready workload has no ${what}`);
  return value;
}

async function profileNames(eks: EKSClient, clusterName: string): Promise<string[]> {
  return (await eks.send(new ListFargateProfilesCommand({ clusterName }))).fargateProfileNames ?? [];
}

async function roleExists(iam: IAMClient, roleName: string): Promise<boolean> {
  try {
    await iam.send(new GetRoleCommand({ RoleName: roleName }));
    return true;
  } catch (error) {
    if (error instanceof Error && error.name === 'NoSuchEntityException') return false;
    throw error;
  }
}
