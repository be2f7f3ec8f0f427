/**
 * The AWS services of one region over one set of SDK clients, cached per region: a FargateCluster's
 * spec.region picks the set its resources live in.
 */
import { createAwsClients, type AwsCallRecord, type AwsCallSink, type AwsCredentials } from '../aws/clients.js';
import { SdkEc2NetworkReader } from '../aws/ec2-network.js';
import { SdkEksClusterReader } from '../aws/eks-cluster.js';
import { classifyAwsError } from '../aws/error-classifier.js';
import { SdkFargateProfileStore } from '../aws/fargate-profiles.js';
import { SdkIamRoleStore } from '../aws/iam-roles.js';
import { LanedProfileOperations } from '../aws/laned-profile-operations.js';
import { SdkOidcProviderStore } from '../aws/oidc-provider.js';
import type { LaneWaiter, ProfileLane } from '../aws/profile-lane.js';
import type { AwsCallOutcome, OperatorMetrics } from '../observability/metrics.js';
import type { AwsServices } from './operator-context.js';

/** The metrics outcome label of a recorded call (pure): `ok` is success, errors by their class. */
export function awsCallOutcome(record: Pick<AwsCallRecord, 'outcome'>): AwsCallOutcome {
  if (record.outcome === 'ok') return 'success';
  const kind = classifyAwsError({ name: record.outcome }).kind;
  return kind === 'not-found' ? 'not_found' : kind === 'conflict' ? 'error' : kind;
}

/** A sink that counts every AWS call in eksfo_aws_calls_total. */
export function metricsCallSink(metrics: OperatorMetrics): AwsCallSink {
  return (record) => {
    metrics.awsCallsTotal.inc({ service: record.service, operation: record.operation, outcome: awsCallOutcome(record) });
  };
}

/** Options of {@link AwsServicesByRegion}. */
export interface AwsServicesOptions {
  endpoint?: string;
  /** Default: the SDK's default credential chain. */
  credentials?: AwsCredentials;
  sinks: AwsCallSink[];
  profileLane: ProfileLane;
  /** Called when the lane frees up for a waiter, so that its owners are enqueued at once. */
  wake: (clusterName: string, waiter: LaneWaiter) => void;
}

/** One {@link AwsServices} per region, made on first use. */
export class AwsServicesByRegion {
  private readonly byRegion = new Map<string, AwsServices>();

  constructor(private readonly options: AwsServicesOptions) {}

  get(region: string): AwsServices {
    const cached = this.byRegion.get(region);
    if (cached) return cached;
    const clients = createAwsClients({
      region,
      endpoint: this.options.endpoint,
      ...(this.options.credentials ? { credentials: this.options.credentials } : {}),
      sinks: this.options.sinks,
    });
    const profiles = new SdkFargateProfileStore(clients.eks);
    const services: AwsServices = {
      clients,
      iamRoles: new SdkIamRoleStore(clients.iam),
      oidcProviders: new SdkOidcProviderStore(clients.iam),
      eksClusters: new SdkEksClusterReader(clients.eks),
      ec2Network: new SdkEc2NetworkReader(clients.ec2),
      profiles,
      lanedProfiles: new LanedProfileOperations(this.options.profileLane, profiles, this.options.wake),
    };
    this.byRegion.set(region, services);
    return services;
  }

  /** Closes every client's connection pool. */
  destroy(): void {
    for (const services of this.byRegion.values()) services.clients.destroy();
    this.byRegion.clear();
  }
}
