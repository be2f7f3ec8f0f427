/** The Fargate logging plan: the aws-observability Namespace and aws-logging ConfigMap, field by field. */
import { LABEL_INSTANCE, LABEL_MANAGED_BY } from '../../src/api/constants.js';
import { installedCrdSchema } from '../../src/api/crd-schemas.js';
import type { FargateCluster } from '../../src/api/types.js';
import {
  configMapDataLength,
  FARGATE_LOGGING_CONFIG_LIMIT,
  FargateLoggingConfigTooLongError,
  planFargateLogging,
} from '../../src/plan/fargate-logging.js';
import { FARGATE_LOGGING_ACTIONS, planPodExecutionRole } from '../../src/plan/pod-execution-role.js';
import { FACTS, makeCluster } from './plan-fixtures.js';

const UID = '5d0c2f5e-1b7a-4f3e-8c1d-2a9b7e6f4c30';

function loggingCluster(cloudWatch: { logGroupName: string; retentionDays?: number; logStreamPrefix?: string }): FargateCluster {
  const cluster = makeCluster({ logging: { cloudWatch } });
  return { ...cluster, metadata: { ...cluster.metadata, uid: UID } };
}

const OWNER = {
  apiVersion: 'fargate.eksops.dev/v1alpha1',
  kind: 'FargateCluster',
  name: 'prod',
  uid: UID,
  controller: true,
  blockOwnerDeletion: true,
};
const LABELS = { [LABEL_MANAGED_BY]: 'eks-fargate-operator', [LABEL_INSTANCE]: 'prod' };

describe('planFargateLogging', () => {
  it('is undefined without logging.cloudWatch', () => {
    expect(planFargateLogging(makeCluster(), FACTS)).toBeUndefined();
    expect(planFargateLogging(makeCluster({ logging: {} }), FACTS)).toBeUndefined();
  });

  it('plans the aws-observability namespace with the label EKS looks for, owned by the FargateCluster', () => {
    const plan = planFargateLogging(loggingCluster({ logGroupName: '/eks/prod/fargate' }), FACTS)!;
    expect(plan.namespace).toEqual({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'aws-observability', labels: { ...LABELS, 'aws-observability': 'enabled' }, ownerReferences: [OWNER] },
    });
  });

  it('plans the aws-logging ConfigMap: flb_log_cw and a cloudwatch_logs output with the defaults', () => {
    const plan = planFargateLogging(loggingCluster({ logGroupName: '/eks/prod/fargate' }), FACTS)!;
    expect(plan.configMap.apiVersion).toBe('v1');
    expect(plan.configMap.kind).toBe('ConfigMap');
    expect(plan.configMap.metadata).toEqual({ name: 'aws-logging', namespace: 'aws-observability', labels: LABELS, ownerReferences: [OWNER] });
    expect(Object.keys(plan.configMap.data).sort()).toEqual(['flb_log_cw', 'output.conf']);
    expect(plan.configMap.data['flb_log_cw']).toBe('true');
    expect(plan.configMap.data['output.conf']).toBe(
      [
        '[OUTPUT]',
        '    Name cloudwatch_logs',
        '    Match *',
        '    region us-east-1',
        '    log_group_name /eks/prod/fargate',
        '    log_stream_prefix fargate-',
        '    log_retention_days 30',
        '    auto_create_group true',
        '',
      ].join('\n'),
    );
  });

  it('takes the retention, the stream prefix and the region of the facts', () => {
    const plan = planFargateLogging(
      loggingCluster({ logGroupName: '/eks/eu/apps', retentionDays: 7, logStreamPrefix: 'pods-' }),
      { ...FACTS, region: 'eu-west-1' },
    )!;
    const output = plan.configMap.data['output.conf']!;
    expect(output).toContain('\n    region eu-west-1\n');
    expect(output).toContain('\n    log_group_name /eks/eu/apps\n');
    expect(output).toContain('\n    log_stream_prefix pods-\n');
    expect(output).toContain('\n    log_retention_days 7\n');
  });

  it('names the CloudWatch Logs actions of the execution role, the same list its planner uses', () => {
    const cluster = loggingCluster({ logGroupName: '/eks/prod/fargate' });
    const plan = planFargateLogging(cluster, FACTS)!;
    expect(plan.podExecutionRoleActions).toBe(FARGATE_LOGGING_ACTIONS);
    const statement = (planPodExecutionRole(cluster, FACTS).inlinePolicy?.Statement ?? [])[0] as { Action: string[] };
    expect(statement.Action).toEqual([...plan.podExecutionRoleActions]);
  });

  it('names both log groups the router writes: the configured one and <cluster>-fluent-bit-logs', () => {
    const plan = planFargateLogging(loggingCluster({ logGroupName: '/eks/prod/fargate' }), FACTS)!;
    expect(plan.logGroupNames).toEqual(['/eks/prod/fargate', 'prod-fluent-bit-logs']);
  });

  it('has an empty owner uid when planned offline', () => {
    const plan = planFargateLogging(makeCluster({ logging: { cloudWatch: { logGroupName: '/g' } } }), FACTS)!;
    expect(plan.namespace.metadata.ownerReferences[0]!.uid).toBe('');
  });

  it('stays within the 5300-character limit for the longest names the CRD accepts', () => {
    const cloudWatch = installedCrdSchema('FargateCluster').properties!.spec!.properties!.logging!.properties!.cloudWatch!.properties!;
    const longest = (field: string) => cloudWatch[field]!.maxLength!;
    expect([longest('logGroupName'), longest('logStreamPrefix')]).toEqual([512, 256]);
    const plan = planFargateLogging(loggingCluster({ logGroupName: 'g'.repeat(longest('logGroupName')), logStreamPrefix: 'p'.repeat(longest('logStreamPrefix')) }), FACTS)!;
    expect(configMapDataLength(plan.configMap.data)).toBeLessThanOrEqual(FARGATE_LOGGING_CONFIG_LIMIT);
  });

  it('refuses a configuration over 5300 characters, naming the limit and the length', () => {
    const cluster = loggingCluster({ logGroupName: 'g'.repeat(5300) });
    expect(() => planFargateLogging(cluster, FACTS)).toThrow(FargateLoggingConfigTooLongError);
    try {
      planFargateLogging(cluster, FACTS);
    } catch (err) {
      expect((err as FargateLoggingConfigTooLongError).message).toMatch(
        /^the aws-observability\/aws-logging ConfigMap would hold \d+ characters; EKS accepts at most 5300: /,
      );
      expect((err as FargateLoggingConfigTooLongError).length).toBeGreaterThan(5300);
    }
  });

  it('counts keys and values against the limit', () => {
    expect(configMapDataLength({ ab: 'cde', f: '' })).toBe(6);
  });
});
