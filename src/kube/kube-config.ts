import { KubeConfig } from '@kubernetes/client-node';

/** Where the Kubernetes credentials come from. */
export interface KubeConfigSource {
  /** Path of a kubeconfig file; otherwise in-cluster config when running in a pod, else the default ($KUBECONFIG, ~/.kube/config). */
  kubeconfig?: string;
}

/** Loads the client configuration: an explicit file, in-cluster service account, or the default chain. */
export function loadKubeConfig(source: KubeConfigSource = {}): KubeConfig {
  const config = new KubeConfig();
  if (source.kubeconfig) config.loadFromFile(source.kubeconfig);
  else if (process.env.KUBERNETES_SERVICE_HOST) config.loadFromCluster();
  else config.loadFromDefault();
  return config;
}
