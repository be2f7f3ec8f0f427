import { readFileSync, writeFileSync } from 'node:fs';

/** What a kubeconfig for one local API server and one client-certificate user needs. */
export interface KubeconfigSpec {
  server: string;
  caCertFile: string;
  clientCertFile: string;
  clientKeyFile: string;
  /** Names the cluster, user and context. */
  name: string;
}

const base64File = (path: string): string => readFileSync(path).toString('base64');

/** The kubeconfig document, with the certificates embedded so it stands alone. */
export function kubeconfigDocument(spec: KubeconfigSpec): object {
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: spec.name, cluster: { server: spec.server, 'certificate-authority-data': base64File(spec.caCertFile) } }],
    users: [{ name: spec.name, user: { 'client-certificate-data': base64File(spec.clientCertFile), 'client-key-data': base64File(spec.clientKeyFile) } }],
    contexts: [{ name: spec.name, context: { cluster: spec.name, user: spec.name } }],
    'current-context': spec.name,
  };
}

/** Writes the kubeconfig (JSON, which every YAML reader accepts) readable by the owner only. */
export function writeKubeconfig(path: string, spec: KubeconfigSpec): void {
  writeFileSync(path, `${JSON.stringify(kubeconfigDocument(spec), null, 2)}\n`, { mode: 0o600 });
}
