import {
  US_EAST_1_LINUX_X86_PRICES,
  capacityStatus,
  sizeFargatePod,
  type FargatePodSize,
  type SizeProblem,
} from '../../src/api/sizing.js';
import type { Container, PodSpec, Quantity } from '../../src/api/types.js';

type Res = Record<string, Quantity>;

function app(requests?: Res, limits?: Res, extra: Partial<Container> = {}): Container {
  return { name: 'c', image: 'x', resources: { ...(requests ? { requests } : {}), ...(limits ? { limits } : {}) }, ...extra };
}

function size(spec: PodSpec): FargatePodSize {
  const r = sizeFargatePod(spec);
  if (!r.ok) throw new Error(`expected a size, got ${JSON.stringify(r.problems)}`);
  return r.size;
}

function problems(spec: PodSpec): SizeProblem[] {
  const r = sizeFargatePod(spec);
  if (r.ok) throw new Error(`expected problems, got ${JSON.stringify(r.size)}`);
  return r.problems;
}

describe('sizeFargatePod: rounding to the AWS table', () => {
  // [case, cpu, memory, vcpu, memoryGB, hourlyCostUSD]
  it.each<[string, Quantity | undefined, Quantity | undefined, number, number, number]>([
    ['0.25 row, exact 0.5 GB (256Mi + 256Mi overhead)', '250m', '256Mi', 0.25, 0.5, 0.0123],
    ['0.25 row, 1 GB', '0.25', '768Mi', 0.25, 1, 0.0146],
    ['0.25 row top edge: 1.75 GiB + overhead = 2', '250m', '1792Mi', 0.25, 2, 0.019],
    ['past the 0.25 row: 1.8 GiB -> 2.05 -> 0.5 vCPU / 3 GB', '250m', '1.8Gi', 0.5, 3, 0.0336],
    ['0.25 vCPU with 3 GiB needs the 0.5 row (cheapest)', '250m', '3Gi', 0.5, 4, 0.038],
    ['design example: 500m + 1Gi -> 0.5 / 2', '500m', '1Gi', 0.5, 2, 0.0291],
    ['0.5 row bottom edge: 0.5 vCPU, 0.75 GiB -> 1 GB', '500m', '768Mi', 0.5, 1, 0.0247],
    ['0.5 row top edge: 3.75 GiB -> 4', '500m', '3840Mi', 0.5, 4, 0.038],
    ['past the 0.5 row: 3.8 GiB -> 1 vCPU / 5 GB', '500m', '3.8Gi', 1, 5, 0.0627],
    ['1 row bottom edge: 1 vCPU, no memory -> 2 GB', 1, undefined, 1, 2, 0.0494],
    ['1 row top edge: 7.75 GiB -> 8', '1', '7936Mi', 1, 8, 0.076],
    ['design example: 1 vCPU + 8 GiB -> 2 vCPU / 9 GB', '1', '8Gi', 2, 9, 0.121],
    ['2 row bottom edge: 1.5 vCPU -> 2 / 4', '1500m', '1Gi', 2, 4, 0.0987],
    ['2 row top edge: 15.75 GiB -> 16', '2', '16128Mi', 2, 16, 0.1521],
    ['past the 2 row: 2 vCPU + 16 GiB -> 4 / 17', '2', '16Gi', 4, 17, 0.2375],
    ['4 row bottom edge: 3 vCPU -> 4 / 8', '3', undefined, 4, 8, 0.1975],
    ['4 row top edge: 29.75 GiB -> 30', '4', '30464Mi', 4, 30, 0.2953],
    ['past the 4 row: 30 GiB -> 8 / 32', '4', '30Gi', 8, 32, 0.4661],
    ['8 row, 4 GB steps: 20 GiB -> 24', '5', '20Gi', 8, 24, 0.4305],
    ['8 row bottom edge: 4.5 vCPU -> 8 / 16', '4500m', undefined, 8, 16, 0.395],
    ['8 row top edge: 59.75 GiB -> 60', '8', '61184Mi', 8, 60, 0.5905],
    ['past the 8 row: 60 GiB -> 16 / 64', '8', '60Gi', 16, 64, 0.9322],
    ['16 row bottom edge: 9 vCPU -> 16 / 32', '9', undefined, 16, 32, 0.7899],
    ['16 row, 8 GB steps: 70 GiB -> 72', '16', '70Gi', 16, 72, 0.9677],
    ['16 row top edge: 119.75 GiB -> 120', '16', '122624Mi', 16, 120, 1.1811],
    ['decimal units: 1G = 0.93 GiB -> 0.25 / 2', '250m', '1G', 0.25, 2, 0.019],
  ])('%s', (_name, cpu, memory, vcpu, memoryGB, cost) => {
    const requests: Res = {};
    if (cpu !== undefined) requests.cpu = cpu;
    if (memory !== undefined) requests.memory = memory;
    const s = size({ containers: [app(requests)] });
    expect({ vcpu: s.vcpu, memoryGB: s.memoryGB, hourlyCostUSD: s.hourlyCostUSD }).toEqual({ vcpu, memoryGB, hourlyCostUSD: cost });
  });

  it('a pod with no requests gets 0.25 vCPU / 0.5 GB and 20 GiB storage', () => {
    expect(size({ containers: [{ name: 'c', image: 'nginx' }] })).toEqual({
      vcpu: 0.25,
      memoryGB: 0.5,
      ephemeralStorageGiB: 20,
      hourlyCostUSD: 0.0123,
      requested: { vcpu: 0, memoryGiB: 0, ephemeralStorageGiB: 0 },
    });
  });

  it('adds millicores across containers', () => {
    const s = size({ containers: [app({ cpu: '100m' }), app({ cpu: '150m' }), app({ cpu: '1m', memory: '1Mi' })] });
    expect(s.requested.vcpu).toBeCloseTo(0.251, 10);
    expect([s.vcpu, s.memoryGB]).toEqual([0.5, 1]);
  });

  it('uses the given prices to pick and cost the combination', () => {
    const s = sizeFargatePod({ containers: [app({ cpu: '500m', memory: '1Gi' })] }, { vcpuHourUSD: 1, gbHourUSD: 0.1 });
    expect(s.ok && [s.size.vcpu, s.size.memoryGB, s.size.hourlyCostUSD]).toEqual([0.5, 2, 0.7]);
  });

  it('defaults to us-east-1 Linux/x86 prices', () => {
    expect(US_EAST_1_LINUX_X86_PRICES).toEqual({ vcpuHourUSD: 0.04048, gbHourUSD: 0.004445 });
  });
});

