import {
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubernetesObjectApi,
  type KubernetesObject,
  type KubeConfig,
  type V1ConfigMap,
} from '@kubernetes/client-node';
import { API_GROUP, API_VERSION, FIELD_MANAGER, FINALIZER, KIND_WORKLOAD } from '../../src/api/constants.js';
import { ManualClock } from '../../src/controller/clock.js';
import { LeaderElector } from '../../src/controller/leader-election.js';
import { setKstatus } from '../../src/kube/conditions.js';
import { ensureFinalizer } from '../../src/kube/finalizers.js';
import { loadKubeConfig } from '../../src/kube/kube-config.js';
import { applyObject } from '../../src/kube/server-side-apply.js';
import { writeStatus } from '../../src/kube/status-writer.js';
import { SupervisedInformer, type InformerEvent, type RelistReason } from '../../src/kube/supervised-informer.js';
import { createLogger } from '../../src/observability/logger.js';
import { readTestEnvironment } from '../support/test-env.js';

const environment = readTestEnvironment();
const kubeConfig: KubeConfig = loadKubeConfig({ kubeconfig: environment.kubeconfigPath });
const objects = KubernetesObjectApi.makeApiClient(kubeConfig);
const core = kubeConfig.makeApiClient(CoreV1Api);
const custom = kubeConfig.makeApiClient(CustomObjectsApi);
const coordination = kubeConfig.makeApiClient(CoordinationV1Api);
const logger = createLogger({ silent: true });

/** Polls `condition` until it returns true or `timeoutMs` passes (then fails with `what`). */
async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

let namespace = '';
beforeAll(async () => {
  namespace = `runtime-${Date.now().toString(36)}`;
  await core.createNamespace({ body: { metadata: { name: namespace } } });
});

function configMap(name: string, data: Record<string, string>): V1ConfigMap {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data };
}

describe('server-side apply', () => {
  it('applies under the field manager with operation Apply, and a second identical apply writes nothing', async () => {
    const first = await applyObject(objects, configMap('ssa', { a: '1' }));
    const second = await applyObject(objects, configMap('ssa', { a: '1' }));
    expect(second.metadata?.resourceVersion).toBe(first.metadata?.resourceVersion);
    const read = await core.readNamespacedConfigMap({ name: 'ssa', namespace });
    const managers = (read.metadata?.managedFields ?? []).map((m) => ({ manager: m.manager, operation: m.operation }));
    expect(managers).toEqual([{ manager: FIELD_MANAGER, operation: 'Apply' }]);

    const changed = await applyObject(objects, configMap('ssa', { a: '2' }));
    expect(changed.metadata?.resourceVersion).not.toBe(first.metadata?.resourceVersion);
    expect((changed as V1ConfigMap).data).toEqual({ a: '2' });
  });
});

describe('finalizers', () => {
  it('adds and removes a finalizer through a conflicting update, keeping the other writer\'s change', async () => {
    await core.createNamespacedConfigMap({ namespace, body: configMap('fin', { a: '1' }) });
    // A real client whose first replace is preceded by another writer's update: the API server answers 409.
    let replaces = 0;
    let replaceRounds = 0;
    const racing = new Proxy(objects, {
      get(target, property, receiver) {
        if (property !== 'replace') return Reflect.get(target, property, receiver) as unknown;
        return async (...args: Parameters<KubernetesObjectApi['replace']>) => {
          if (replaces++ === 0) {
            const current = await core.readNamespacedConfigMap({ name: 'fin', namespace });
            await core.replaceNamespacedConfigMap({ name: 'fin', namespace, body: { ...current, data: { a: `other writer ${replaceRounds++}` } } });
          }
          return target.replace(...args);
        };
      },
    });
    const target = { apiVersion: 'v1', kind: 'ConfigMap', name: 'fin', namespace };
    const added = await ensureFinalizer(racing, target, FINALIZER, true);
    expect(replaces).toBe(2);
    // The update's answer: what a status write can be conditional on without reading again.
    expect(added?.metadata?.finalizers).toEqual([FINALIZER]);
    let read = await core.readNamespacedConfigMap({ name: 'fin', namespace });
    expect(read.metadata?.finalizers).toEqual([FINALIZER]);
    expect(read.data).toEqual({ a: 'other writer 0' });
    expect(added?.metadata?.resourceVersion).toBe(read.metadata?.resourceVersion);

    expect(await ensureFinalizer(objects, target, FINALIZER, true)).toBeUndefined();

    replaces = 0;
    expect((await ensureFinalizer(racing, target, FINALIZER, false))?.metadata?.finalizers ?? []).toEqual([]);
    expect(replaces).toBe(2);
    read = await core.readNamespacedConfigMap({ name: 'fin', namespace });
    expect(read.metadata?.finalizers ?? []).toEqual([]);
    expect(read.data).toEqual({ a: 'other writer 1' });
  });
});

