import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import {
  AttachRolePolicyCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  DeleteRoleCommand,
  DeleteOpenIDConnectProviderCommand,
  UpdateAssumeRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { AwsCallLog, isWriteOperation } from '../../src/aws/call-log.js';
import { createAwsClients, type AwsClients } from '../../src/aws/clients.js';
import { SdkEksClusterReader } from '../../src/aws/eks-cluster.js';
import { isInTransition, SdkFargateProfileStore, type FargateProfileSpec } from '../../src/aws/fargate-profiles.js';
import { eksProfileSource, subnetPlaceSource } from '../../scripts/dev-env/fargate-scheduler/eks-sources.js';
import { diffRole, SdkIamRoleStore, type RoleSpec } from '../../src/aws/iam-roles.js';
import { isOwnedBy } from '../../src/aws/ownership.js';
import { TAG_CLUSTER } from '../../src/api/constants.js';
import { LanedProfileOperations, type LaneOutcome } from '../../src/aws/laned-profile-operations.js';
import { issuerKey, SdkOidcProviderStore } from '../../src/aws/oidc-provider.js';
import { ProfileLane } from '../../src/aws/profile-lane.js';
import { startAwsTestStack, type AwsTestStack } from '../support/aws-test-stack.js';
import type { EksProxy } from '../../scripts/dev-env/eks-proxy.js';
import { waitUntilReady } from '../../scripts/dev-env/processes.js';
import { EMULATOR_CREDENTIALS, type SeedResult } from '../../scripts/dev-env/seed.js';

// The AWS adapters against the real moto server, through the EKS behaviour proxy (profiles held
// CREATING / DELETING, ResourceInUse on a second operation, injected throttling), the suite's own
// proxy over the environment's moto (startAwsTestStack).
const REGION = 'us-east-1';
const CLUSTER = 'aws-adapters';
const CREATING_MS = 1_500;
const DELETING_MS = 1_500;
const S3_READ = 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess';
const SQS_READ = 'arn:aws:iam::aws:policy/AmazonSQSReadOnlyAccess';
const OWNERSHIP = { 'fargate.eksops.dev/cluster': CLUSTER, 'fargate.eksops.dev/namespace': 'shop', 'fargate.eksops.dev/name': 'web' };
/** Unique per run: moto outlives a run when the environment is shared. */
const RUN = Date.now().toString(36);

let stack: AwsTestStack;
let proxy: EksProxy;
let seed: SeedResult;
let clients: AwsClients;
const calls = new AwsCallLog();

/** IAM writes recorded since `mark`, as operation names. */
const writesSince = (mark: number): string[] => calls.since(mark).filter((call) => isWriteOperation(call.operation)).map((call) => call.operation);

beforeAll(async () => {
  // The SDK's default credential chain reads these; the emulator accepts any.
  process.env['AWS_ACCESS_KEY_ID'] ??= EMULATOR_CREDENTIALS.accessKeyId;
  process.env['AWS_SECRET_ACCESS_KEY'] ??= EMULATOR_CREDENTIALS.secretAccessKey;
  stack = await startAwsTestStack({ clusterName: CLUSTER, region: REGION, proxy: { creatingDelayMs: CREATING_MS, deletingDelayMs: DELETING_MS } });
  ({ proxy, seed } = stack);
  clients = createAwsClients({ region: REGION, endpoint: proxy.url, sinks: [calls.sink] });
}, 300_000);

afterAll(async () => {
  clients?.destroy();
  await stack?.stop();
});

beforeEach(() => {
  proxy.configure({ faults: [], creatingDelayMs: CREATING_MS, deletingDelayMs: DELETING_MS });
});

describe('EKS cluster and OIDC provider', () => {
  it('describes the cluster: issuer, VPC, subnets; an unknown cluster is undefined', async () => {
    const reader = new SdkEksClusterReader(clients.eks);
    const cluster = await reader.describeCluster(CLUSTER);
    // moto's DescribeCluster carries no resourcesVpcConfig.vpcId, so the VPC is not compared here.
    expect(cluster).toMatchObject({ name: CLUSTER, status: 'ACTIVE', oidcIssuer: seed.oidcIssuer });
    expect(cluster?.subnetIds).toEqual(seed.privateSubnetIds);
    expect(await reader.describeCluster('no-such-cluster')).toBeUndefined();
  });

  it('reports the provider missing, creates it with the STS audience and tags, then finds it', async () => {
    const store = new SdkOidcProviderStore(clients.iam);
    const leftover = await store.find(seed.oidcIssuer);
    // A shared emulator may hold one from an earlier run: start from none.
    if (leftover) await clients.iam.send(new DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: leftover.arn }));
    expect(await store.find(seed.oidcIssuer)).toBeUndefined();

    const created = await store.create({ issuerUrl: seed.oidcIssuer, tags: { 'fargate.eksops.dev/cluster': CLUSTER } });
    expect(created.arn).toBe(`arn:aws:iam::${seed.accountId}:oidc-provider/${issuerKey(seed.oidcIssuer)}`);

    const found = await store.find(seed.oidcIssuer);
    expect(found).toMatchObject({ arn: created.arn, url: issuerKey(seed.oidcIssuer), clientIds: ['sts.amazonaws.com'] });
    expect(found?.tags).toEqual({ 'fargate.eksops.dev/cluster': CLUSTER });
  });
});

