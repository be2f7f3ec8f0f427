/**
 * Status writes against a fake status subresource that keeps a resourceVersion and answers 409 to
 * a stale one, as the API server does: conditional writes, the retry after another writer's, and
 * never a status of an older generation over a newer one.
 */
import type { CustomObjectsApi } from '@kubernetes/client-node';
import { decideStatusWrite, STATUS_WRITE_ATTEMPTS, writeStatus, type StatusWithGeneration } from '../../src/kube/status-writer.js';
import { apiError } from '../support/fakes/fake-kubernetes.js';

type PatchOp = { op: string; path: string; value: unknown };

/** One namespaced object's status subresource; `beforePatch` plays another writer. */
class FakeStatusApi {
  resourceVersion = 10;
  status: StatusWithGeneration | undefined;
  reads = 0;
  patches: string[] = [];
  beforePatch: (() => void) | undefined;

  constructor(status?: StatusWithGeneration) {
    this.status = status;
  }

  /** Another writer's status write. */
  otherWriter(status: StatusWithGeneration): void {
    this.status = status;
    this.resourceVersion++;
  }

  /** Another writer's status write lands between the next read and patch, once. */
  raceOnce(status: StatusWithGeneration): void {
    this.beforePatch = () => {
      this.beforePatch = undefined;
      this.otherWriter(status);
    };
  }

  getNamespacedCustomObject = async (): Promise<unknown> => {
    this.reads++;
    return { metadata: { resourceVersion: String(this.resourceVersion) }, status: this.status };
  };

  patchNamespacedCustomObjectStatus = async (request: { body: PatchOp[] }): Promise<unknown> => {
    this.beforePatch?.();
    const precondition = request.body.find((op) => op.path === '/metadata/resourceVersion')?.value;
    this.patches.push(String(precondition));
    if (precondition !== String(this.resourceVersion)) throw apiError(409, 'Conflict', 'the object has been modified; please apply your changes to the latest version and try again');
    this.status = request.body.find((op) => op.path === '/status')?.value as StatusWithGeneration;
    this.resourceVersion++;
    return {};
  };

  asApi(): CustomObjectsApi {
    return this as unknown as CustomObjectsApi;
  }
}

const ref = { group: 'g', version: 'v1', plural: 'things', namespace: 'ns', name: 'a' };
const status = (observedGeneration: number, phase: string): StatusWithGeneration => ({ observedGeneration, phase });

describe('decideStatusWrite', () => {
  it('writes a change, skips an equal status, and never goes back to an older generation', () => {
    expect(decideStatusWrite(undefined, status(1, 'x'))).toBe('write');
    expect(decideStatusWrite(status(1, 'x'), status(1, 'y'))).toBe('write');
    expect(decideStatusWrite(status(1, 'x'), status(2, 'x'))).toBe('write');
    expect(decideStatusWrite(status(2, 'x'), status(2, 'x'))).toBe('unchanged');
    expect(decideStatusWrite(status(3, 'x'), status(2, 'y'))).toBe('newer');
    // Without a generation on the computed status there is nothing to compare.
    expect(decideStatusWrite(status(3, 'x'), {})).toBe('write');
  });
});

describe('writeStatus', () => {
  it('writes on the resourceVersion the status was computed from, with no read', async () => {
    const api = new FakeStatusApi(status(1, 'old'));
    expect(await writeStatus(api.asApi(), { ...ref, resourceVersion: '10' }, status(1, 'old'), status(2, 'new'))).toBe(true);
    expect([api.patches, api.reads, api.status]).toEqual([['10'], 0, status(2, 'new')]);
  });

  it('sends nothing for an unchanged status or a cached one of a later generation', async () => {
    const api = new FakeStatusApi(status(3, 'x'));
    expect(await writeStatus(api.asApi(), { ...ref, resourceVersion: '10' }, status(3, 'x'), status(3, 'x'))).toBe(false);
    expect(await writeStatus(api.asApi(), { ...ref, resourceVersion: '10' }, status(3, 'x'), status(2, 'y'))).toBe(false);
    expect([api.patches, api.reads]).toEqual([[], 0]);
  });

  it('after a conflict with a newer generation\'s status, reads it and writes nothing', async () => {
    const api = new FakeStatusApi(status(4, 'cached'));
    api.raceOnce(status(6, 'from generation 6'));
    expect(await writeStatus(api.asApi(), { ...ref, resourceVersion: '10' }, status(4, 'cached'), status(5, 'from generation 5'))).toBe(false);
    expect([api.patches, api.reads, api.status]).toEqual([['10'], 1, status(6, 'from generation 6')]);
  });

  it('after a conflict with a status of the same or an older generation, writes again on the new resourceVersion', async () => {
    const api = new FakeStatusApi(status(4, 'cached'));
    api.raceOnce(status(5, 'other writer'));
    expect(await writeStatus(api.asApi(), { ...ref, resourceVersion: '10' }, status(4, 'cached'), status(5, 'ours'))).toBe(true);
    expect([api.patches, api.reads, api.status]).toEqual([['10', '11'], 1, status(5, 'ours')]);
  });

  it('stops when the other writer left what it would write', async () => {
    const api = new FakeStatusApi(status(4, 'cached'));
    api.raceOnce(status(5, 'ours'));
    expect(await writeStatus(api.asApi(), { ...ref, resourceVersion: '10' }, status(4, 'cached'), status(5, 'ours'))).toBe(false);
    expect(api.patches).toEqual(['10']);
  });

  it('gives the 409 back after STATUS_WRITE_ATTEMPTS lost races', async () => {
    const api = new FakeStatusApi(status(1, 'x'));
    api.beforePatch = () => api.otherWriter(status(1, `other ${api.resourceVersion}`));
    await expect(writeStatus(api.asApi(), { ...ref, resourceVersion: '10' }, status(1, 'x'), status(1, 'ours'))).rejects.toMatchObject({ code: 409 });
    expect(api.patches).toHaveLength(STATUS_WRITE_ATTEMPTS);
    expect(api.status?.phase).not.toBe('ours');
  });

  it('reads the object first when it was not told the resourceVersion', async () => {
    const api = new FakeStatusApi(status(7, 'there'));
    expect(await writeStatus(api.asApi(), ref, undefined, status(6, 'stale'))).toBe(false);
    expect(await writeStatus(api.asApi(), ref, undefined, status(7, 'here'))).toBe(true);
    expect([api.patches, api.reads, api.status]).toEqual([['10'], 2, status(7, 'here')]);
  });
});
