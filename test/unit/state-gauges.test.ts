import { createMetrics, registerStateGauges, type LaneState, type ObjectState } from '../../src/observability/metrics.js';
import { ProfileLane } from '../../src/aws/profile-lane.js';
import { laneStates } from '../../src/observability/lane-states.js';

/** The samples of one metric in the registry's text, as `labels value` lines. */
async function samples(text: Promise<string>, name: string): Promise<string[]> {
  return (await text).split('\n').filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `)).map((line) => line.slice(name.length));
}

describe('the state gauges', () => {
  const now = 1_000_000;
  let objects: ObjectState[] = [];
  let lanes: LaneState[] = [];
  const metrics = createMetrics();
  registerStateGauges(metrics, { objects: () => objects, lanes: () => lanes, now: () => now });

  it('count objects by the status and reason of their Ready and Stalled conditions, as the caches hold them at the scrape', async () => {
    objects = [
      { kind: 'FargateWorkload', namespace: 'a', conditions: [{ type: 'Ready', status: 'True', reason: 'Ready' }, { type: 'Reconciling', status: 'False', reason: 'Done' }] },
      { kind: 'FargateWorkload', namespace: 'a', conditions: [{ type: 'Ready', status: 'False', reason: 'InvalidSpec' }, { type: 'Stalled', status: 'True', reason: 'InvalidSpec' }] },
      { kind: 'FargateWorkload', namespace: 'b', conditions: [{ type: 'Ready', status: 'True', reason: 'Ready' }] },
      { kind: 'FargateCluster', conditions: [] },
    ];
    expect(await samples(metrics.registry.metrics(), 'eksfo_objects')).toEqual([
      '{kind="FargateWorkload",condition="Ready",status="True",reason="Ready"} 2',
      '{kind="FargateWorkload",condition="Ready",status="False",reason="InvalidSpec"} 1',
      '{kind="FargateWorkload",condition="Stalled",status="True",reason="InvalidSpec"} 1',
      '{kind="FargateCluster",condition="Ready",status="Unknown",reason=""} 1',
    ]);
    // Read again at each scrape: an object gone from the cache is gone from the gauge.
    objects = objects.slice(2);
    expect(await samples(metrics.registry.metrics(), 'eksfo_objects')).toEqual([
      '{kind="FargateWorkload",condition="Ready",status="True",reason="Ready"} 1',
      '{kind="FargateCluster",condition="Ready",status="Unknown",reason=""} 1',
    ]);
  });

  it('sum the hourly cost by namespace', async () => {
    objects = [
      { kind: 'FargateWorkload', namespace: 'a', conditions: [], hourlyCostUSD: 0.1 },
      { kind: 'FargateWorkload', namespace: 'a', conditions: [], hourlyCostUSD: 0.05 },
      { kind: 'FargateWorkload', namespace: 'b', conditions: [], hourlyCostUSD: 0.2 },
      { kind: 'FargateWorkload', namespace: 'c', conditions: [] },
    ];
    const lines = await samples(metrics.registry.metrics(), 'eksfo_fargate_cost_usd_per_hour');
    expect(lines.map((line) => line.replace(/ ([\d.]+)$/, (_, n: string) => ` ${Number(n).toFixed(2)}`))).toEqual(['{namespace="a"} 0.15', '{namespace="b"} 0.20']);
  });

  it('report each cluster lane: waiters, the first one\'s wait, and how long its profile has been CREATING or DELETING', async () => {
    lanes = [
      { cluster: 'busy', inFlight: { status: 'CREATING', sinceMs: now - 120_000 }, waiting: 3, oldestWaitSinceMs: now - 45_000 },
      { cluster: 'calm', waiting: 0 },
    ];
    const text = metrics.registry.metrics();
    expect(await samples(text, 'eksfo_profile_lane_waiting')).toEqual(['{cluster="busy"} 3', '{cluster="calm"} 0']);
    expect(await samples(text, 'eksfo_profile_lane_wait_seconds')).toEqual(['{cluster="busy"} 45', '{cluster="calm"} 0']);
    expect(await samples(text, 'eksfo_profile_transition_seconds')).toEqual(['{cluster="busy",status="CREATING"} 120']);
  });
});

describe('laneStates', () => {
  it('reports a deleted FargateCluster\'s lane while it holds an operation or a waiter, then no more', () => {
    let now = 1_000;
    const lane = new ProfileLane({ now: () => now });
    lane.observe('kept', []);
    lane.observe('gone', []);
    expect(lane.requestCreate('gone', 'fw-a', 'shop/a').granted).toBe(true);
    expect(lane.requestCreate('gone', 'fw-b', 'shop/b').granted).toBe(false);
    const known = (cluster: string) => cluster === 'kept';
    expect(laneStates(lane, known)).toEqual([
      { cluster: 'kept', waiting: 0 },
      { cluster: 'gone', inFlight: { status: 'CREATING', sinceMs: 1_000 }, waiting: 1, oldestWaitSinceMs: 1_000 },
    ]);
    now = 2_000;
    lane.withdraw('gone', 'shop/b');
    lane.complete('gone', 'fw-a');
    expect(laneStates(lane, known)).toEqual([{ cluster: 'kept', waiting: 0 }]);
  });
});