describe('IAM role store', () => {
  const issuer = () => issuerKey(seed.oidcIssuer);
  const trust = (serviceAccount: string) => ({
    Version: '2012-10-17' as const,
    Statement: [
      {
        Effect: 'Allow' as const,
        Principal: { Federated: `arn:aws:iam::${seed.accountId}:oidc-provider/${issuer()}` },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: {
          StringEquals: { [`${issuer()}:sub`]: `system:serviceaccount:shop:${serviceAccount}`, [`${issuer()}:aud`]: 'sts.amazonaws.com' },
        },
      },
    ],
  });
  let spec: RoleSpec;

  beforeAll(async () => {
    const boundary = await clients.iam.send(
      new CreatePolicyCommand({
        PolicyName: `app-boundary-${RUN}`,
        PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:*', 'sqs:*'], Resource: '*' }] }),
      }),
    );
    spec = {
      name: `${CLUSTER}-shop-web-${RUN}`,
      path: '/eksops/',
      trustPolicy: trust('web'),
      managedPolicyArns: [S3_READ],
      inlinePolicyName: 'eksops-inline',
      inlinePolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:GetObject'], Resource: 'arn:aws:s3:::shop-assets/*' }] },
      permissionsBoundary: boundary.Policy?.Arn ?? '',
      tags: OWNERSHIP,
    };
  });

  it('creates the role with path, trust policy, boundary, tags and policies; reading it back shows no drift', async () => {
    const roles = new SdkIamRoleStore(clients.iam);
    expect(await roles.getRole(spec.name)).toBeUndefined();
    const created = await roles.createRole(spec);
    expect(created.arn).toBe(`arn:aws:iam::${seed.accountId}:role/eksops/${spec.name}`);

    const observed = await roles.getRole(spec.name);
    expect(observed).toMatchObject({ arn: created.arn, path: '/eksops/', permissionsBoundary: spec.permissionsBoundary, attachedPolicyArns: [S3_READ] });
    expect(observed?.tags).toEqual(OWNERSHIP);
    expect(observed?.inlinePolicies).toEqual({ 'eksops-inline': spec.inlinePolicy });
    expect(isOwnedBy(observed!, OWNERSHIP)).toBe(true);
    // IAM hands the documents back URL-encoded and reshaped; compared as JSON they are the spec's.
    expect(diffRole(spec, observed!)).toEqual([]);
  });

  it('a steady state makes no IAM write', async () => {
    const roles = new SdkIamRoleStore(clients.iam);
    const mark = calls.mark();
    const actions = await roles.converge(spec, (await roles.getRole(spec.name))!);
    expect(actions).toEqual([]);
    expect(writesSince(mark)).toEqual([]);
    expect(calls.since(mark, { service: 'iam', operation: 'GetRole', outcome: 'ok' })).toHaveLength(1);
  });

  it('corrects drift made behind its back with only the calls needed', async () => {
    const roles = new SdkIamRoleStore(clients.iam);
    await clients.iam.send(new AttachRolePolicyCommand({ RoleName: spec.name, PolicyArn: SQS_READ }));
    await clients.iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: spec.name, PolicyDocument: JSON.stringify(trust('intruder')) }));

    const mark = calls.mark();
    const actions = await roles.converge(spec, (await roles.getRole(spec.name))!);
    expect(actions.map((action) => action.kind)).toEqual(['updateTrustPolicy', 'detachPolicy']);
    expect(writesSince(mark)).toEqual(['UpdateAssumeRolePolicy', 'DetachRolePolicy']);

    const after = await roles.getRole(spec.name);
    expect(after?.attachedPolicyArns).toEqual([S3_READ]);
    expect(diffRole(spec, after!)).toEqual([]);
  });

  it('reads the account\'s roles in one GetAccountAuthorizationDetails, each as GetRole and its lists see it; drift shows the same', async () => {
    const roles = new SdkIamRoleStore(clients.iam);
    await clients.iam.send(new AttachRolePolicyCommand({ RoleName: spec.name, PolicyArn: SQS_READ }));
    const mark = calls.mark();
    const fromAccount = await roles.accountRoles((tags) => tags[TAG_CLUSTER] === CLUSTER);
    expect(calls.since(mark).map((call) => `${call.operation} ${call.outcome}`)).toEqual(['GetAccountAuthorizationDetails ok']);
    const shared = fromAccount.find((role) => role.name === spec.name);
    const own = await roles.getRole(spec.name);
    // Trust, boundary, tags, path, both kinds of policies (documents decoded): one shape from either read.
    expect(shared).toEqual(own);
    expect([...shared!.attachedPolicyArns].sort()).toEqual([S3_READ, SQS_READ].sort());
    expect(diffRole(spec, shared!).map((action) => action.kind)).toEqual(['detachPolicy']);
    // Only what the filter keeps is returned: a role without the operator's tags is left out.
    const untagged = `untagged-${RUN}`;
    await clients.iam.send(new CreateRoleCommand({ RoleName: untagged, AssumeRolePolicyDocument: JSON.stringify(trust('other')) }));
    const kept = await roles.accountRoles((tags) => TAG_CLUSTER in tags);
    expect(kept.map((role) => role.name)).toContain(spec.name);
    expect(kept.map((role) => role.name)).not.toContain(untagged);
    expect((await roles.accountRoles(() => true)).map((role) => role.name)).toContain(untagged);
    await clients.iam.send(new DeleteRoleCommand({ RoleName: untagged }));
    await roles.converge(spec, shared!);
    expect((await roles.getRole(spec.name))?.attachedPolicyArns).toEqual([S3_READ]);
  });

  it('reads a role in parts (ListRoles of its path, GetRole, each policy list), one call each, that make up what getRole reads', async () => {
    const roles = new SdkIamRoleStore(clients.iam);
    const own = (await roles.getRole(spec.name))!;
    expect(own.id).toMatch(/^AROA/);
    const mark = calls.mark();
    const listed = (await roles.listRolesUnder('/eksops/')).find((role) => role.name === spec.name);
    const head = await roles.getRoleHead(spec.name);
    const attached = await roles.attachedPoliciesOf(spec.name);
    const inline = await roles.inlinePoliciesOf(spec.name);
    expect(calls.since(mark).map((call) => call.operation)).toEqual(['ListRoles', 'GetRole', 'ListAttachedRolePolicies', 'ListRolePolicies', 'GetRolePolicy']);
    // The listing tells identity, path and trust policy (decoded), as GetRole does.
    expect(listed).toEqual({ name: own.name, arn: own.arn, path: own.path, id: own.id, trustPolicy: own.trustPolicy, createdAt: own.createdAt });
    expect({ ...head, ...listed, attachedPolicyArns: attached, inlinePolicies: inline }).toEqual(own);
    // A role under another path is not listed; a role that does not exist has no parts.
    expect((await roles.listRolesUnder('/elsewhere/')).map((role) => role.name)).not.toContain(spec.name);
    expect(await roles.attachedPoliciesOf(`missing-${RUN}`)).toBeUndefined();
    expect(await roles.inlinePoliciesOf(`missing-${RUN}`)).toBeUndefined();
  });

  it('records a throttled call once, as ok with 2 attempts, after the SDK standard retry', async () => {
    proxy.configure({ faults: [{ operation: 'iam:GetRole', kind: 'throttle', count: 1 }] });
    const mark = calls.mark();
    proxy.clearCalls();
    expect(await new SdkIamRoleStore(clients.iam).getRole(spec.name)).toBeDefined();
    expect(proxy.calls.filter((call) => call.operation === 'GetRole').map((call) => call.injected)).toEqual(['throttle', undefined]);
    expect(calls.since(mark, { operation: 'GetRole' }).map((call) => [call.outcome, call.attempts])).toEqual([['ok', 2]]);
  });

  it('deletes a role it has just read without listing its policies again; one attached since is found on the refusal', async () => {
    const roles = new SdkIamRoleStore(clients.iam);
    const observed = (await roles.getRole(spec.name))!;
    // Attached behind the operator's back after its look: IAM refuses the delete (DeleteConflict) until it is detached too.
    await clients.iam.send(new AttachRolePolicyCommand({ RoleName: spec.name, PolicyArn: SQS_READ }));
    const mark = calls.mark();
    expect(await roles.deleteRole(spec.name, observed)).toBe(true);
    const made = calls.since(mark).map((call) => `${call.operation} ${call.outcome}`);
    // The observed policies go side by side (in either order), then the refused delete, the lists, the late policy, the role.
    expect(made.slice(0, 2).sort()).toEqual(['DeleteRolePolicy ok', 'DetachRolePolicy ok']);
    expect(made[2]).toBe('DeleteRole DeleteConflictException');
    expect(made.slice(3, 5).sort()).toEqual(['ListAttachedRolePolicies ok', 'ListRolePolicies ok']);
    expect(made.slice(5)).toEqual(['DetachRolePolicy ok', 'DeleteRole ok']);
    expect(await roles.getRole(spec.name)).toBeUndefined();
  });

  it('deletes a role with the policies its plan expected, one of them never attached, without listing', async () => {
    const roles = new SdkIamRoleStore(clients.iam);
    await roles.createRole(spec);
    const mark = calls.mark();
    const expected = { attachedPolicyArns: [S3_READ, SQS_READ], inlinePolicies: { [spec.inlinePolicyName]: spec.inlinePolicy } };
    expect(await roles.deleteRole(spec.name, expected)).toBe(true);
    const made = calls.since(mark).map((call) => `${call.operation} ${call.outcome}`);
    // SQS_READ was never attached: IAM's NoSuchEntity for it is no error, and nothing is listed.
    expect(made.slice(0, 3).sort()).toEqual(['DeleteRolePolicy ok', 'DetachRolePolicy NoSuchEntityException', 'DetachRolePolicy ok']);
    expect(made.slice(3)).toEqual(['DeleteRole ok']);
    expect(await roles.getRoleHead(spec.name)).toBeUndefined();
  });

  it('deletes the role with its policies, and tolerates a second delete', async () => {
    const roles = new SdkIamRoleStore(clients.iam);
    await roles.createRole(spec);
    const mark = calls.mark();
    expect(await roles.deleteRole(spec.name)).toBe(true);
    const writes = writesSince(mark);
    expect([...writes.slice(0, 2)].sort()).toEqual(['DeleteRolePolicy', 'DetachRolePolicy']);
    expect(writes.slice(2)).toEqual(['DeleteRole']);
    expect(await roles.getRole(spec.name)).toBeUndefined();
    expect(await roles.deleteRole(spec.name)).toBe(false);
    expect(calls.since(mark, { operation: 'GetRole' }).map((call) => call.outcome)).toEqual(['NoSuchEntityException']);
  });
});

describe('Fargate profiles through the lane', () => {
  let executionRoleArn: string;
  const profile = (name: string): FargateProfileSpec => ({
    name: `${name}-${RUN}`,
    clusterName: CLUSTER,
    subnets: seed.privateSubnetIds,
    selectors: [{ namespace: '*', labels: { 'fargate.eksops.dev/profile': `${name}-${RUN}` } }],
    podExecutionRoleArn: executionRoleArn,
    tags: { 'fargate.eksops.dev/cluster': CLUSTER, 'fargate.eksops.dev/component': 'fargate-profile' },
  });

  beforeAll(async () => {
    const roles = new SdkIamRoleStore(clients.iam);
    const role = await roles.createRole({
      name: `${CLUSTER}-fargate-pod-execution-${RUN}`,
      path: '/',
      trustPolicy: {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Service: 'eks-fargate-pods.amazonaws.com' }, Action: 'sts:AssumeRole' }],
      },
      managedPolicyArns: ['arn:aws:iam::aws:policy/AmazonEKSFargatePodExecutionRolePolicy'],
      inlinePolicyName: 'eksops-fargate-logging',
      tags: { 'fargate.eksops.dev/cluster': CLUSTER },
    });
    executionRoleArn = role.arn;
  });

  /** A lane that observes on every request, so each answer reflects EKS as it is now. */
  const freshLane = () => new ProfileLane({ creatingRequeueMs: 250, deletingRequeueMs: 250, observationMaxAgeMs: 0 });

  /** Waits until no profile of the cluster is CREATING or DELETING (what a test before left moving). */
  const settled = (store: SdkFargateProfileStore) =>
    waitUntilReady('no profile in flight', async () => (await store.list(CLUSTER)).every((p) => !isInTransition(p.status)), {
      timeoutMs: 20_000,
      intervalMs: 100,
    });

  it('grants a second create only once the first profile is ACTIVE', async () => {
    const store = new SdkFargateProfileStore(clients.eks);
    await settled(store);
    const ops = new LanedProfileOperations(freshLane(), store);
    const first = profile('lane-a');
    const second = profile('lane-b');
    const mark = calls.mark();

    const started = await ops.create(first, 'shop/a');
    expect(started).toMatchObject({ started: true, profile: { name: first.name, status: 'CREATING', tags: first.tags } });

    // Ask for the second profile as a reconciler would, on every requeue, until the lane grants it.
    const refusals: LaneOutcome[] = [];
    await waitUntilReady(
      `lane grants ${second.name}`,
      async () => {
        await ops.poll(CLUSTER, first.name);
        const outcome = await ops.create(second, 'shop/b');
        if (!outcome.started) refusals.push(outcome);
        return outcome.started;
      },
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    // Granted only after the first one left CREATING, which it only does to ACTIVE.
    expect((await store.describe(CLUSTER, first.name))?.status).toBe('ACTIVE');
    expect(refusals.length).toBeGreaterThan(0);
    for (const refusal of refusals) {
      expect(refusal).toEqual({
        started: false,
        decision: { granted: false, reason: 'in-flight', waitingBehind: { profile: first.name, status: 'CREATING' }, position: 1, requeueAfterMs: 250 },
      });
    }
    // One create per profile reached EKS, and none was refused: the lane kept them apart.
    expect(calls.since(mark, { operation: 'CreateFargateProfile' }).map((call) => call.outcome)).toEqual(['ok', 'ok']);
    expect((await store.describe(CLUSTER, second.name))?.status).toBe('CREATING');
  }, 60_000);

  it('turns ResourceInUse from an operation the lane did not see into a wait behind it', async () => {
    const store = new SdkFargateProfileStore(clients.eks);
    await settled(store);
    // A lane whose last observation is still "fresh" while another actor starts an operation.
    const lane = new ProfileLane({ creatingRequeueMs: 250, observationMaxAgeMs: 60_000 });
    lane.observe(CLUSTER, await store.list(CLUSTER));
    const ops = new LanedProfileOperations(lane, store);
    const other = profile('other-actor');
    await store.create(other);

    const mark = calls.mark();
    const mine = profile('lane-c');
    const outcome = await ops.create(mine, 'shop/c');
    expect(outcome).toEqual({
      started: false,
      decision: { granted: false, reason: 'in-flight', waitingBehind: { profile: other.name, status: 'CREATING' }, position: 1, requeueAfterMs: 250 },
    });
    expect(calls.since(mark, { operation: 'CreateFargateProfile' }).map((call) => call.outcome)).toEqual(['ResourceInUseException']);
    expect(lane.needsObservation(CLUSTER)).toBe(true);

    const waits: LaneOutcome[] = [];
    await waitUntilReady(
      `lane grants ${mine.name}`,
      async () => {
        const next = await ops.create(mine, 'shop/c');
        if (!next.started) waits.push(next);
        return next.started;
      },
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    // The lane re-observed, waited behind the other actor's profile until it was ACTIVE, then let this one through.
    expect(waits.every((wait) => !wait.started && wait.decision.waitingBehind?.profile === other.name)).toBe(true);
    expect((await store.describe(CLUSTER, other.name))?.status).toBe('ACTIVE');
    expect(calls.since(mark, { operation: 'CreateFargateProfile' }).map((call) => call.outcome)).toEqual(['ResourceInUseException', 'ok']);
  }, 60_000);

  it('tags an existing profile (EKS TagResource, kept by the proxy as moto tags only clusters): describe shows old and new tags', async () => {
    const store = new SdkFargateProfileStore(clients.eks);
    await settled(store);
    const observed = await store.describe(CLUSTER, profile('lane-a').name);
    expect(observed?.status).toBe('ACTIVE');
    await store.tag(observed!.arn, { 'fargate.eksops.dev/deletion-policy': 'Retain' });
    expect((await store.describe(CLUSTER, observed!.name))?.tags).toEqual({ ...profile('lane-a').tags, 'fargate.eksops.dev/deletion-policy': 'Retain' });
    expect((await store.list(CLUSTER)).find((listed) => listed.name === observed!.name)?.tags['fargate.eksops.dev/deletion-policy']).toBe('Retain');
  }, 30_000);

  it("the Fargate scheduler stand-in reads the profiles EKS reports (with the proxy's transition state laid over) and the zones and CIDRs of their subnets", async () => {
    const store = new SdkFargateProfileStore(clients.eks);
    await settled(store);
    const profiles = await eksProfileSource(clients.eks, CLUSTER)();
    const lane = profiles.find((found) => found.name === profile('lane-a').name);
    expect(lane).toEqual({ name: profile('lane-a').name, status: 'ACTIVE', selectors: profile('lane-a').selectors, subnets: expect.arrayContaining(seed.privateSubnetIds), arn: expect.stringContaining(`:fargateprofile/${CLUSTER}/${profile('lane-a').name}/`) });
    // Laid over moto's answer: the state the proxy gives a profile in transition.
    const overlaid = await eksProfileSource(clients.eks, CLUSTER, (name) => (name === profile('lane-a').name ? 'DELETING' : undefined))();
    expect(overlaid.find((found) => found.name === profile('lane-a').name)?.status).toBe('DELETING');
    const placeOf = subnetPlaceSource(clients.ec2);
    const places = await Promise.all(seed.privateSubnetIds.map((subnet) => placeOf(subnet)));
    expect(places.map((place) => place.zone.startsWith(REGION))).toEqual(seed.privateSubnetIds.map(() => true));
    expect(places.map((place) => place.cidr)).toEqual(['10.0.1.0/24', '10.0.2.0/24']);
    await expect(placeOf('subnet-00000000000000000')).rejects.toThrow(/subnet-00000000000000000/);
  }, 30_000);

  it('deletes one profile at a time: DELETING holds the lane until the profile is gone', async () => {
    const store = new SdkFargateProfileStore(clients.eks);
    const ops = new LanedProfileOperations(freshLane(), store);
    const names = ['lane-a', 'lane-b', 'other-actor', 'lane-c'].map((name) => profile(name).name);
    await settled(store);
    const mark = calls.mark();
    const outcomes: LaneOutcome[] = [];
    for (const name of names) {
      await waitUntilReady(
        `${name} gone`,
        async () => {
          const observed = await ops.poll(CLUSTER, name);
          if (!observed) return true;
          if (observed.status === 'ACTIVE') outcomes.push(await ops.delete(CLUSTER, name, `shop/${name}`));
          return false;
        },
        { timeoutMs: 20_000, intervalMs: 100 },
      );
    }
    expect(await store.listNames(CLUSTER)).toEqual(expect.not.arrayContaining(names));
    // Each delete was started once, and any other ask waited behind a DELETING profile.
    expect(outcomes.filter((outcome) => outcome.started)).toEqual(names.map(() => ({ started: true, existed: true })));
    expect(outcomes.every((outcome) => outcome.started || outcome.decision.waitingBehind?.status === 'DELETING')).toBe(true);
    // Every delete was granted only when the previous one was gone: EKS refused none.
    expect(calls.since(mark, { operation: 'DeleteFargateProfile' }).map((call) => call.outcome)).toEqual(['ok', 'ok', 'ok', 'ok']);
    expect(await ops.delete(CLUSTER, names[0]!, 'shop/again')).toEqual({ started: true, existed: false });
  }, 90_000);
});
