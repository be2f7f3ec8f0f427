/**
 * What the benchmark creates (pure): one FargateCluster on the seeded network and N
 * FargateWorkloads over M namespaces, with a placement mix, managed policies and a share with an
 * Ingress, each spread evenly and deterministically over the workloads.
 */
import { API_GROUP_VERSION } from '../../src/api/constants.js';
import type { ProfilePlacement } from '../../src/api/types.js';

/** The managed policies workloads attach, the first `policies` of them (all allowed by the cluster). */
export const BENCH_POLICIES = [
  'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess',
  'arn:aws:iam::aws:policy/AmazonSQSReadOnlyAccess',
  'arn:aws:iam::aws:policy/AmazonDynamoDBReadOnlyAccess',
  'arn:aws:iam::aws:policy/CloudWatchReadOnlyAccess',
];

/** How the workloads are made. */
export interface BenchScenario {
  clusterName: string;
  region: string;
  subnetIds: string[];
  workloads: number;
  namespaces: number;
  /** Share of workloads per placement; the shares are normalised. */
  placements: Partial<Record<ProfilePlacement, number>>;
  /** Managed policies per workload (0-4). */
  policies: number;
  /** Share (0-1) of workloads with an Ingress. */
  ingressShare: number;
  namespacePrefix: string;
}

/** Parses `Shared`, or `Shared=0.9,Namespace=0.1`, into shares. */
export function parsePlacements(text: string): Partial<Record<ProfilePlacement, number>> {
  const known: ProfilePlacement[] = ['Shared', 'Namespace', 'Dedicated'];
  const shares: Partial<Record<ProfilePlacement, number>> = {};
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const [name = '', share = '1'] = part.split('=');
    const placement = known.find((k) => k.toLowerCase() === name.toLowerCase());
    const value = Number(share);
    if (!placement || !Number.isFinite(value) || value < 0) throw new Error(`--placement takes Shared, Namespace or Dedicated, optionally with a share (Shared=0.9,Namespace=0.1), not "${part}"`);
    shares[placement] = value;
  }
  if (Object.keys(shares).length === 0) throw new Error('--placement names no placement');
  return shares;
}

/** The placement of workload `index` of `count`: the shares laid out as contiguous blocks, so that a share is exact. */
export function placementOf(index: number, count: number, placements: Partial<Record<ProfilePlacement, number>>): ProfilePlacement {
  const entries = Object.entries(placements) as [ProfilePlacement, number][];
  const total = entries.reduce((acc, [, share]) => acc + share, 0);
  let bound = 0;
  for (const [placement, share] of entries) {
    bound += (share / total) * count;
    if (index < Math.round(bound)) return placement;
  }
  return entries[entries.length - 1]?.[0] ?? 'Shared';
}

export function benchNamespace(scenario: BenchScenario, index: number): string {
  return `${scenario.namespacePrefix}-${index % scenario.namespaces}`;
}

export function benchNamespaces(scenario: BenchScenario): string[] {
  return Array.from({ length: Math.min(scenario.namespaces, scenario.workloads) }, (_, i) => `${scenario.namespacePrefix}-${i}`);
}

/** The FargateCluster: the seeded subnets, every bench policy allowed, ingress allowed. */
export function benchCluster(scenario: BenchScenario): object {
  return {
    apiVersion: API_GROUP_VERSION,
    kind: 'FargateCluster',
    metadata: { name: scenario.clusterName },
    spec: {
      region: scenario.region,
      subnetIds: scenario.subnetIds,
      podExecutionRole: { create: true },
      profiles: { maxProfiles: 10, namePrefix: 'bench' },
      iam: { rolePath: '/bench/', createOIDCProvider: true, deleteOIDCProvider: true, allowedManagedPolicyArns: BENCH_POLICIES, allowInlinePolicies: false },
      ingress: { allowInternetFacing: false },
    },
  };
}

/** Workload `index`: its namespace, placement, policies and (for the ingress share) an Ingress. */
export function benchWorkload(scenario: BenchScenario, index: number): { apiVersion: string; kind: string; metadata: { name: string; namespace: string }; spec: Record<string, unknown> } {
  const withIngress = index < Math.round(scenario.ingressShare * scenario.workloads);
  const policies = BENCH_POLICIES.slice(0, Math.max(0, Math.min(BENCH_POLICIES.length, scenario.policies)));
  return {
    apiVersion: API_GROUP_VERSION,
    kind: 'FargateWorkload',
    metadata: { name: `w-${index}`, namespace: benchNamespace(scenario, index) },
    spec: {
      clusterName: scenario.clusterName,
      template: { spec: { containers: [{ name: 'app', image: 'public.ecr.aws/nginx/nginx:1.27', resources: { requests: { cpu: '250m', memory: '512Mi' } } }] } },
      fargateProfile: { placement: placementOf(index, scenario.workloads, scenario.placements) },
      ...(policies.length > 0 ? { iam: { managedPolicyArns: policies } } : {}),
      ...(withIngress ? { ingress: { path: '/', port: 8080 } } : {}),
    },
  };
}
