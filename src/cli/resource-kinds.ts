/** Sorting manifest documents into the operator's own kinds, refusing anything else. */
import { API_GROUP_VERSION, KIND_CLUSTER, KIND_WORKLOAD } from '../api/constants.js';
import type { FargateCluster, FargateWorkload } from '../api/types.js';
import { CliInputError } from './cli-error.js';
import type { ManifestDocument } from './manifest-files.js';

export interface OperatorObjects {
  workloads: { doc: ManifestDocument; workload: FargateWorkload }[];
  clusters: { doc: ManifestDocument; cluster: FargateCluster }[];
}

/** Splits documents into FargateWorkloads and FargateClusters; any other kind is a CliInputError. */
export function sortOperatorObjects(docs: ManifestDocument[], command: string): OperatorObjects {
  const out: OperatorObjects = { workloads: [], clusters: [] };
  for (const doc of docs) {
    const ours = doc.apiVersion === API_GROUP_VERSION;
    if (ours && doc.kind === KIND_WORKLOAD) {
      out.workloads.push({ doc, workload: doc.object as unknown as FargateWorkload });
    } else if (ours && doc.kind === KIND_CLUSTER) {
      out.clusters.push({ doc, cluster: doc.object as unknown as FargateCluster });
    } else {
      throw new CliInputError(
        `${doc.file}: unknown kind ${doc.apiVersion}/${doc.kind} (document ${doc.index}): ${command} takes ${API_GROUP_VERSION} ${KIND_WORKLOAD} and ${KIND_CLUSTER}`,
      );
    }
  }
  return out;
}

/** The FargateCluster a workload runs on: the one named by spec.clusterName, or the only one given. */
export function clusterForWorkload(
  workload: FargateWorkload,
  clusters: OperatorObjects['clusters'],
): OperatorObjects['clusters'][number] | undefined {
  const wanted = workload.spec?.clusterName;
  if (wanted) return clusters.find((c) => c.cluster.metadata?.name === wanted);
  return clusters.length === 1 ? clusters[0] : undefined;
}
