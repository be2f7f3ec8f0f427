import { DescribeRouteTablesCommand, DescribeSubnetsCommand, DescribeVpcAttributeCommand, DescribeVpcsCommand, EC2Client } from '@aws-sdk/client-ec2';
import {
  CreateFargateProfileCommand,
  DeleteFargateProfileCommand,
  DescribeClusterCommand,
  DescribeFargateProfileCommand,
  EKSClient,
  ListFargateProfilesCommand,
} from '@aws-sdk/client-eks';
import { GetRoleCommand, IAMClient, TagRoleCommand } from '@aws-sdk/client-iam';
import { spawn } from 'node:child_process';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { startAwsTestStack } from '../support/aws-test-stack.js';
import type { AwsTestStack } from '../support/aws-test-stack.js';
import { eksProxyRemote } from '../../scripts/dev-env/eks-proxy.js';
import type { EksProxy } from '../../scripts/dev-env/eks-proxy.js';
import { waitUntilReady } from '../../scripts/dev-env/processes.js';
import { EMULATOR_CREDENTIALS, seedAwsAccount } from '../../scripts/dev-env/seed.js';
import type { SeedResult } from '../../scripts/dev-env/seed.js';

// This suite checks the harness itself: real AWS SDK v3 clients against moto through the EKS
// behaviour proxy (the suite's own, see startAwsTestStack).
const REGION = 'us-east-1';
const CLUSTER = 'harness-check';
const CREATING_MS = 1500;
const DELETING_MS = 1500;

let stack: AwsTestStack | undefined;
let proxy: EksProxy;
let seed: SeedResult;

const clientConfig = (maxAttempts?: number) => ({
  endpoint: proxy.url,
  region: REGION,
  credentials: EMULATOR_CREDENTIALS,
  ...(maxAttempts === undefined ? {} : { maxAttempts }),
});
const eks = (maxAttempts?: number) => new EKSClient(clientConfig(maxAttempts));
const iam = (maxAttempts?: number) => new IAMClient(clientConfig(maxAttempts));
const ec2 = (maxAttempts?: number) => new EC2Client(clientConfig(maxAttempts));

/** The error a promise rejects with (fails the test when it resolves). */
async function rejection(promise: Promise<unknown>): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { $metadata?: { httpStatusCode?: number } };
  }
  throw new Error('expected the call to fail, it succeeded');
}

async function profileStatus(name: string): Promise<string | undefined> {
  try {
    return (await eks().send(new DescribeFargateProfileCommand({ clusterName: CLUSTER, fargateProfileName: name }))).fargateProfile?.status;
  } catch (error) {
    if ((error as Error).name === 'ResourceNotFoundException') return 'GONE';
    throw error;
  }
}

async function waitForProfileStatus(name: string, wanted: string): Promise<void> {
  await waitUntilReady(`profile ${name} ${wanted}`, async () => (await profileStatus(name)) === wanted, { timeoutMs: 20_000, intervalMs: 100 });
}

const createProfile = (name: string) =>
  eks().send(
    new CreateFargateProfileCommand({
      clusterName: CLUSTER,
      fargateProfileName: name,
      podExecutionRoleArn: `arn:aws:iam::${seed.accountId}:role/pod-execution`,
      subnets: seed.privateSubnetIds,
      selectors: [{ namespace: '*', labels: { 'fargate.eksops.dev/profile': name } }],
    }),
  );

beforeAll(async () => {
  stack = await startAwsTestStack({ clusterName: CLUSTER, region: REGION, proxy: { creatingDelayMs: CREATING_MS, deletingDelayMs: DELETING_MS } });
  ({ proxy, seed } = stack);
}, 300_000);

afterAll(async () => {
  await stack?.stop();
});

beforeEach(() => {
  proxy.configure({ faults: [], creatingDelayMs: CREATING_MS, deletingDelayMs: DELETING_MS, latencyMs: { min: 0, max: 0 } });
  proxy.clearCalls();
});

