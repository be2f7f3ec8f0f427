/**
 * The read-only ports `diff` reads the live state through: the Kubernetes API (GET and LIST only)
 * and the operator's own AWS readers. Their clients refuse every write at the client
 * (src/controller/write-gate.ts), so a bug here fails loudly instead of changing anything.
 */
import type { KubeConfig, KubernetesListObject, KubernetesObject, KubernetesObjectApi } from '@kubernetes/client-node';
import { API_GROUP_VERSION, KIND_CLUSTER, KIND_WORKLOAD, LABEL_MANAGED_BY, MANAGED_BY_VALUE } from '../api/constants.js';
import type { FargateCluster, FargateWorkload } from '../api/types.js';
import { ProfileLane } from '../aws/profile-lane.js';
import { refusingWriteGate } from '../controller/write-gate.js';
import { makeKubeObjectsClient } from '../kube/api-clients.js';
import { describeKubeError } from '../kube/api-error.js';
import { readObject } from '../kube/server-side-apply.js';
import { AwsServicesByRegion } from '../operator/aws-services.js';
import type { AwsServices } from '../operator/operator-context.js';
import { CHILD_KINDS, controllerUid, isKindNotServed } from '../operator/workload/child-state.js';
import type { ObservedChildren } from '../operator/workload/children-part.js';

/** Sent as User-Agent: the API server's audit log tells diff's requests apart. */
export const DIFF_USER_AGENT = 'eks-fargate-operator-diff';

/** The Kubernetes reads of `diff`. */
export interface LiveKubeReader {
  clusters(): Promise<FargateCluster[]>;
  /** Every FargateWorkload, all namespaces (who else uses a profile). */
  workloads(): Promise<FargateWorkload[]>;
  /** The live object, or undefined when it does not exist. */
  read(ref: { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } }): Promise<KubernetesObject | undefined>;
  /** The children of every kind in `namespace` controlled by `uid`, and the kinds not served. */
  ownedChildren(namespace: string, uid: string): Promise<ObservedChildren>;
}

/** The AWS reads of `diff`: the operator's own readers (no profile lane is used). */
export type LiveAwsReader = Pick<AwsServices, 'iamRoles' | 'profiles' | 'eksClusters' | 'accountNetwork' | 'oidcProviders' | 'ec2Network'>;

/** A live read that failed, named: `listing FargateClusters: HTTP 404 NotFound: ...`. */
export class LiveReadError extends Error {
  override readonly name = 'LiveReadError';

  constructor(what: string, cause: unknown) {
    super(`${what}: ${describeKubeError(cause)}`, { cause });
  }
}

async function reading<T>(what: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    throw new LiveReadError(what, error);
  }
}

/** {@link LiveKubeReader} on the API server. */
export class ApiServerReader implements LiveKubeReader {
  constructor(private readonly objects: KubernetesObjectApi) {}

  async clusters(): Promise<FargateCluster[]> {
    const list = await reading('listing FargateClusters (is the CRD installed?)', () => this.objects.list(API_GROUP_VERSION, KIND_CLUSTER));
    return list.items as unknown as FargateCluster[];
  }

  async workloads(): Promise<FargateWorkload[]> {
    const list = await reading('listing FargateWorkloads in every namespace', () => this.objects.list(API_GROUP_VERSION, KIND_WORKLOAD));
    return list.items as unknown as FargateWorkload[];
  }

  read(ref: { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } }): Promise<KubernetesObject | undefined> {
    return readObject(this.objects, ref);
  }

  async ownedChildren(namespace: string, uid: string): Promise<ObservedChildren> {
    const observed: ObservedChildren = { children: [], unservedKinds: new Set() };
    for (const child of CHILD_KINDS) {
      let list: KubernetesListObject<KubernetesObject>;
      try {
        list = await this.objects.list(child.apiVersion, child.kind, namespace, undefined, undefined, undefined, undefined, `${LABEL_MANAGED_BY}=${MANAGED_BY_VALUE}`);
      } catch (error) {
        if (!isKindNotServed(error)) throw error;
        observed.unservedKinds.add(child.kind);
        continue;
      }
      for (const item of list.items) if (controllerUid(item) === uid) observed.children.push({ ...item, apiVersion: child.apiVersion, kind: child.kind });
    }
    return observed;
  }
}

const READ_ONLY = refusingWriteGate(() => 'diff is read-only');

/** The Kubernetes reader of a kubeconfig: its own User-Agent, every write refused before it is sent. */
export function apiServerReader(kubeConfig: KubeConfig): ApiServerReader {
  return new ApiServerReader(makeKubeObjectsClient(kubeConfig, { userAgent: DIFF_USER_AGENT, writeGate: READ_ONLY, keepAlive: false }));
}

/** The operator's AWS services per region, with every write refused before it is sent. */
export function readOnlyAwsServices(endpoint: string | undefined): AwsServicesByRegion {
  return new AwsServicesByRegion({
    ...(endpoint ? { endpoint } : {}),
    sinks: [],
    profileLane: new ProfileLane(),
    wake: () => undefined,
    writeGate: READ_ONLY,
  });
}