describe('sizeFargatePod: init containers, sidecars and limits', () => {
  it('an init container larger than the apps decides the size', () => {
    const s = size({
      initContainers: [app({ cpu: '2', memory: '4Gi' }), app({ cpu: '1', memory: '1Gi' })],
      containers: [app({ cpu: '500m', memory: '1Gi' })],
    });
    expect(s.requested).toEqual({ vcpu: 2, memoryGiB: 4, ephemeralStorageGiB: 0 });
    expect([s.vcpu, s.memoryGB, s.hourlyCostUSD]).toEqual([2, 5, 0.1032]);
  });

  it('init containers smaller than the sum of the apps do not count', () => {
    const s = size({
      initContainers: [app({ cpu: '250m', memory: '512Mi' })],
      containers: [app({ cpu: '500m', memory: '1Gi' }), app({ cpu: '500m', memory: '1Gi' })],
    });
    expect(s.requested).toEqual({ vcpu: 1, memoryGiB: 2, ephemeralStorageGiB: 0 });
    expect([s.vcpu, s.memoryGB, s.hourlyCostUSD]).toEqual([1, 3, 0.0538]);
  });

  it('takes the maximum per resource: cpu from the init container, memory from the apps', () => {
    const s = size({
      initContainers: [app({ cpu: '2', memory: '256Mi' })],
      containers: [app({ cpu: '250m', memory: '6Gi' })],
    });
    expect(s.requested).toEqual({ vcpu: 2, memoryGiB: 6, ephemeralStorageGiB: 0 });
    expect([s.vcpu, s.memoryGB]).toEqual([2, 7]);
  });

  it('a sidecar (init container with restartPolicy Always) runs next to the apps', () => {
    const s = size({
      initContainers: [app({ cpu: '500m', memory: '1Gi' }, undefined, { restartPolicy: 'Always' })],
      containers: [app({ cpu: '500m', memory: '1Gi' })],
    });
    expect(s.requested).toEqual({ vcpu: 1, memoryGiB: 2, ephemeralStorageGiB: 0 });
    expect([s.vcpu, s.memoryGB]).toEqual([1, 3]);
  });

  it('a limit without a request stands in for the request', () => {
    const s = size({ containers: [app(undefined, { cpu: '1', memory: '2Gi' })] });
    expect(s.requested).toEqual({ vcpu: 1, memoryGiB: 2, ephemeralStorageGiB: 0 });
    expect([s.vcpu, s.memoryGB, s.hourlyCostUSD]).toEqual([1, 3, 0.0538]);
  });

  it('a request wins over a larger limit', () => {
    const s = size({ containers: [app({ cpu: '500m', memory: '1Gi' }, { cpu: '4', memory: '8Gi' })] });
    expect([s.vcpu, s.memoryGB]).toEqual([0.5, 2]);
  });

  it('ephemeral storage: 20 GiB included, larger requests rounded up to whole GiB', () => {
    expect(size({ containers: [app({ 'ephemeral-storage': '10Gi' })] }).ephemeralStorageGiB).toBe(20);
    const s = size({ containers: [app({ 'ephemeral-storage': '30Gi' }), app(undefined, { 'ephemeral-storage': '500Mi' })] });
    expect(s.requested.ephemeralStorageGiB).toBeCloseTo(30.48828125, 10);
    expect(s.ephemeralStorageGiB).toBe(31);
    expect(size({ containers: [app({ 'ephemeral-storage': '175Gi' })] }).ephemeralStorageGiB).toBe(175);
  });

  it('storage does not change the hourly cost (left out of the cost)', () => {
    expect(size({ containers: [app({ 'ephemeral-storage': '100Gi' })] }).hourlyCostUSD).toBe(0.0123);
  });
});