describe('seeded account', () => {
  it('has a VPC with DNS support and hostnames', async () => {
    const vpc = (await ec2().send(new DescribeVpcsCommand({ VpcIds: [seed.vpcId] }))).Vpcs?.[0];
    expect(vpc?.CidrBlock).toBe('10.0.0.0/16');
    const dnsSupport = await ec2().send(new DescribeVpcAttributeCommand({ VpcId: seed.vpcId, Attribute: 'enableDnsSupport' }));
    const dnsHostnames = await ec2().send(new DescribeVpcAttributeCommand({ VpcId: seed.vpcId, Attribute: 'enableDnsHostnames' }));
    expect(dnsSupport.EnableDnsSupport?.Value).toBe(true);
    expect(dnsHostnames.EnableDnsHostnames?.Value).toBe(true);
  });

  it('routes the private subnets, in two zones, only through the NAT gateway and the public one to the internet gateway', async () => {
    const subnets = (await ec2().send(new DescribeSubnetsCommand({ SubnetIds: seed.privateSubnetIds }))).Subnets ?? [];
    expect(new Set(subnets.map((subnet) => subnet.AvailabilityZone)).size).toBe(2);

    const tables = (await ec2().send(new DescribeRouteTablesCommand({ Filters: [{ Name: 'vpc-id', Values: [seed.vpcId] }] }))).RouteTables ?? [];
    const tableOf = (subnetId: string) => tables.find((table) => table.Associations?.some((association) => association.SubnetId === subnetId));
    for (const subnetId of seed.privateSubnetIds) {
      const routes = tableOf(subnetId)?.Routes ?? [];
      expect(routes.find((route) => route.DestinationCidrBlock === '0.0.0.0/0')?.NatGatewayId).toBe(seed.natGatewayId);
      expect(routes.some((route) => route.GatewayId?.startsWith('igw-'))).toBe(false);
    }
    const publicDefault = tableOf(seed.publicSubnetId)?.Routes?.find((route) => route.DestinationCidrBlock === '0.0.0.0/0');
    expect(publicDefault?.GatewayId).toMatch(/^igw-/);
  });

  it('has an active EKS cluster on the private subnets with an OIDC issuer, and a cluster role', async () => {
    const cluster = (await eks().send(new DescribeClusterCommand({ name: CLUSTER }))).cluster;
    expect(cluster?.status).toBe('ACTIVE');
    expect(cluster?.resourcesVpcConfig?.subnetIds).toEqual(seed.privateSubnetIds);
    expect(seed.oidcIssuer).toMatch(/^https:\/\/oidc\.eks\.us-east-1\.amazonaws\.com\/id\/\w+$/);
    expect(cluster?.identity?.oidc?.issuer).toBe(seed.oidcIssuer);
    const role = await iam().send(new GetRoleCommand({ RoleName: `${CLUSTER}-cluster-role` }));
    expect(role.Role?.Arn).toBe(cluster?.roleArn);
    expect(seed.accountId).toMatch(/^\d{12}$/);
  });

  it('is found again, not created twice, by a second seed', async () => {
    expect(await seedAwsAccount({ endpoint: proxy.url, region: REGION, clusterName: CLUSTER })).toEqual(seed);
    expect(proxy.calls.filter((call) => /^Create/.test(call.operation))).toEqual([]);
  });
});

