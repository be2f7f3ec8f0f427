/** The kind cluster of the end-to-end suite: created or reused, images loaded into it, deleted. */
import { kind, kubectlFor, type Kubectl } from './tools.js';

/** A kind cluster the suite runs in; `created` says whether this run made it. */
export interface KindCluster {
  name: string;
  created: boolean;
  kubectl: Kubectl;
}

/** Reuses the kind cluster `name` when it exists, otherwise creates it and waits for its node. */
export async function createOrReuseCluster(name: string): Promise<KindCluster> {
  const existing = (await kind(['get', 'clusters'])).split('\n').map((line) => line.trim());
  const created = !existing.includes(name);
  if (created) await kind(['create', 'cluster', '--name', name, '--wait', '180s'], { show: true });
  return { name, created, kubectl: kubectlFor(`kind-${name}`) };
}

/** Copies local docker images into the cluster's nodes (pods use them with imagePullPolicy Never). */
export async function loadImages(cluster: KindCluster, images: readonly string[]): Promise<void> {
  for (const image of images) await kind(['load', 'docker-image', image, '--name', cluster.name], { show: true });
}

/** Deletes the cluster. */
export async function deleteCluster(cluster: KindCluster): Promise<void> {
  await kind(['delete', 'cluster', '--name', cluster.name], { show: true });
}
