/**
 * `diff`: what applying FargateWorkloads and FargateClusters would change in the live cluster and
 * AWS account. It reads the live state through read-only ports (live-readers.ts), plans each
 * workload exactly as the reconciler does (planFor, validate, the network preflight), and hands
 * the plan and what it read to the pure diffs (workload-diff.ts, cluster-diff.ts).
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import { installedCrdSchema } from '../api/crd-schemas.js';
import { withClusterDefaults } from '../api/defaults.js';
import { withSchemaDefaults } from '../api/schema-check.js';
import type { FargateCluster, FargateWorkload } from '../api/types.js';
import { formatProblems, validate } from '../api/validate.js';
import type { ObservedProfile } from '../aws/fargate-profiles.js';
import { keyOfObject } from '../kube/object-key.js';
import { planFor } from '../operator/reconcilers/fargate-workload.js';
import { isKindNotServed } from '../operator/workload/child-state.js';
import { checkWorkloadNetwork } from '../operator/workload/network-part.js';
import { managedRoleToRelease } from '../operator/workload/iam-role-part.js';
import { profilesToRelease } from '../operator/workload/workload-workflow.js';
import { accountOfArn, clusterFacts, findWorkloadCluster } from '../operator/workload/workload-cluster.js';
import type { ClusterFacts } from '../plan/cluster-facts.js';
import { planPodExecutionRole } from '../plan/pod-execution-role.js';
import { clusterDiff, type ObservedFargateCluster } from './cluster-diff.js';
import type { LiveAwsReader, LiveKubeReader } from './live-readers.js';
import { manifestChange } from './object-changes.js';
import type { DiffProblem, ObjectDiff } from './resource-change.js';
import { workloadDiff } from './workload-diff.js';

/** What `diff` reads through. */
export interface LiveDiffPorts {
  kube: LiveKubeReader;
  aws(region: string): LiveAwsReader;
}

/** The manifests to compare: FargateWorkloads (namespace filled in) and FargateClusters. */
export interface DesiredObjects {
  workloads: FargateWorkload[];
  clusters: FargateCluster[];
}

/** A cluster's facts for the planner, or why they cannot be had. */
type FactsResult = { facts: ClusterFacts; podExecutionRoleArn: string } | { problem: DiffProblem };

/** The desired object with the live one's identity and status (what the operator would see after the apply). */
function asApplied<T extends FargateWorkload | FargateCluster>(desired: T, live: T | undefined): T {
  const uid = live?.metadata.uid;
  return { ...desired, metadata: { ...desired.metadata, ...(uid ? { uid } : {}) }, ...(live?.status ? { status: live.status } : {}) } as T;
}

/** Replaces the live objects by the desired ones with the same key, and adds the new ones. */
function overlay<T extends FargateWorkload | FargateCluster>(live: readonly T[], desired: readonly T[]): T[] {
  const byKey = new Map(live.map((object) => [keyOfObject(object), object]));
  for (const object of desired) byKey.set(keyOfObject(object), object);
  return [...byKey.values()];
}

/**
 * The facts a cluster's workloads are planned with: from its status where the FargateCluster
 * reconciler recorded them, else read as it would (DescribeCluster, the caller's account).
 */
async function clusterFactsOf(cluster: FargateCluster, aws: LiveAwsReader): Promise<FactsResult> {
  const name = cluster.metadata.name ?? '';
  const label = `FargateCluster ${name}`;
  const status = cluster.status ?? {};
  // Credentials of another account would read every role and profile as missing: a diff of creates.
  const caller = await aws.accountNetwork.callerAccountId();
  const recorded = status.accountId || accountOfArn(status.podExecutionRoleArn);
  if (recorded && recorded !== caller) {
    throw new Error(`the AWS credentials are of account ${caller}, but FargateCluster ${name} is in account ${recorded}: use credentials of that account`);
  }
  const ready = clusterFacts(cluster);
  if (ready.ready) return { facts: ready.facts, podExecutionRoleArn: ready.podExecutionRoleArn };
  // Not reconciled yet: the facts as the FargateCluster reconciler would read them.
  let oidcIssuer = status.oidcIssuer;
  if (!oidcIssuer) {
    const eks = await aws.eksClusters.describeCluster(name);
    if (!eks) return { problem: { object: label, stalled: true, reason: 'ClusterNotFound', message: `EKS cluster ${name} does not exist in ${cluster.spec.region}` } };
    if (!eks.oidcIssuer) return { problem: { object: label, stalled: true, reason: 'NoOIDCIssuer', message: `EKS cluster ${name} has no OIDC issuer` } };
    oidcIssuer = eks.oidcIssuer;
  }
  const facts: ClusterFacts = { accountId: caller, region: cluster.spec.region, oidcIssuer };
  return { facts, podExecutionRoleArn: planPodExecutionRole(cluster, facts).arn };
}

