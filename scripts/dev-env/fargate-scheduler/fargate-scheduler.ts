/**
 * The Fargate scheduler stand-in of the local environment: what EKS does for the pods of one EKS
 * cluster on Fargate, against that cluster's real Fargate profiles (fargate-placement.ts has the
 * rules and the AWS documentation each comes from).
 *
 * - A pending pod that no node holds and that an ACTIVE profile takes gets a node of its own (a
 *   KWOK node, so the pod becomes Running and Ready), labelled and tainted as a Fargate node,
 *   sized as Fargate would provision it, with a private IP of one of the profile's subnets and in
 *   that subnet's zone; the pod is bound to it and annotated `CapacityProvisioned`.
 * - A pod that no ACTIVE profile takes stays Pending, with one event saying why.
 * - Deleting a profile deletes the pods scheduled with it (EKS user guide, "Delete a Fargate
 *   profile": "any Pods that were scheduled onto Fargate with the profile are deleted"): a pod on a
 *   node of a profile that is DELETING, gone, or made again since (another ARN) is deleted, and its
 *   controller makes a new one.
 * - A node goes away with its pod; a stopped stand-in removes the nodes it made.
 *
 * Pods and nodes are read from watches (SupervisedInformer). Profiles are read every `resyncMs`;
 * a pod event between two reads is handled with the last profiles read. Each stand-in serves one
 * EKS cluster, as EKS does, and labels its nodes with it: stand-ins of two clusters sharing an API
 * server leave each other's nodes alone (each may report, once, that it cannot place the other's
 * pods; a pod that profiles of both clusters take goes to whichever binds it first).
 *
 * Known difference from EKS: EKS decides when a pod is created whether Fargate runs it (its
 * admission webhook sets `schedulerName: fargate-scheduler`); a pod created while no ACTIVE
 * profile takes it stays Pending even after one does, until it is made again. The stand-in places
 * such a pod once a profile takes it.
 */
import { CoreV1Api, type KubeConfig, type V1Node, type V1Pod } from '@kubernetes/client-node';
import { EKS_FARGATE_PROFILE_LABEL } from '../../../src/api/constants.js';
import type { PodSpec } from '../../../src/api/types.js';
import { apiStatusCode, describeKubeError } from '../../../src/kube/api-error.js';
import { keyOfObject } from '../../../src/kube/object-key.js';
import { SupervisedInformer } from '../../../src/kube/supervised-informer.js';
import { createLogger, type Logger } from '../../../src/observability/logger.js';
import { SIMULATED_NODE_ANNOTATION } from '../control-plane.js';
import type { SubnetPlace } from './eks-sources.js';
import { capacityProvisioned, fargateNodeName, freePrivateIp, privateIpOfNodeName, profileForPod, type ProfileView } from './fargate-placement.js';

/** The annotation EKS writes on a Fargate pod with what was provisioned for it. */
export const CAPACITY_PROVISIONED_ANNOTATION = 'CapacityProvisioned';
/** On each stand-in node: the uid of the pod it was made for, so that it goes with that pod. */
export const NODE_POD_UID_ANNOTATION = 'fargate.eksops.dev/pod-uid';
/** On each stand-in node: the pod it was made for, `namespace/name`. */
export const NODE_POD_ANNOTATION = 'fargate.eksops.dev/pod';
/** On each stand-in node: the ARN of the profile it runs its pod with. */
export const NODE_PROFILE_ARN_ANNOTATION = 'fargate.eksops.dev/profile-arn';
/** On each stand-in node: the EKS cluster whose stand-in made it. */
export const NODE_CLUSTER_LABEL = 'fargate.eksops.dev/eks-cluster';
const COMPUTE_TYPE = 'eks.amazonaws.com/compute-type';
const SOURCE = { component: 'fargate-scheduler' };

/** What the stand-in reads besides Kubernetes. */
export interface FargateSchedulerOptions {
  kubeConfig: KubeConfig;
  region: string;
  /** The EKS cluster whose pods this stand-in places. */
  clusterName: string;
  /** The EKS cluster's Fargate profiles (eksProfileSource, or a fixed list in a test). */
  profiles: () => Promise<ProfileView[]>;
  /** The zone and CIDR of a subnet (EC2 DescribeSubnets). */
  subnetOf: (subnetId: string) => Promise<SubnetPlace>;
  /** How often profiles are read again (pending pods retried, pods of deleted profiles removed); default 1000 ms. */
  resyncMs?: number;
  /** A pass that takes longer is given up (a hung call must not stop the stand-in); default 30 s. */
  passTimeoutMs?: number;
  logger?: Logger;
}

