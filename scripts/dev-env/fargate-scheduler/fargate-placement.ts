/**
 * What EKS decides for a pod on Fargate, as pure rules, for the local Fargate scheduler stand-in
 * (issue 12, item 4; the loop that watches pods and binds them comes with the simulated nodes).
 * Each rule names the AWS documentation it follows.
 *
 * - Which profile: an ACTIVE profile with a selector whose namespace and every label match the
 *   pod, wildcards `*` and `?` allowed (EKS user guide, "Define which Pods use AWS Fargate when
 *   launched": profile selectors and wildcards). A pod labelled `eks.amazonaws.com/fargate-profile`
 *   uses that profile only, and must still match one of its selectors (same page). Among several
 *   matches EKS picks one at random; the stand-in picks the first by name, so that tests are
 *   deterministic. No match: the pod stays Pending.
 * - What is provisioned: the smallest vCPU/memory combination Fargate offers that holds the pod's
 *   requests plus the 256 MB Fargate adds for Kubernetes components, written in the
 *   `CapacityProvisioned` annotation, e.g. `0.25vCPU 0.5GB` (EKS user guide, "Fargate Pod
 *   configuration"); the operator's own sizing (src/api/sizing.ts) implements that table.
 * - The node: one per pod, named `fargate-ip-<ip>.<region>.compute.internal`
 *   (`ec2.internal` in us-east-1, as EC2's private DNS names are), labelled
 *   `eks.amazonaws.com/compute-type: fargate`, in the zone of one of the profile's subnets, and
 *   tainted so that nothing else schedules there (EKS user guide, "AWS Fargate considerations").
 */
import { EKS_FARGATE_PROFILE_LABEL } from '../../../src/api/constants.js';
import { sizeFargatePod } from '../../../src/api/sizing.js';
import type { PodSpec } from '../../../src/api/types.js';
import { selectorMatches } from '../../../src/plan/profile-selector.js';

/** A Fargate profile as the stand-in reads it from EKS. */
export interface ProfileView {
  name: string;
  status: string;
  selectors: { namespace: string; labels: Record<string, string> }[];
  subnets: string[];
  /** Its ARN (unique to this profile, unlike its name): a profile deleted and made again has another. */
  arn?: string;
}

/** The pod facts the decision reads. */
export interface PodView {
  namespace: string;
  labels: Record<string, string>;
}

/** The profile a pod runs with, or why it has none (the reason goes into a Pending pod's event). */
export type ProfileChoice = { profile: ProfileView } | { none: string };

/** Chooses the profile of a pending pod among the cluster's profiles (see the module comment). */
export function profileForPod(pod: PodView, profiles: readonly ProfileView[]): ProfileChoice {
  const matches = (profile: ProfileView) => profile.selectors.some((selector) => selectorMatches(selector, pod.namespace, pod.labels));
  const named = pod.labels[EKS_FARGATE_PROFILE_LABEL];
  if (named !== undefined) {
    const profile = profiles.find((candidate) => candidate.name === named);
    if (!profile) return { none: `the pod names Fargate profile ${named} (label ${EKS_FARGATE_PROFILE_LABEL}), which does not exist` };
    if (profile.status !== 'ACTIVE') return { none: `the pod names Fargate profile ${named}, which is ${profile.status}` };
    if (!matches(profile)) return { none: `the pod names Fargate profile ${named}, but matches none of its selectors` };
    return { profile };
  }
  const active = profiles.filter((profile) => profile.status === 'ACTIVE' && matches(profile)).sort((a, b) => a.name.localeCompare(b.name));
  if (active[0]) return { profile: active[0] };
  const waiting = profiles.filter((profile) => profile.status !== 'ACTIVE' && matches(profile)).map((profile) => `${profile.name} (${profile.status})`);
  return { none: waiting.length > 0 ? `no ACTIVE Fargate profile matches the pod; matching but not ACTIVE: ${waiting.join(', ')}` : `no Fargate profile matches namespace ${pod.namespace} and the pod's labels` };
}

/** The `CapacityProvisioned` annotation value for a pod, e.g. `0.25vCPU 0.5GB`; undefined when Fargate cannot size it. */
export function capacityProvisioned(spec: PodSpec): string | undefined {
  const size = sizeFargatePod(spec);
  return size.ok ? `${size.size.vcpu}vCPU ${size.size.memoryGB}GB` : undefined;
}

/** The node name EKS gives a Fargate pod's node for a private IP in a region. */
export function fargateNodeName(privateIp: string, region: string): string {
  const domain = region === 'us-east-1' ? 'ec2.internal' : `${region}.compute.internal`;
  return `fargate-ip-${privateIp.replace(/\./g, '-')}.${domain}`;
}

/** The private IP a Fargate node's name carries (see {@link fargateNodeName}); undefined for another name. */
export function privateIpOfNodeName(nodeName: string): string | undefined {
  const match = /^fargate-ip-(\d+)-(\d+)-(\d+)-(\d+)\./.exec(nodeName);
  return match ? match.slice(1, 5).join('.') : undefined;
}

/**
 * The first free private IP of an IPv4 subnet for a new Fargate pod, skipping the first four and
 * the last address, which AWS reserves in every subnet (VPC user guide, "Subnet CIDR blocks");
 * undefined when the subnet is full.
 */
export function freePrivateIp(cidr: string, taken: ReadonlySet<string>): string | undefined {
  const [address = '', bitsText = ''] = cidr.split('/');
  const bits = Number(bitsText);
  const octets = address.split('.').map(Number);
  if (octets.length !== 4 || octets.some((octet) => !Number.isInteger(octet) || octet < 0 || octet > 255) || !Number.isInteger(bits) || bits < 16 || bits > 28) {
    throw new Error(`not an IPv4 subnet CIDR between /16 and /28: ${cidr}`);
  }
  const base = octets.reduce((value, octet) => value * 256 + octet, 0);
  const size = 2 ** (32 - bits);
  const network = base - (base % size);
  for (let host = 4; host < size - 1; host++) {
    const value = network + host;
    const ip = [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join('.');
    if (!taken.has(ip)) return ip;
  }
  return undefined;
}
