/** The execution role's logging policy covers every log group the Fargate log router writes. */
import type { IamPolicyDocument } from '../../src/plan/iam-role.js';
import { planFargateLogging } from '../../src/plan/fargate-logging.js';
import { planPodExecutionRole } from '../../src/plan/pod-execution-role.js';
import { ACCOUNT, FACTS, makeCluster } from './plan-fixtures.js';

function resources(policy: IamPolicyDocument | undefined): unknown {
  const statements = (policy as { Statement: { Resource: unknown }[] } | undefined)?.Statement ?? [];
  return statements.flatMap((statement) => statement.Resource);
}

describe('pod execution role logging policy', () => {
  it('names each log group of the logging plan, the group and its streams, the log router process group included', () => {
    const cluster = makeCluster({ logging: { cloudWatch: { logGroupName: '/eks/prod/fargate' } } });
    const groups = planFargateLogging(cluster, FACTS)?.logGroupNames ?? [];
    expect(groups).toEqual(['/eks/prod/fargate', 'prod-fluent-bit-logs']);
    const expected = groups.flatMap((group) => {
      const arn = `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:${group}`;
      return [arn, `${arn}:*`];
    });
    expect(resources(planPodExecutionRole(cluster, FACTS).inlinePolicy)).toEqual(expected);
  });

  it('has no logging policy when logging is off, so the converge removes it', () => {
    expect(planPodExecutionRole(makeCluster({}), FACTS).inlinePolicy).toBeUndefined();
  });
});
