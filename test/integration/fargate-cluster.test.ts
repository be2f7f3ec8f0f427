import { startOperatorForTest, type OperatorUnderTest } from '../support/operator-under-test.js';

let under: OperatorUnderTest;
beforeAll(async () => {
  under = await startOperatorForTest();
});
afterAll(async () => {
  await under?.stop();
});

describe('operator process', () => {
  it('serves readiness and metrics once its caches are synced', async () => {
    const base = `http://127.0.0.1:${under.operator.healthPort}`;
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    expect(await (await fetch(`${base}/metrics`)).text()).toContain('eksfo_leader 1');
    expect(under.operator.isLeader()).toBe(true);
  });
});