describe('sizeFargatePod: impossible sizes and bad quantities', () => {
  it('more than 16 vCPU across the apps', () => {
    expect(problems({ containers: [app({ cpu: '10' }), app({ cpu: '10' })] })).toEqual([
      { path: 'containers', message: expect.stringContaining("needs 20 vCPU, more than Fargate's maximum of 16 vCPU per pod") },
    ]);
  });

  it('16 vCPU exactly is fine, 16001m is not', () => {
    expect(size({ containers: [app({ cpu: '16' })] }).vcpu).toBe(16);
    expect(problems({ containers: [app({ cpu: '16001m' })] })[0]?.message).toMatch(/16\.001 vCPU/);
  });

  it('more than 120 GB memory after the overhead names the single container', () => {
    expect(problems({ containers: [app({ cpu: '16', memory: '120Gi' })] })).toEqual([
      {
        path: 'containers[0].resources.requests.memory',
        message: expect.stringContaining("needs 120.25 GB memory (120 GiB requested + 0.25 GiB Fargate overhead), more than Fargate's maximum of 120 GB"),
      },
    ]);
  });

  it('an impossible init container is named by its path', () => {
    expect(problems({ initContainers: [app({ cpu: '1' }), app({ cpu: '32' })], containers: [app({ cpu: '1' })] })).toEqual([
      { path: 'initContainers[1].resources.requests.cpu', message: expect.stringContaining('needs 32 vCPU') },
    ]);
  });

  it('more than 175 GiB ephemeral storage', () => {
    expect(problems({ containers: [app({ 'ephemeral-storage': '176Gi' })] })).toEqual([
      {
        path: 'containers[0].resources.requests.ephemeral-storage',
        message: expect.stringContaining("needs 176 GiB ephemeral storage, more than Fargate's maximum of 175 GiB per pod"),
      },
    ]);
  });

  it('reports every impossible resource at once', () => {
    const p = problems({ containers: [app({ cpu: '17', memory: '200Gi', 'ephemeral-storage': '200Gi' })] });
    expect(p.map((x) => x.path)).toEqual([
      'containers[0].resources.requests.cpu',
      'containers[0].resources.requests.memory',
      'containers[0].resources.requests.ephemeral-storage',
    ]);
  });

  it('bad quantity strings are problems at their exact path', () => {
    expect(
      problems({
        initContainers: [app(undefined, { memory: '1GB' })],
        containers: [app({ cpu: 'two' }), app({ cpu: '1' }, { 'ephemeral-storage': '-1Gi' })],
      }),
    ).toEqual([
      { path: 'initContainers[0].resources.limits.memory', message: expect.stringContaining('"1GB" is not a Kubernetes quantity') },
      { path: 'containers[0].resources.requests.cpu', message: expect.stringContaining('"two" is not a Kubernetes quantity') },
      { path: 'containers[1].resources.limits.ephemeral-storage', message: expect.stringContaining('negative') },
    ]);
  });

  it('a request above its limit is a problem', () => {
    expect(problems({ containers: [app({ memory: '2Gi' }, { memory: '1Gi' })] })).toEqual([
      { path: 'containers[0].resources.requests.memory', message: expect.stringContaining('request 2Gi is more than the limit 1Gi') },
    ]);
  });
});

describe('capacityStatus', () => {
  it('prints exact decimals and the cost with 4 decimals', () => {
    expect(capacityStatus(size({ containers: [app({ cpu: '500m', memory: '1Gi' })] }))).toEqual({
      vcpu: '0.5',
      memoryGB: '2',
      hourlyCostUSD: '0.0291',
    });
    expect(capacityStatus(size({ containers: [app({ cpu: '1', memory: '7936Mi' })] }))).toEqual({
      vcpu: '1',
      memoryGB: '8',
      hourlyCostUSD: '0.0760',
    });
    expect(capacityStatus(size({ containers: [{ name: 'c', image: 'nginx' }] }))).toEqual({ vcpu: '0.25', memoryGB: '0.5', hourlyCostUSD: '0.0123' });
  });
});
