/**
 * The AWS services of one region over one set of SDK clients, cached per region: a FargateCluster's
 * spec.region picks the set its resources live in.
 */
import { SdkAccountNetworkReader } from '../aws/account-network.js';
import { createAwsClients, type AwsCallRecord, type AwsCallSink, type AwsCredentials } from '../aws/clients.js';
import { SdkEc2NetworkReader } from '../aws/ec2-network.js';
import { CachedEc2NetworkReader } from '../aws/cached-network-reader.js';
import { CachedFargateProfileStore } from '../aws/cached-profile-store.js';
import { systemClock, type Clock } from '../controller/clock.js';
import { SdkEksClusterReader } from '../aws/eks-cluster.js';
import { classifyAwsError } from '../aws/error-classifier.js';
import { SdkFargateProfileStore } from '../aws/fargate-profiles.js';
import { SdkIamRoleStore } from '../aws/iam-roles.js';
import { AccountSnapshotIamRoleStore, PassSharedRoleReads } from '../aws/account-role-snapshot.js';
import { StaggeredIamRoleStore, StaggeredRoleReads } from '../aws/staggered-role-reads.js';
import { TAG_CLUSTER, type IamRoleReads } from '../api/constants.js';
import { LanedProfileOperations } from '../aws/laned-profile-operations.js';
import { SdkOidcProviderStore } from '../aws/oidc-provider.js';
import type { LaneWaiter, ProfileLane } from '../aws/profile-lane.js';
import type { WriteGate } from '../controller/write-gate.js';
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
    if (record.attempts > 1) metrics.awsRetriesTotal.inc({ service: record.service, operation: record.operation }, record.attempts - 1);
    if (record.throttledAttempts > 0) metrics.awsThrottlesTotal.inc({ service: record.service, operation: record.operation }, record.throttledAttempts);
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
  /** Deadline of one attempt of an AWS call. */
  callTimeoutMs?: number;
  /** Aborts every AWS call in flight (shutdown, lost leadership). */
  signal?: AbortSignal;
  /** Checked right before every AWS write is sent (leadership). */
  writeGate?: WriteGate;
  /** The clock of the shared reads' time-to-live. */
  clock?: Pick<Clock, 'now'>;
  /** How long the network preflight's EC2 answers are shared (0: read every time). */
  networkTtlMs?: number;
  /** How long an ACTIVE Fargate profile's description is shared (0: described every time). */
  profileTtlMs?: number;
  /**
   * How a resync pass reads the operator's IAM roles (`run --iam-role-reads`): `staggered`, a
   * shared listing and one part of each role in turn (src/aws/staggered-role-reads.ts);
   * `account`, one account-wide read shared by the pass (src/aws/account-role-snapshot.ts; needs
   * iam:GetAccountAuthorizationDetails); `per-role` (the default here, without the option), every part of each role each time.
   */
  iamRoleReads?: IamRoleReads;
}

/** How long replaced clients stay open for the calls still using them (longer than 3 attempts at the longest deadline). */
const RETIRED_CLIENTS_CLOSE_MS = 5 * 60_000;

/**
 * One {@link AwsServices} per region, made on first use. A call refused for stale or unknown
 * credentials (see CREDENTIALS_CODES in error-classifier.ts) retires the region's clients: the
 * next reconcile gets new ones, whose credential provider starts afresh (a re-read web identity
 * token, a rotated key), instead of every object failing until the process restarts.
 */
export class AwsServicesByRegion {
  private readonly byRegion = new Map<string, AwsServices>();
  private readonly retired = new Map<ReturnType<typeof setTimeout>, AwsServices>();
  /** Credential refreshes so far, by region (metrics, tests). */
  readonly refreshes = new Map<string, number>();
  /** IAM is one per account: every region's and every client set's role store shares these reads. */
  private readonly roleSnapshots: PassSharedRoleReads | undefined;
  private readonly staggeredReads: StaggeredRoleReads | undefined;

  constructor(private readonly options: AwsServicesOptions) {
    const clock = options.clock ?? systemClock;
    this.roleSnapshots = options.iamRoleReads === 'account' ? new PassSharedRoleReads(clock) : undefined;
    this.staggeredReads = options.iamRoleReads === 'staggered' ? new StaggeredRoleReads(clock) : undefined;
  }

  get(region: string): AwsServices {
    const cached = this.byRegion.get(region);
    if (cached) return cached;
    // Given credentials are what they are: new clients would only repeat them.
    const refreshOnStaleCredentials: AwsCallSink = (record) => {
      if (this.options.credentials) return;
      if (record.outcome !== 'ok' && classifyAwsError({ name: record.outcome }).reason === 'CredentialsExpired') this.refresh(region, services);
    };
    const clients = createAwsClients({
      region,
      endpoint: this.options.endpoint,
      ...(this.options.credentials ? { credentials: this.options.credentials } : {}),
      sinks: [...this.options.sinks, refreshOnStaleCredentials],
      ...(this.options.callTimeoutMs !== undefined ? { callTimeoutMs: this.options.callTimeoutMs } : {}),
      ...(this.options.signal ? { signal: this.options.signal } : {}),
      ...(this.options.writeGate ? { writeGate: this.options.writeGate } : {}),
    });
    const clock = this.options.clock ?? systemClock;
    const profiles = new CachedFargateProfileStore(new SdkFargateProfileStore(clients.eks), { ttlMs: this.options.profileTtlMs ?? 0, clock });
    const roles = new SdkIamRoleStore(clients.iam);
    const services: AwsServices = {
      clients,
      // Only the roles the operator tagged are kept from the account's: any other is read on its own.
      iamRoles: this.roleSnapshots
        ? new AccountSnapshotIamRoleStore(roles, () => roles.accountRoles((tags) => TAG_CLUSTER in tags), this.roleSnapshots)
        : this.staggeredReads
          ? new StaggeredIamRoleStore(roles, this.staggeredReads)
          : roles,
      oidcProviders: new SdkOidcProviderStore(clients.iam),
      eksClusters: new SdkEksClusterReader(clients.eks),
      accountNetwork: new SdkAccountNetworkReader(clients.sts, clients.ec2),
      ec2Network: new CachedEc2NetworkReader(new SdkEc2NetworkReader(clients.ec2), { ttlMs: this.options.networkTtlMs ?? 0, clock }),
      profiles,
      lanedProfiles: new LanedProfileOperations(this.options.profileLane, profiles, this.options.wake),
    };
    this.byRegion.set(region, services);
    return services;
  }

  /** Retires the region's clients (once per set): new ones are made on the next get. */
  private refresh(region: string, services: AwsServices): void {
    if (this.byRegion.get(region) !== services) return;
    this.byRegion.delete(region);
    this.refreshes.set(region, (this.refreshes.get(region) ?? 0) + 1);
    const timer = setTimeout(() => {
      this.retired.delete(timer);
      services.clients.destroy();
    }, RETIRED_CLIENTS_CLOSE_MS);
    timer.unref();
    this.retired.set(timer, services);
  }

  /** Closes every client's connection pool. */
  destroy(): void {
    for (const services of this.byRegion.values()) services.clients.destroy();
    this.byRegion.clear();
    for (const [timer, services] of this.retired) {
      clearTimeout(timer);
      services.clients.destroy();
    }
    this.retired.clear();
  }
}