describe('Fargate profile lifecycle through the proxy', () => {
  it('stays CREATING, refuses a concurrent create with ResourceInUseException, then becomes ACTIVE', async () => {
    const created = await createProfile('lifecycle-a');
    expect(created.fargateProfile?.status).toBe('CREATING');
    expect(await profileStatus('lifecycle-a')).toBe('CREATING');

    const conflict = await rejection(createProfile('lifecycle-b'));
    expect(conflict.name).toBe('ResourceInUseException');
    expect(conflict.$metadata?.httpStatusCode).toBe(409);
    expect(conflict.message).toBe(`Cannot create Fargate Profile lifecycle-b because cluster ${CLUSTER} currently has Fargate profile lifecycle-a in status CREATING`);

    await waitForProfileStatus('lifecycle-a', 'ACTIVE');
    const names = (await eks().send(new ListFargateProfilesCommand({ clusterName: CLUSTER }))).fargateProfileNames;
    expect(names).toContain('lifecycle-a');
    expect(names).not.toContain('lifecycle-b');
  }, 30_000);

  it('stays DELETING, refuses a create meanwhile, then is gone', async () => {
    await createProfile('lifecycle-c');
    await waitForProfileStatus('lifecycle-c', 'ACTIVE');

    const deleted = await eks().send(new DeleteFargateProfileCommand({ clusterName: CLUSTER, fargateProfileName: 'lifecycle-c' }));
    expect(deleted.fargateProfile?.status).toBe('DELETING');
    expect(await profileStatus('lifecycle-c')).toBe('DELETING');

    const conflict = await rejection(createProfile('lifecycle-d'));
    expect(conflict.name).toBe('ResourceInUseException');
    expect(conflict.message).toBe(`Cannot create Fargate Profile lifecycle-d because cluster ${CLUSTER} currently has Fargate profile lifecycle-c in status DELETING`);
    const deleteConflict = await rejection(eks().send(new DeleteFargateProfileCommand({ clusterName: CLUSTER, fargateProfileName: 'lifecycle-a' })));
    expect(deleteConflict.message).toBe(`Cannot delete Fargate Profile lifecycle-a because cluster ${CLUSTER} currently has Fargate profile lifecycle-c in status DELETING`);

    await waitForProfileStatus('lifecycle-c', 'GONE');
    expect((await eks().send(new ListFargateProfilesCommand({ clusterName: CLUSTER }))).fargateProfileNames).not.toContain('lifecycle-c');
  }, 30_000);

  it('answers a delete of a missing profile with ResourceNotFoundException; without delays profiles change at once', async () => {
    const missing = await rejection(eks().send(new DeleteFargateProfileCommand({ clusterName: CLUSTER, fargateProfileName: 'never-created' })));
    expect(missing.name).toBe('ResourceNotFoundException');
    expect(missing.$metadata?.httpStatusCode).toBe(404);
    proxy.configure({ creatingDelayMs: 0, deletingDelayMs: 0 });
    expect((await createProfile('lifecycle-e')).fargateProfile?.status).toBe('CREATING');
    expect(await profileStatus('lifecycle-e')).toBe('ACTIVE');
    const deleted = await eks().send(new DeleteFargateProfileCommand({ clusterName: CLUSTER, fargateProfileName: 'lifecycle-e' }));
    expect(deleted.fargateProfile?.status).toBe('DELETING');
    expect(await profileStatus('lifecycle-e')).toBe('GONE');
  }, 30_000);
});

