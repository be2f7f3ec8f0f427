/**
 * The Fargate scheduler stand-in of the local environment: what EKS does for a pod on Fargate,
 * against the cluster's real Fargate profiles (fargate-placement.ts has the rules and their
 * sources). Every pending pod that no node holds is looked at: one that an ACTIVE profile takes
 * gets a node of its own (a KWOK node, so the pod becomes Running and Ready), labelled and tainted
 * as a Fargate node, sized as Fargate would provision it, in the zone of one of the profile's
 * subnets; the pod is bound to it and annotated `CapacityProvisioned`. A pod that no profile takes
 * stays Pending, with an event saying why. A node goes away with its pod.
 */
import { CoreV1Api, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import type { PodSpec } from '../../../src/api/types.js';
import { SIMULATED_NODE_ANNOTATION } from '../control-plane.js';
import { capacityProvisioned, fargateNodeName, profileForPod, type ProfileView } from './fargate-placement.js';

/** The annotation EKS writes on a Fargate pod with what was provisioned for it. */
export const CAPACITY_PROVISIONED_ANNOTATION = 'CapacityProvisioned';
/** On each stand-in node: the pod it was made for (`namespace/name`), so it goes with the pod. */
export const NODE_POD_ANNOTATION = 'fargate.eksops.dev/pod';
const COMPUTE_TYPE = 'eks.amazonaws.com/compute-type';

/** What the stand-in reads besides Kubernetes. */
export interface FargateSchedulerOptions {
  kubeConfig: KubeConfig;
  region: string;
  /** The EKS cluster's Fargate profiles (DescribeFargateProfile, or a fixed list in a test). */
  profiles: () => Promise<ProfileView[]>;
  /** The availability zone of a subnet (EC2 DescribeSubnets). */
  zoneOf: (subnetId: string) => Promise<string>;
  /** How often pending pods are looked at again; default 250 ms. */
  intervalMs?: number;
}

/** A running stand-in. */
export interface FargateScheduler {
  stop(): Promise<void>;
}

/** `10.0.<a>.<b>` for the n-th node: the node name carries the pod's (made-up) private IP. */
function privateIp(n: number): string {
  return `10.0.${16 + Math.floor(n / 250)}.${(n % 250) + 4}`;
}

/** Starts the stand-in; it runs until `stop`. */
export function startFargateScheduler(options: FargateSchedulerOptions): FargateScheduler {
  const core = options.kubeConfig.makeApiClient(CoreV1Api);
  const reported = new Set<string>();
  let nodes = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();

  async function place(pod: V1Pod, profiles: ProfileView[]): Promise<void> {
    const namespace = pod.metadata?.namespace ?? '';
    const name = pod.metadata?.name ?? '';
    const key = `${namespace}/${name}`;
    const choice = profileForPod({ namespace, labels: pod.metadata?.labels ?? {} }, profiles);
    if ('none' in choice) {
      if (reported.has(key)) return;
      reported.add(key);
      await core.createNamespacedEvent({
        namespace,
        body: {
          metadata: { generateName: `${name}.`, namespace },
          involvedObject: { kind: 'Pod', namespace, name, uid: pod.metadata?.uid ?? '' },
          reason: 'FailedScheduling',
          message: `Pod not supported on Fargate: ${choice.none}`,
          type: 'Warning',
          source: { component: 'fargate-scheduler' },
          firstTimestamp: new Date(),
          lastTimestamp: new Date(),
          count: 1,
        },
      });
      return;
    }
    const capacity = capacityProvisioned((pod.spec ?? { containers: [] }) as unknown as PodSpec);
    if (!capacity) return;
    const [vcpu = '0.25', memory = '0.5'] = capacity.replace(/vCPU|GB/g, '').split(' ');
    const subnets = choice.profile.subnets;
    const zone = await options.zoneOf(subnets[nodes % subnets.length] ?? '');
    const ip = privateIp(nodes++);
    const nodeName = fargateNodeName(ip, options.region);
    const resources = { cpu: vcpu, memory: `${Math.round(Number(memory) * 1024)}Mi`, pods: '1' };
    await core.createNode({
      body: {
        metadata: {
          name: nodeName,
          annotations: { [SIMULATED_NODE_ANNOTATION.key]: SIMULATED_NODE_ANNOTATION.value, [NODE_POD_ANNOTATION]: key },
          labels: {
            [COMPUTE_TYPE]: 'fargate',
            'eks.amazonaws.com/fargate-profile': choice.profile.name,
            'kubernetes.io/hostname': nodeName,
            'topology.kubernetes.io/region': options.region,
            'topology.kubernetes.io/zone': zone,
            type: 'kwok',
          },
        },
        spec: { taints: [{ key: COMPUTE_TYPE, value: 'fargate', effect: 'NoSchedule' }] },
        status: { capacity: resources, allocatable: resources, addresses: [{ type: 'InternalIP', address: ip }] },
      },
    });
    await core.createNamespacedPodBinding({ name, namespace, body: { metadata: { name, namespace }, target: { apiVersion: 'v1', kind: 'Node', name: nodeName } } });
    await core.patchNamespacedPod(
      { name, namespace, body: [{ op: 'add', path: `/metadata/annotations`, value: { ...pod.metadata?.annotations, [CAPACITY_PROVISIONED_ANNOTATION]: capacity } }] },
    );
    reported.delete(key);
  }

  async function pass(): Promise<void> {
    const pending = await core.listPodForAllNamespaces({ fieldSelector: 'spec.nodeName=,status.phase=Pending' });
    const live = pending.items.filter((pod) => !pod.metadata?.deletionTimestamp);
    if (live.length > 0) {
      const profiles = await options.profiles();
      for (const pod of live) await place(pod, profiles).catch(() => undefined);
    }
    // A node goes with its pod.
    const ours = await core.listNode({ labelSelector: `${COMPUTE_TYPE}=fargate` });
    for (const node of ours.items) {
      const key = node.metadata?.annotations?.[NODE_POD_ANNOTATION];
      if (!key) continue;
      const [namespace = '', name = ''] = key.split('/');
      const exists = await core.readNamespacedPod({ name, namespace }).then(() => true, () => false);
      if (!exists) await core.deleteNode({ name: node.metadata?.name ?? '' }).catch(() => undefined);
    }
  }

  const loop = (): void => {
    if (stopped) return;
    running = pass()
      .catch(() => undefined)
      .finally(() => {
        if (!stopped) timer = setTimeout(loop, options.intervalMs ?? 250);
      });
  };
  loop();
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