/** A running stand-in. */
export interface FargateScheduler {
  stop(): Promise<void>;
}

const isPendingUnbound = (pod: V1Pod): boolean => !pod.spec?.nodeName && pod.status?.phase === 'Pending' && !pod.metadata?.deletionTimestamp;

/** Starts the stand-in; resolves once its watches have listed pods and nodes. It runs until `stop`. */
export async function startFargateScheduler(options: FargateSchedulerOptions): Promise<FargateScheduler> {
  const logger = options.logger ?? createLogger({ silent: true });
  const core = options.kubeConfig.makeApiClient(CoreV1Api);
  const resyncMs = options.resyncMs ?? 1000;
  const passTimeoutMs = options.passTimeoutMs ?? 30_000;
  const pods = new SupervisedInformer<V1Pod>({ kubeConfig: options.kubeConfig, path: '/api/v1/pods', list: () => core.listPodForAllNamespaces(), logger });
  const nodeSelector = `${COMPUTE_TYPE}=fargate`;
  const nodes = new SupervisedInformer<V1Node>({ kubeConfig: options.kubeConfig, path: '/api/v1/nodes', labelSelector: nodeSelector, list: () => core.listNode({ labelSelector: nodeSelector }), logger });
  /** Pods bound by this stand-in that the watch does not show bound yet: uid -> node. */
  const binding = new Map<string, string>();
  /** Pods whose "cannot place" event was written (by uid), and pods deleted with their profile. */
  const reported = new Set<string>();
  const evicted = new Set<string>();
  /** Node names this stand-in created or found taken that its watch may not show yet. */
  const claimed = new Set<string>();
  let snapshot: { at: number; profiles: ProfileView[] } | undefined;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  /** A pass is due after the running one; `true` when it must read the profiles afresh. */
  let again: boolean | undefined;

  const event = (pod: V1Pod, reason: string, message: string, type: 'Normal' | 'Warning') =>
    core.createNamespacedEvent({
      namespace: pod.metadata?.namespace ?? '',
      body: {
        metadata: { generateName: `${pod.metadata?.name ?? 'pod'}.`, namespace: pod.metadata?.namespace ?? '' },
        involvedObject: { kind: 'Pod', apiVersion: 'v1', namespace: pod.metadata?.namespace ?? '', name: pod.metadata?.name ?? '', uid: pod.metadata?.uid ?? '' },
        reason,
        message,
        type,
        source: SOURCE,
        firstTimestamp: new Date(),
        lastTimestamp: new Date(),
        count: 1,
      },
    });

  /** The node for a pod: a free IP in one of the profile's subnets (spread by the pod's uid). */
  async function createNode(pod: V1Pod, profile: ProfileView, capacity: string): Promise<string> {
    const [vcpu = '0.25', memory = '0.5'] = capacity.replace(/vCPU|GB/g, '').split(' ');
    const resources = { cpu: vcpu, memory: `${Math.round(Number(memory) * 1024)}Mi`, pods: '1' };
    const uid = pod.metadata?.uid ?? '';
    const start = [...uid].reduce((sum, char) => sum + char.charCodeAt(0), 0);
    for (let attempt = 0; attempt < profile.subnets.length * 3; attempt++) {
      const subnet = profile.subnets[(start + attempt) % profile.subnets.length] ?? '';
      const place = await options.subnetOf(subnet);
      for (const name of claimed) if (nodes.get(name)) claimed.delete(name);
      const taken = new Set([...nodes.keys(), ...claimed].flatMap((name) => privateIpOfNodeName(name) ?? []));
      const ip = freePrivateIp(place.cidr, taken);
      if (!ip) continue;
      const name = fargateNodeName(ip, options.region);
      try {
        await core.createNode({
          body: {
            metadata: {
              name,
              annotations: {
                [SIMULATED_NODE_ANNOTATION.key]: SIMULATED_NODE_ANNOTATION.value,
                [NODE_POD_ANNOTATION]: keyOfObject(pod),
                [NODE_POD_UID_ANNOTATION]: uid,
                ...(profile.arn ? { [NODE_PROFILE_ARN_ANNOTATION]: profile.arn } : {}),
              },
              labels: {
                [COMPUTE_TYPE]: 'fargate',
                [EKS_FARGATE_PROFILE_LABEL]: profile.name,
                [NODE_CLUSTER_LABEL]: options.clusterName,
                'kubernetes.io/hostname': name,
                'topology.kubernetes.io/region': options.region,
                'topology.kubernetes.io/zone': place.zone,
                type: 'kwok',
              },
            },
            spec: { taints: [{ key: COMPUTE_TYPE, value: 'fargate', effect: 'NoSchedule' }] },
            status: { capacity: resources, allocatable: resources, addresses: [{ type: 'InternalIP', address: ip }, { type: 'Hostname', address: name }] },
          },
        });
        claimed.add(name);
        return name;
      } catch (error) {
        // The name is taken (a node the watch does not show yet, or one not labelled as ours): try the next address.
        if (apiStatusCode(error) !== 409) throw error;
        claimed.add(name);
      }
    }
    throw new Error(`no free private IP in the subnets of Fargate profile ${profile.name}`);
  }

  async function place(pod: V1Pod, profiles: ProfileView[]): Promise<void> {
    const namespace = pod.metadata?.namespace ?? '';
    const name = pod.metadata?.name ?? '';
    const uid = pod.metadata?.uid ?? '';
    const choice = profileForPod({ namespace, labels: pod.metadata?.labels ?? {} }, profiles);
    if ('none' in choice) {
      if (reported.has(uid)) return;
      reported.add(uid);
      await event(pod, 'FailedScheduling', `Pod not supported on Fargate: ${choice.none}`, 'Warning');
      return;
    }
    const capacity = capacityProvisioned((pod.spec ?? { containers: [] }) as unknown as PodSpec);
    if (!capacity) {
      if (reported.has(uid)) return;
      reported.add(uid);
      await event(pod, 'FailedScheduling', 'Pod not supported on Fargate: its requests exceed the largest Fargate size (16 vCPU, 120 GB)', 'Warning');
      return;
    }
    const nodeName = await createNode(pod, choice.profile, capacity);
    binding.set(uid, nodeName);
    try {
      // EKS writes the annotation as it schedules the pod; a pod deleted meanwhile leaves its node to the cleanup below.
      const annotation = pod.metadata?.annotations
        ? { op: 'add', path: `/metadata/annotations/${CAPACITY_PROVISIONED_ANNOTATION}`, value: capacity }
        : { op: 'add', path: '/metadata/annotations', value: { [CAPACITY_PROVISIONED_ANNOTATION]: capacity } };
      await core.patchNamespacedPod({ name, namespace, body: [annotation] });
      await core.createNamespacedPodBinding({ name, namespace, body: { metadata: { name, namespace, uid }, target: { apiVersion: 'v1', kind: 'Node', name: nodeName } } });
      reported.delete(uid);
      logger.info('placed pod on Fargate', { pod: keyOfObject(pod), node: nodeName, profile: choice.profile.name, capacity });
    } catch (error) {
      binding.delete(uid);
      throw error;
    }
  }

  const ignoreNotFound = (error: unknown): void => {
    if (apiStatusCode(error) !== 404) throw error;
  };

  /** Why a pod on this node must go with its profile, or undefined while the profile it runs with is there. */
  function profileGone(node: V1Node, profiles: ProfileView[]): string | undefined {
    const name = node.metadata?.labels?.[EKS_FARGATE_PROFILE_LABEL] ?? '';
    const profile = profiles.find((candidate) => candidate.name === name);
    const arn = node.metadata?.annotations?.[NODE_PROFILE_ARN_ANNOTATION];
    if (!profile) return `Fargate profile ${name} is gone`;
    if (profile.status === 'DELETING') return `Fargate profile ${name} is being deleted`;
    if (arn && profile.arn && arn !== profile.arn) return `Fargate profile ${name} was deleted and made again`;
    return undefined;
  }

  /** Deletes the pods of nodes whose profile went, and the nodes whose pod is gone; one node's failure does not stop the others. */
  async function tidy(profiles: ProfileView[] | undefined): Promise<void> {
    for (const node of nodes.list()) {
      if (node.metadata?.labels?.[NODE_CLUSTER_LABEL] !== options.clusterName) continue;
      const nodeName = node.metadata?.name ?? '';
      const key = node.metadata?.annotations?.[NODE_POD_ANNOTATION] ?? '';
      const uid = node.metadata?.annotations?.[NODE_POD_UID_ANNOTATION] ?? '';
      const pod = pods.get(key);
      try {
        // Kept while its pod is bound to it, or being bound by this stand-in; otherwise its pod is gone or went elsewhere.
        const boundHere = pod?.metadata?.uid === uid && (pod.spec?.nodeName === nodeName || binding.get(uid) === nodeName);
        if (!pod || !boundHere) {
          await core.deleteNode({ name: nodeName }).catch(ignoreNotFound);
          continue;
        }
        const why = profiles ? profileGone(node, profiles) : undefined;
        if (!why || pod.metadata?.deletionTimestamp || evicted.has(uid)) continue;
        await core.deleteNamespacedPod({ name: pod.metadata?.name ?? '', namespace: pod.metadata?.namespace ?? '' }).catch(ignoreNotFound);
        evicted.add(uid);
        logger.info('deleted pod with its Fargate profile', { pod: key, why });
        await event(pod, 'FargateProfileDeleted', `${why}: the pod is deleted with it`, 'Warning').catch((error: unknown) => logger.warn('event not written', { pod: key, error: describeKubeError(error) }));
      } catch (error) {
        logger.warn('tidying Fargate node failed', { node: nodeName, error: describeKubeError(error) });
      }
    }
  }

  async function pass(readProfiles: boolean): Promise<void> {
    const read = readProfiles || !snapshot || Date.now() - snapshot.at >= resyncMs;
    let current = snapshot;
    if (read || !current) {
      try {
        current = snapshot = { at: Date.now(), profiles: await options.profiles() };
      } catch (error) {
        // Without the profiles nothing is placed or deleted; the next resync reads them again.
        logger.warn('reading Fargate profiles failed', { cluster: options.clusterName, error: describeKubeError(error) });
        await tidy(undefined);
        return;
      }
    }
    const { profiles } = current;
    const byUid = new Map(pods.list().map((pod) => [pod.metadata?.uid ?? '', pod]));
    for (const [uid, nodeName] of binding) {
      const pod = byUid.get(uid);
      if (!pod || pod.spec?.nodeName === nodeName) binding.delete(uid);
    }
    for (const listed of pods.list()) {
      // The pod as the watch shows it now: an earlier placement in this pass may have bound it.
      const pod = pods.get(keyOfObject(listed));
      if (!pod || !isPendingUnbound(pod) || binding.has(pod.metadata?.uid ?? '')) continue;
      await place(pod, profiles).catch((error: unknown) => logger.warn('placing pod failed', { pod: keyOfObject(pod), error: describeKubeError(error) }));
    }
    // Pods go with their profile only on profiles read in this pass (never on an old snapshot).
    await tidy(read ? profiles : undefined);
    const live = new Set(pods.list().map((pod) => pod.metadata?.uid ?? ''));
    for (const uid of reported) if (!live.has(uid)) reported.delete(uid);
    for (const uid of evicted) if (!live.has(uid)) evicted.delete(uid);
  }

  /** Runs a pass now, or right after the one in progress (passes never overlap; a resync's fresh read is never lost). */
  function run(readProfiles: boolean): void {
    if (stopped) return;
    if (running) {
      again = (again ?? false) || readProfiles;
      return;
    }
    let timeout: NodeJS.Timeout | undefined;
    const givenUp = new Promise<void>((_, reject) => {
      timeout = setTimeout(() => reject(new Error(`the pass took more than ${passTimeoutMs} ms (a call hung); giving it up`)), passTimeoutMs);
    });
    running = Promise.race([pass(readProfiles), givenUp])
      .catch((error: unknown) => void logger.warn('Fargate scheduler pass failed', { error: describeKubeError(error) }))
      .finally(() => {
        clearTimeout(timeout);
        running = undefined;
        if (again !== undefined) {
          const next = again;
          again = undefined;
          run(next);
        }
      });
  }

  const resync = (): void => {
    if (stopped) return;
    run(true);
    timer = setTimeout(resync, resyncMs);
  };

  // Passes start once both watches have listed: a pass on an empty node cache would pick taken IPs.
  await Promise.all([pods.start(), nodes.start()]);
  pods.onEvent((kind, pod) => {
    if (kind === 'delete' || isPendingUnbound(pod)) run(false);
  });
  resync();
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
      pods.stop();
      nodes.stop();
      // Its nodes go with it: no other stand-in tidies them (their pods, bound to no node, go to pod GC).
      const own = await core.listNode({ labelSelector: `${NODE_CLUSTER_LABEL}=${options.clusterName}` }).catch(() => ({ items: [] as V1Node[] }));
      for (const node of own.items) await core.deleteNode({ name: node.metadata?.name ?? '' }).catch(() => undefined);
    },
  };
}