describe('supervised informer', () => {
  it('sees create, update and delete, re-lists after a restart, and the watchdog restarts a silent watch', async () => {
    const relisted: RelistReason[] = [];
    const informer = new SupervisedInformer<V1ConfigMap>({
      kubeConfig,
      path: `/api/v1/namespaces/${namespace}/configmaps`,
      list: () => core.listNamespacedConfigMap({ namespace, labelSelector: 'informer-test=yes' }),
      labelSelector: 'informer-test=yes',
      logger,
      onRelist: (reason) => relisted.push(reason),
    });
    const seen: string[] = [];
    informer.onEvent((event: InformerEvent, object) => seen.push(`${event} ${object.metadata?.name} ${object.data?.v ?? ''}`));
    await informer.start();
    try {
      expect(informer.hasSynced()).toBe(true);
      const body = { ...configMap('watched', { v: '1' }), metadata: { name: 'watched', namespace, labels: { 'informer-test': 'yes' } } };
      await core.createNamespacedConfigMap({ namespace, body });
      await waitFor('add', () => seen.includes('add watched 1'));
      await core.patchNamespacedConfigMap({ name: 'watched', namespace, body: [{ op: 'replace', path: '/data/v', value: '2' }] });
      await waitFor('update', () => seen.includes('update watched 2'));
      expect(informer.get(`${namespace}/watched`)?.data?.v).toBe('2');

      // Stopped, it misses a change; restarted, the re-list reports it.
      const listsBefore = informer.listCount;
      informer.stop();
      await core.deleteNamespacedConfigMap({ name: 'watched', namespace });
      await core.createNamespacedConfigMap({ namespace, body: { ...body, metadata: { ...body.metadata, name: 'second' } } });
      await informer.start();
      informer.restart('test');
      await waitFor('re-list after restart', () => informer.listCount > listsBefore);
      await waitFor('delete and add seen', () => seen.includes('delete watched 2') && seen.includes('add second 1'));
      expect(informer.keys()).toEqual([`${namespace}/second`]);
      expect(relisted.length).toBeGreaterThan(0);
      expect(new Set(relisted)).toEqual(new Set(['restarted']));
    } finally {
      informer.stop();
    }

    // No events arrive in this selector: the watchdog must restart (and re-list) on its own.
    const quietRelisted: RelistReason[] = [];
    const quiet = new SupervisedInformer<V1ConfigMap>({
      kubeConfig,
      path: `/api/v1/namespaces/${namespace}/configmaps`,
      list: () => core.listNamespacedConfigMap({ namespace, labelSelector: 'nothing=here' }),
      labelSelector: 'nothing=here',
      stallThresholdMs: 300,
      logger,
      onRelist: (reason) => quietRelisted.push(reason),
    });
    await quiet.start();
    try {
      await waitFor('watchdog restarts', () => quiet.listCount >= 3);
      expect(quiet.isHealthy()).toBe(true);
      expect(new Set(quietRelisted)).toEqual(new Set(['stalled']));
    } finally {
      quiet.stop();
    }
  });
});

