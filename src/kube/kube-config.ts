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

/** Which kubeconfig and context a command line tool uses (`--kubeconfig`, `--context`); absent: kubectl's defaults. */
export interface KubeTarget {
  kubeconfig?: string;
  context?: string;
}

/** The kubeconfig or context cannot be used; one line naming the file or context. */
export class KubeTargetError extends Error {
  override readonly name = 'KubeTargetError';
}

/**
 * The client configuration of a kubectl-like command (`diff`, the kubectl plugin): the file and
 * context asked for, checked, and the context's default namespace (else `default`, as kubectl).
 */
export function resolveKubeTarget(target: KubeTarget): { kubeConfig: KubeConfig; defaultNamespace: string } {
  let kubeConfig: KubeConfig;
  try {
    kubeConfig = loadKubeConfig(target.kubeconfig ? { kubeconfig: target.kubeconfig } : {});
  } catch (error) {
    // client-node reads an empty or non-YAML file as nothing and then fails on it: name the file.
    throw new KubeTargetError(`cannot load the kubeconfig${target.kubeconfig ? ` ${target.kubeconfig}` : ''}: ${(error as Error).message}`);
  }
  if (target.context) {
    if (!kubeConfig.getContextObject(target.context)) throw new KubeTargetError(`context "${target.context}" does not exist`);
    kubeConfig.setCurrentContext(target.context);
  }
  if (!kubeConfig.getCurrentCluster()) throw new KubeTargetError('the kubeconfig has no current cluster (see kubectl config current-context)');
  return { kubeConfig, defaultNamespace: kubeConfig.getContextObject(kubeConfig.getCurrentContext())?.namespace || 'default' };
}