/** The cluster's own diff: object, execution role, OIDC provider. */
async function observeCluster(desired: FargateCluster, live: FargateCluster | undefined, facts: FactsResult, aws: LiveAwsReader): Promise<ObservedFargateCluster> {
  if ('problem' in facts) return { desired, ...(live ? { live } : {}), problems: [facts.problem] };
  const plan = planPodExecutionRole(desired, facts.facts);
  const observedRole = await aws.iamRoles.getRole(plan.name);
  const provider = await aws.oidcProviders.find(facts.facts.oidcIssuer);
  return {
    desired,
    ...(live ? { live } : {}),
    executionRole: { plan, ...(observedRole ? { observed: observedRole } : {}) },
    oidcProvider: { issuer: facts.facts.oidcIssuer, exists: provider !== undefined, create: Boolean(withClusterDefaults(desired).spec.iam?.createOIDCProvider) },
    problems: [],
  };
}

/** What applying `desired` would change, object by object: clusters first, then workloads, in the order given. */
export async function diffLiveState(given: DesiredObjects, ports: LiveDiffPorts): Promise<ObjectDiff[]> {
  // As the API server would store them: a field the CRD defaults is no change, and the plan is made from what the operator will read.
  const desired: DesiredObjects = {
    workloads: given.workloads.map((workload) => withSchemaDefaults(workload, installedCrdSchema('FargateWorkload')) as FargateWorkload),
    clusters: given.clusters.map((cluster) => withSchemaDefaults(cluster, installedCrdSchema('FargateCluster')) as FargateCluster),
  };
  const [liveClusters, liveWorkloads] = await Promise.all([ports.kube.clusters(), ports.kube.workloads()]);
  const liveCluster = (name: string): FargateCluster | undefined => liveClusters.find((cluster) => cluster.metadata.name === name);
  const clusters = overlay(
    liveClusters,
    desired.clusters.map((cluster) => asApplied(cluster, liveCluster(cluster.metadata.name ?? ''))),
  );
  const facts = new Map<string, Promise<FactsResult>>();
  const factsOf = (cluster: FargateCluster): Promise<FactsResult> => {
    const name = cluster.metadata.name ?? '';
    if (!facts.has(name)) facts.set(name, clusterFactsOf(cluster, ports.aws(cluster.spec.region)));
    return facts.get(name)!;
  };

  const diffs: ObjectDiff[] = [];
  for (const cluster of desired.clusters) {
    const name = cluster.metadata.name ?? '';
    const applied = clusters.find((c) => c.metadata.name === name)!;
    diffs.push(clusterDiff(await observeCluster(applied, liveCluster(name), await factsOf(applied), ports.aws(cluster.spec.region))));
  }

  const liveWorkload = (key: string): FargateWorkload | undefined => liveWorkloads.find((workload) => keyOfObject(workload) === key);
  const workloads = overlay(
    liveWorkloads,
    desired.workloads.map((workload) => asApplied(workload, liveWorkload(keyOfObject(workload)))),
  );
  const context = { workloads, clusters, factsOf, ports };
  for (const workload of desired.workloads) {
    const key = keyOfObject(workload);
    diffs.push(await diffWorkload(workloads.find((w) => keyOfObject(w) === key)!, liveWorkload(key), context));
  }
  // A FargateCluster change reaches every workload on it (subnets, name prefix, guard rails): the
  // live ones not in the files are shown when they would change or stall.
  const changedClusters = new Set(desired.clusters.map((cluster) => cluster.metadata.name ?? ''));
  const inFiles = new Set(desired.workloads.map(keyOfObject));
  for (const workload of liveWorkloads) {
    if (inFiles.has(keyOfObject(workload)) || workload.metadata.deletionTimestamp) continue;
    const lookup = findWorkloadCluster(workload, clusters);
    if (!lookup.found || !changedClusters.has(lookup.cluster.metadata.name ?? '')) continue;
    const diff = await diffWorkload(workload, workload, context);
    if (diff.changes.length > 0 || diff.problems.length > 0) diffs.push(diff);
  }
  return diffs;
}