describe('leader election', () => {
  function elector(identity: string, clock?: ManualClock): { elector: LeaderElector; events: string[] } {
    const events: string[] = [];
    const instance = new LeaderElector({
      api: coordination,
      namespace,
      name: 'operator-lease',
      identity,
      leaseDurationSeconds: 15,
      onStartedLeading: () => events.push('started'),
      onStoppedLeading: () => events.push('stopped'),
      logger,
      clock,
    });
    return { elector: instance, events };
  }

  it('lets only one of two candidates lead, hands over on release, and lets a standby take an expired lease', async () => {
    const a = elector('a');
    const b = elector('b');
    const results = await Promise.all([a.elector.tryAcquireOrRenew(), b.elector.tryAcquireOrRenew()]);
    expect(results.filter(Boolean)).toHaveLength(1);
    const [leader, standby] = results[0] ? [a, b] : [b, a];
    expect(await leader.elector.tryAcquireOrRenew()).toBe(true);
    expect(await standby.elector.tryAcquireOrRenew()).toBe(false);
    expect([leader.events, standby.events]).toEqual([['started'], []]);

    await leader.elector.release();
    expect(leader.events).toEqual(['started', 'stopped']);
    expect(await standby.elector.tryAcquireOrRenew()).toBe(true);
    let lease = await coordination.readNamespacedLease({ name: 'operator-lease', namespace });
    expect(lease.spec?.holderIdentity).toBe(standby === a ? 'a' : 'b');
    expect(lease.spec?.leaseTransitions).toBe(1);

    // A third candidate takes the lease over without a release once it has seen the record
    // unchanged for a whole lease duration by its own clock (the holder's renewTime decides
    // nothing: its clock may be off).
    const clock = new ManualClock(Date.now());
    const later = elector('c', clock);
    expect(await later.elector.tryAcquireOrRenew()).toBe(false);
    clock.advance(14_000);
    expect(await later.elector.tryAcquireOrRenew()).toBe(false);
    clock.advance(2_000);
    expect(await later.elector.tryAcquireOrRenew()).toBe(true);
    lease = await coordination.readNamespacedLease({ name: 'operator-lease', namespace });
    expect(lease.spec?.holderIdentity).toBe('c');
    expect(lease.spec?.leaseTransitions).toBe(2);
    // The old leader finds out at its next renew: it no longer holds the lease.
    expect(await standby.elector.tryAcquireOrRenew()).toBe(false);
    expect(standby.events).toEqual(['started', 'stopped']);
  });
});

describe('status writes', () => {
  it('writes status with observedGeneration through the subresource, and skips an unchanged one', async () => {
    const ref = { group: API_GROUP, version: API_VERSION, plural: 'fargateworkloads', namespace, name: 'status-test' };
    const created: KubernetesObject = await objects.create<KubernetesObject & { spec: unknown }>({
      apiVersion: `${API_GROUP}/${API_VERSION}`,
      kind: KIND_WORKLOAD,
      metadata: { name: 'status-test', namespace },
      spec: { template: { spec: { containers: [{ name: 'app', image: 'public.ecr.aws/nginx/nginx:1.27' }] } } },
    });
    const generation = created.metadata?.generation ?? 0;
    const status = {
      observedGeneration: generation,
      conditions: setKstatus(undefined, { state: 'Reconciling', reason: 'Progressing', message: 'creating', observedGeneration: generation }, new Date('2025-01-01T00:00:00Z')),
    };
    expect(await writeStatus(custom, ref, undefined, status)).toBe(true);
    const afterWrite = (await custom.getNamespacedCustomObjectStatus(ref)) as { metadata: { resourceVersion: string; generation: number }; status: typeof status };
    expect(afterWrite.status.observedGeneration).toBe(generation);
    expect(afterWrite.metadata.generation).toBe(generation);
    expect(afterWrite.status.conditions.find((c) => c.type === 'Reconciling')).toMatchObject({ status: 'True', reason: 'Progressing' });

    // The same state computed later (new lastTransitionTime candidates) is no write.
    const same = {
      observedGeneration: generation,
      conditions: setKstatus(undefined, { state: 'Reconciling', reason: 'Progressing', message: 'creating', observedGeneration: generation }, new Date()),
    };
    expect(await writeStatus(custom, ref, afterWrite.status, same)).toBe(false);
    const unchanged = (await custom.getNamespacedCustomObjectStatus(ref)) as { metadata: { resourceVersion: string } };
    expect(unchanged.metadata.resourceVersion).toBe(afterWrite.metadata.resourceVersion);

    const ready = { observedGeneration: generation, conditions: setKstatus(afterWrite.status.conditions, { state: 'Ready', observedGeneration: generation }, new Date()) };
    expect(await writeStatus(custom, ref, afterWrite.status, ready)).toBe(true);
    const final = (await custom.getNamespacedCustomObjectStatus(ref)) as { status: typeof status };
    expect(final.status.conditions.find((c) => c.type === 'Ready')?.status).toBe('True');
    // Other suites share this API server: a FargateWorkload left here would count as a workload of
    // their FargateClusters and hold up their deletion.
    await objects.delete(created);
  });
});
