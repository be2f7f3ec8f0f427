/** The EKS Fargate rules of the local Fargate scheduler stand-in (scripts/dev-env/fargate-scheduler). */
import { capacityProvisioned, fargateNodeName, freePrivateIp, privateIpOfNodeName, profileForPod, type ProfileView } from '../../scripts/dev-env/fargate-scheduler/fargate-placement.js';

const profile = (name: string, status: string, namespace: string, labels: Record<string, string> = {}): ProfileView => ({ name, status, selectors: [{ namespace, labels }], subnets: ['subnet-1'] });

describe('profileForPod', () => {
  const shared = profile('fw-shared-1a2b', 'ACTIVE', '*', { 'fargate.eksops.dev/profile': 'fw-shared-1a2b' });
  const platform = profile('platform', 'ACTIVE', 'shop');
  const pod = { namespace: 'shop', labels: { app: 'web', 'fargate.eksops.dev/profile': 'fw-shared-1a2b' } };

  it('takes an ACTIVE profile whose selector matches namespace and labels, wildcards included', () => {
    expect(profileForPod(pod, [shared])).toEqual({ profile: shared });
    expect(profileForPod({ ...pod, labels: { app: 'web' } }, [shared])).toEqual({ none: "no Fargate profile matches namespace shop and the pod's labels" });
    expect(profileForPod(pod, [profile('sh?p-only', 'ACTIVE', 'sh?p')])).toMatchObject({ profile: { name: 'sh?p-only' } });
  });

  it('among several matches takes the first by name (EKS picks at random), unless the pod names its profile', () => {
    expect(profileForPod(pod, [shared, platform])).toEqual({ profile: shared });
    expect(profileForPod({ ...pod, labels: { ...pod.labels, 'eks.amazonaws.com/fargate-profile': 'platform' } }, [shared, platform])).toEqual({ profile: platform });
  });

  it('a named profile must exist, be ACTIVE and match the pod', () => {
    const naming = (name: string) => ({ ...pod, labels: { ...pod.labels, 'eks.amazonaws.com/fargate-profile': name } });
    expect(profileForPod(naming('gone'), [shared])).toEqual({ none: expect.stringContaining('gone') });
    expect(profileForPod(naming('fw-shared-1a2b'), [{ ...shared, status: 'CREATING' }])).toEqual({ none: expect.stringContaining('which is CREATING') });
    expect(profileForPod(naming('other'), [profile('other', 'ACTIVE', 'payments')])).toEqual({ none: expect.stringContaining('matches none of its selectors') });
  });

  it('a pod whose only matching profile is not ACTIVE stays Pending, and says which one it waits for', () => {
    expect(profileForPod(pod, [{ ...shared, status: 'CREATING' }])).toEqual({ none: 'no ACTIVE Fargate profile matches the pod; matching but not ACTIVE: fw-shared-1a2b (CREATING)' });
  });
});

describe('what Fargate provisions, and the node', () => {
  it('writes the vCPU/memory combination Fargate provisions, 256 MB of overhead included', () => {
    const container = (cpu: string, memory: string) => ({ name: 'app', image: 'nginx', resources: { requests: { cpu, memory } } });
    expect(capacityProvisioned({ containers: [container('250m', '256Mi')] })).toBe('0.25vCPU 0.5GB');
    expect(capacityProvisioned({ containers: [container('250m', '512Mi')] })).toBe('0.25vCPU 1GB');
    expect(capacityProvisioned({ containers: [container('1', '2Gi')] })).toBe('1vCPU 3GB');
    expect(capacityProvisioned({ containers: [container('64', '1Gi')] })).toBeUndefined();
  });

  it('names the node after the pod IP, with EC2 private DNS domains', () => {
    expect(fargateNodeName('10.0.1.23', 'us-east-1')).toBe('fargate-ip-10-0-1-23.ec2.internal');
    expect(fargateNodeName('192.168.4.7', 'eu-west-1')).toBe('fargate-ip-192-168-4-7.eu-west-1.compute.internal');
  });

  it('reads the IP back from a Fargate node name, and nothing from another name', () => {
    expect(privateIpOfNodeName('fargate-ip-10-0-1-23.ec2.internal')).toBe('10.0.1.23');
    expect(privateIpOfNodeName('ip-10-0-1-23.ec2.internal')).toBeUndefined();
  });
});

describe('freePrivateIp', () => {
  it('gives the first address after the four AWS reserves, then the next free one', () => {
    expect(freePrivateIp('10.0.1.0/24', new Set())).toBe('10.0.1.4');
    expect(freePrivateIp('10.0.1.0/24', new Set(['10.0.1.4', '10.0.1.6']))).toBe('10.0.1.5');
    expect(freePrivateIp('10.0.1.17/24', new Set())).toBe('10.0.1.4');
    expect(freePrivateIp('10.1.0.0/16', new Set(Array.from({ length: 252 }, (_, i) => `10.1.0.${i + 4}`)))).toBe('10.1.1.0');
  });

  it('keeps the last address (broadcast, reserved) and says when the subnet is full', () => {
    const taken = new Set(Array.from({ length: 10 }, (_, i) => `10.0.0.${i + 4}`));
    expect(freePrivateIp('10.0.0.0/28', taken)).toBe('10.0.0.14');
    taken.add('10.0.0.14');
    expect(freePrivateIp('10.0.0.0/28', taken)).toBeUndefined();
  });

  it('refuses what is not an IPv4 subnet AWS allows', () => {
    expect(() => freePrivateIp('10.0.0.0/8', new Set())).toThrow('not an IPv4 subnet CIDR between /16 and /28: 10.0.0.0/8');
    expect(() => freePrivateIp('2600::/64', new Set())).toThrow(/not an IPv4 subnet/);
  });
});
