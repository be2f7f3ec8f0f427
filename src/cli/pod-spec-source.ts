/** Finding the pod spec inside the objects `size` accepts. */
import { API_GROUP_VERSION, KIND_WORKLOAD } from '../api/constants.js';
import type { PodSpec } from '../api/types.js';
import type { ManifestDocument } from './manifest-files.js';

/** Kinds whose pods `size` can size, and where their pod spec sits. */
const POD_SPEC_PATHS: Record<string, string[]> = {
  [KIND_WORKLOAD]: ['spec', 'template', 'spec'],
  Pod: ['spec'],
  PodTemplate: ['template', 'spec'],
  Deployment: ['spec', 'template', 'spec'],
  ReplicaSet: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
};

export const SIZEABLE_KINDS = Object.keys(POD_SPEC_PATHS);

/** The pod spec of a document, its path prefix for messages, or undefined for kinds without pods. */
export function podSpecOf(doc: ManifestDocument): { spec: PodSpec; path: string } | undefined {
  if (doc.kind === KIND_WORKLOAD && doc.apiVersion !== API_GROUP_VERSION) return undefined;
  const path = POD_SPEC_PATHS[doc.kind];
  if (!path) return undefined;
  let node: unknown = doc.object;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  if (node === null || typeof node !== 'object') return undefined;
  return { spec: node as PodSpec, path: path.join('.') };
}