interface WorkloadContext {
  workloads: FargateWorkload[];
  clusters: FargateCluster[];
  factsOf: (cluster: FargateCluster) => Promise<FactsResult>;
  ports: LiveDiffPorts;
}

async function diffWorkload(desired: FargateWorkload, live: FargateWorkload | undefined, context: WorkloadContext): Promise<ObjectDiff> {
  const label = `FargateWorkload ${keyOfObject(desired)}`;
  const objectOnly = (problem: DiffProblem): ObjectDiff => {
    const object = manifestChange('FargateWorkload', desired as unknown as KubernetesObject, live as unknown as KubernetesObject | undefined);
    return { object: label, changes: object ? [object] : [], problems: [problem] };
  };
  const lookup = findWorkloadCluster(desired, context.clusters);
  if (!lookup.found) return objectOnly({ object: label, stalled: lookup.stalled, reason: lookup.reason, message: lookup.message });
  const cluster = lookup.cluster;
  const facts = await context.factsOf(cluster);
  if ('problem' in facts) return objectOnly({ ...facts.problem, object: label, message: `${facts.problem.message} (the workload's cluster)` });
  const problems = validate(desired, cluster);
  if (problems.length > 0) return objectOnly({ object: label, stalled: true, reason: 'InvalidSpec', message: formatProblems(problems) });

  const plan = planFor(desired, cluster, { ready: true, ...facts });
  const aws = context.ports.aws(cluster.spec.region);
  const kube = context.ports.kube;
  const network = await checkWorkloadNetwork(aws.ec2Network, desired, cluster, plan.aws.fargateProfile.subnets);
  const uid = live?.metadata.uid;
  const owned = uid ? await kube.ownedChildren(desired.metadata.namespace ?? '', uid) : { children: [], unservedKinds: new Set<string>() };
  const byKey = new Map<string, KubernetesObject | undefined>();
  for (const child of plan.kubernetes) {
    try {
      byKey.set(`${child.kind}/${child.metadata.name}`, await kube.read(child));
    } catch (error) {
      // A kind whose CRD is not installed: the operator would report it, not apply it.
      if (!isKindNotServed(error)) throw error;
      owned.unservedKinds.add(child.kind);
    }
  }
  const profiles = new Map<string, ObservedProfile | undefined>();
  for (const name of live ? profilesToRelease(plan.aws.fargateProfile.name, live) : [plan.aws.fargateProfile.name]) {
    profiles.set(name, await aws.profiles.describe(plan.aws.fargateProfile.clusterName, name));
  }
  const role = plan.aws.iamRole;
  const observedRole = role.managed ? await aws.iamRoles.getRole(role.name) : undefined;
  const released = managedRoleToRelease(role, live?.status?.iamRoleArn);
  const releasedRole = released ? await aws.iamRoles.getRole(released) : undefined;
  return workloadDiff(plan, {
    desired,
    ...(live ? { live } : {}),
    workloads: context.workloads,
    clusters: context.clusters,
    profiles,
    ...(observedRole ? { role: observedRole } : {}),
    ...(releasedRole ? { releasedRole } : {}),
    children: { byKey, owned: owned.children, unservedKinds: owned.unservedKinds },
    network,
  });
}
