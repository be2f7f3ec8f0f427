import { slimForCache } from '../../src/kube/supervised-informer.js';

describe('slimForCache', () => {
  it("drops managedFields and kubectl's last-applied copy, and keeps every other field", () => {
    const object = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: 'web',
        annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"big":"copy"}', 'fargate.eksops.dev/applied-hash': 'abc' },
        managedFields: [{ manager: 'kubectl', operation: 'Apply' }],
        labels: { app: 'web' },
      },
      spec: { replicas: 2 },
    };
    slimForCache(object);
    expect(object).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', annotations: { 'fargate.eksops.dev/applied-hash': 'abc' }, labels: { app: 'web' } }, spec: { replicas: 2 } });
  });

  it('removes an annotations map left empty', () => {
    const object = { metadata: { name: 'web', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}' } } };
    slimForCache(object);
    expect(object).toEqual({ metadata: { name: 'web' } });
  });
});