describe('injected faults', () => {
  it('throttles the first two calls; the SDK standard retry gets through on the third', async () => {
    proxy.configure({ faults: [{ operation: 'eks:DescribeCluster', kind: 'throttle', count: 2 }] });
    const answer = await eks().send(new DescribeClusterCommand({ name: CLUSTER }));
    expect(answer.cluster?.name).toBe(CLUSTER);
    expect(proxy.calls.map((call) => [call.operation, call.status, call.injected])).toEqual([
      ['DescribeCluster', 429, 'throttle'],
      ['DescribeCluster', 429, 'throttle'],
      ['DescribeCluster', 200, undefined],
    ]);
  }, 30_000);

  it('gives throttling errors the names each SDK client classifies as throttling', async () => {
    proxy.configure({
      faults: [
        { operation: 'DescribeFargateProfile', kind: 'throttle', count: 1 },
        { operation: 'iam:GetRole', kind: 'throttle', count: 1 },
        { operation: 'ec2:DescribeVpcs', kind: 'throttle', count: 1 },
      ],
    });
    const eksError = await rejection(eks(1).send(new DescribeFargateProfileCommand({ clusterName: CLUSTER, fargateProfileName: 'lifecycle-a' })));
    expect([eksError.name, eksError.$metadata?.httpStatusCode]).toEqual(['ThrottlingException', 429]);
    const iamError = await rejection(iam(1).send(new GetRoleCommand({ RoleName: `${CLUSTER}-cluster-role` })));
    expect([iamError.name, iamError.$metadata?.httpStatusCode]).toEqual(['Throttling', 400]);
    const ec2Error = await rejection(ec2(1).send(new DescribeVpcsCommand({ VpcIds: [seed.vpcId] })));
    expect([ec2Error.name, ec2Error.$metadata?.httpStatusCode]).toEqual(['RequestLimitExceeded', 503]);
    expect(proxy.calls.map((call) => call.injected)).toEqual(['throttle', 'throttle', 'throttle']);
  });

  it('answers server errors that fail a single attempt and are retried by the standard strategy', async () => {
    proxy.configure({ faults: [{ operation: 'eks:*', kind: 'server-error', count: 1 }, { operation: 'iam:GetRole', kind: 'server-error', count: 1 }] });
    const eksError = await rejection(eks(1).send(new DescribeClusterCommand({ name: CLUSTER })));
    expect([eksError.name, eksError.$metadata?.httpStatusCode]).toEqual(['ServerException', 500]);
    const role = await iam().send(new GetRoleCommand({ RoleName: `${CLUSTER}-cluster-role` }));
    expect(role.Role?.RoleName).toBe(`${CLUSTER}-cluster-role`);
    expect(proxy.calls.map((call) => [call.service, call.operation, call.status, call.injected])).toEqual([
      ['eks', 'DescribeCluster', 500, 'server-error'],
      ['iam', 'GetRole', 500, 'server-error'],
      ['iam', 'GetRole', 200, undefined],
    ]);
  }, 30_000);

  it('loses the response of a create that took effect; the retry with the same clientRequestToken gets the same profile', async () => {
    proxy.configure({ creatingDelayMs: 0, faults: [{ operation: 'CreateFargateProfile', occurrence: 1, kind: 'lost-response' }] });
    const token = 'c0ffee00-0000-4000-8000-000000000001';
    const command = new CreateFargateProfileCommand({
      clientRequestToken: token,
      clusterName: CLUSTER,
      fargateProfileName: 'lost-a',
      podExecutionRoleArn: `arn:aws:iam::${seed.accountId}:role/pod-execution`,
      subnets: seed.privateSubnetIds,
      selectors: [{ namespace: 'lost' }],
    });
    const created = await eks().send(command);
    expect(created.fargateProfile?.fargateProfileName).toBe('lost-a');
    // Two attempts reached moto's side of the proxy: the first took effect, its answer was lost.
    expect(proxy.calls.map((call) => [call.operation, call.injected, call.write])).toEqual([
      ['CreateFargateProfile', 'lost-response', true],
      ['CreateFargateProfile', undefined, true],
    ]);
    expect(await profileStatus('lost-a')).toBe('ACTIVE');
    // The same token with other parameters is refused; without a token a second create is a conflict.
    const reused = await rejection(eks(1).send(new CreateFargateProfileCommand({ ...command.input, selectors: [{ namespace: 'other' }] })));
    expect(reused.name).toBe('InvalidParameterException');
    const again = await rejection(eks(1).send(new CreateFargateProfileCommand({ ...command.input, clientRequestToken: undefined })));
    expect(again.name).toBe('ResourceInUseException');
    await eks().send(new DeleteFargateProfileCommand({ clusterName: CLUSTER, fargateProfileName: 'lost-a' }));
    await waitForProfileStatus('lost-a', 'GONE');
  }, 30_000);

  it('kills the named process group right after answering the addressed write call, and adds latency', async () => {
    const victim = spawn(process.execPath, ['-e', 'setInterval(() => undefined, 1000)'], { detached: true, stdio: 'ignore' });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => victim.once('exit', (_code, signal) => resolve(signal)));
    proxy.configure({ latencyMs: { min: 200, max: 300 }, faults: [{ writeIndex: 2, kind: 'crash-after', killProcessGroup: victim.pid! }] });
    await iam().send(new GetRoleCommand({ RoleName: `${CLUSTER}-cluster-role` }));
    await iam().send(new TagRoleCommand({ RoleName: `${CLUSTER}-cluster-role`, Tags: [{ Key: 'a', Value: '1' }] }));
    expect(victim.exitCode === null && victim.signalCode === null).toBe(true);
    const second = await iam().send(new TagRoleCommand({ RoleName: `${CLUSTER}-cluster-role`, Tags: [{ Key: 'b', Value: '2' }] }));
    expect(second.$metadata.httpStatusCode).toBe(200);
    expect(await exited).toBe('SIGKILL');
    expect(proxy.calls.map((call) => call.injected)).toEqual([undefined, undefined, 'crash-after']);
    expect(proxy.calls.every((call) => call.endedAt - call.startedAt >= 200)).toBe(true);
  }, 30_000);

  it('injects by rate from a seeded generator, the same calls for the same seed', async () => {
    const injectedPattern = async (): Promise<Array<string | undefined>> => {
      proxy.configure({ seed: 42, faults: [{ operation: 'ListFargateProfiles', kind: 'throttle', rate: 0.5 }] });
      proxy.clearCalls();
      for (let i = 0; i < 12; i++) await eks(1).send(new ListFargateProfilesCommand({ clusterName: CLUSTER })).catch(() => undefined);
      return proxy.calls.map((call) => call.injected);
    };
    const first = await injectedPattern();
    expect(first).toContain('throttle');
    expect(first).toContain(undefined);
    expect(await injectedPattern()).toEqual(first);
  });
});

