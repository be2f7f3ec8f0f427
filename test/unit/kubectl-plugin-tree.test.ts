// `kubectl fargate status`: the tree model from recorded workload statuses and listed children, and its text.
import { describe, expect, it } from '@jest/globals';
import { painter } from '../../src/kubectl-plugin/text-style.js';
import { renderTrees } from '../../src/kubectl-plugin/tree-renderer.js';
import { childrenOf, workloadTree } from '../../src/kubectl-plugin/workload-tree.js';
import { childrenFor, NO_CHILDREN, podOf, recordedWorkload } from './kubectl-plugin-fixtures.js';

const plain = painter(false);
const ROLE = 'arn:aws:iam::123456789012:role/eksops/demo-shop-web-ba414bf2';

describe('the status tree', () => {
  it('of a Ready workload: profile, role, ServiceAccount, Deployment, each pod on its node, the Ingress hostname, and the hourly cost', () => {
    const workload = recordedWorkload('recorded-ready', { ingress: { port: 8080 } });
    workload.status = { ...workload.status, replicas: 2 };
    const pods = [podOf(workload, 'web-7d4b9-b2', 'fargate-ip-10-0-2-9.ec2.internal'), podOf(workload, 'web-7d4b9-a1', 'fargate-ip-10-0-1-5.ec2.internal')];
    const objects = childrenFor(workload, { ready: 2, desired: 2, pods, hostname: 'k8s-shop-web.elb.local' });
    const tree = workloadTree(workload, childrenOf(workload, objects));

    expect(tree).toMatchObject({
      namespace: 'shop',
      name: 'web',
      cluster: 'demo',
      health: { state: 'Ready', reason: 'Ready' },
      cost: { perPodHourlyUSD: 0.0146, pods: 2, hourlyUSD: 0.0292, monthlyUSD: 21.32, source: 'status' },
      fargateProfile: { name: 'rec-shared-95cfb18f', state: 'ACTIVE' },
      iamRole: { arn: ROLE },
      serviceAccount: { name: 'web', exists: true },
      deployment: { name: 'web', exists: true, readyReplicas: 2, desiredReplicas: 2 },
      ingress: { name: 'web', exists: true, hostname: 'k8s-shop-web.elb.local' },
    });
    expect(renderTrees([tree], plain)).toBe(
      [
        'FargateWorkload shop/web  Ready  $0.0292/h (2 pods × $0.0146)  cluster demo',
        '└─ FargateProfile rec-shared-95cfb18f  ACTIVE',
        `   └─ IAMRole ${ROLE}`,
        '      └─ ServiceAccount web',
        '         └─ Deployment web  2/2 ready',
        '            ├─ Pod web-7d4b9-a1  Running  on fargate-ip-10-0-1-5.ec2.internal',
        '            ├─ Pod web-7d4b9-b2  Running  on fargate-ip-10-0-2-9.ec2.internal',
        '            └─ Ingress web  k8s-shop-web.elb.local',
        '',
      ].join('\n'),
    );
  });

  it('of a workload waiting for its profile: the profile CREATING, the children not created yet, no pods to pay for', () => {
    const workload = recordedWorkload('recorded-progressing');
    const text = renderTrees([workloadTree(workload, childrenOf(workload, NO_CHILDREN))], plain);
    expect(text).toBe(
      [
        'FargateWorkload shop/web  Progressing (Creating)  $0.0000/h (0 pods × $0.0146)  cluster demo',
        '└─ FargateProfile rec-shared-95cfb18f  CREATING',
        `   └─ IAMRole ${ROLE}`,
        '      └─ ServiceAccount web  <not created>',
        '         └─ Deployment web  <not created>',
        '',
      ].join('\n'),
    );
  });

  it('of a Stalled workload: the reason on its line and nothing made; the cost sized from the template while the status has none; the only cluster', () => {
    const workload = recordedWorkload('recorded-stalled-invalid-spec');
    const tree = workloadTree(workload, childrenOf(workload, NO_CHILDREN));
    expect(tree.cost).toEqual({ perPodHourlyUSD: 0.0146, pods: 0, hourlyUSD: 0, monthlyUSD: 0, source: 'template' });
    expect(tree.cluster).toBeNull();
    // It stalled before its cluster was recorded: it runs on the only FargateCluster there is.
    const onTheOnlyCluster = workloadTree(workload, childrenOf(workload, NO_CHILDREN), ['demo']);
    expect(renderTrees([onTheOnlyCluster], plain).split('\n').slice(0, 3)).toEqual([
      'FargateWorkload shop/huge  Stalled (InvalidSpec)  $0.0000/h (0 pods × $0.0146)  cluster demo',
      '└─ FargateProfile <none yet>',
      '   └─ IAMRole <none yet>',
    ]);
  });

  it('picks only the workload\'s own children: same namespace, workload label and planned name', () => {
    const web = recordedWorkload('recorded-ready');
    const other = { ...web, metadata: { ...web.metadata, name: 'api' } };
    const objects = childrenFor(other, { ready: 1, desired: 1, pods: [podOf(other, 'api-1', 'fargate-ip-10-0-1-7.ec2.internal')] });
    expect(childrenOf(web, objects)).toEqual({ serviceAccount: undefined, deployment: undefined, pods: [], ingress: undefined });
    const elsewhere = { ...web, metadata: { ...web.metadata, namespace: 'other' } };
    expect(childrenOf(elsewhere, childrenFor(web, { ready: 1, desired: 1, pods: [] })).deployment).toBeUndefined();
  });

  it('shows a pending pod without a node, a pod being deleted as Terminating, and a Deployment short of replicas', () => {
    const workload = recordedWorkload('recorded-ready');
    const leaving = { ...podOf(workload, 'web-old', 'fargate-ip-10-0-1-5.ec2.internal'), metadata: { ...podOf(workload, 'web-old').metadata, deletionTimestamp: new Date() } };
    const objects = childrenFor(workload, { ready: 0, desired: 1, pods: [podOf(workload, 'web-new'), leaving] });
    const lines = renderTrees([workloadTree(workload, childrenOf(workload, objects))], plain).split('\n');
    expect(lines.slice(4, 7)).toEqual([
      '         └─ Deployment web  0/1 ready',
      '            ├─ Pod web-new  Pending  <no node>',
      '            └─ Pod web-old  Terminating  on fargate-ip-10-0-1-5.ec2.internal',
    ]);
  });

  it('colours states only when asked: Ready green, CREATING yellow, Stalled red', () => {
    const trees = ['recorded-ready', 'recorded-progressing', 'recorded-stalled-invalid-spec'].map((name) => {
      const workload = recordedWorkload(name);
      return workloadTree(workload, childrenOf(workload, NO_CHILDREN));
    });
    const coloured = renderTrees(trees, painter(true));
    expect(coloured).toContain('\x1b[32mReady\x1b[0m');
    expect(coloured).toContain('\x1b[33mCREATING\x1b[0m');
    expect(coloured).toContain('\x1b[31mStalled\x1b[0m');
    expect(renderTrees(trees, plain)).not.toContain('\x1b[');
  });
});