describe('call log', () => {
  it('names the service and operation of every call, and is readable over the control API', async () => {
    await eks().send(new DescribeClusterCommand({ name: CLUSTER }));
    await eks().send(new ListFargateProfilesCommand({ clusterName: CLUSTER }));
    await iam().send(new GetRoleCommand({ RoleName: `${CLUSTER}-cluster-role` }));
    await ec2().send(new DescribeSubnetsCommand({ SubnetIds: seed.privateSubnetIds }));
    await new STSClient(clientConfig()).send(new GetCallerIdentityCommand({}));
    const expected = [
      ['eks', 'DescribeCluster', 'GET'],
      ['eks', 'ListFargateProfiles', 'GET'],
      ['iam', 'GetRole', 'POST'],
      ['ec2', 'DescribeSubnets', 'POST'],
      ['sts', 'GetCallerIdentity', 'POST'],
    ];
    expect(proxy.calls.map((call) => [call.service, call.operation, call.method])).toEqual(expected);
    expect(proxy.calls.map((call) => call.seq)).toEqual([...proxy.calls.map((call) => call.seq)].sort((a, b) => a - b));
    for (const call of proxy.calls) {
      expect(call.status).toBe(200);
      expect(call.endedAt).toBeGreaterThanOrEqual(call.startedAt);
    }

    const remote = eksProxyRemote(proxy.url);
    expect((await remote.calls()).map((call) => [call.service, call.operation, call.method])).toEqual(expected);
    await remote.configure({ faults: [{ operation: 'sts:GetCallerIdentity', kind: 'throttle', count: 1 }] });
    await remote.clearCalls();
    const stsError = await rejection(new STSClient(clientConfig(1)).send(new GetCallerIdentityCommand({})));
    expect(stsError.name).toBe('Throttling');
    expect(proxy.calls.map((call) => [call.operation, call.injected])).toEqual([['GetCallerIdentity', 'throttle']]);
  });
});
