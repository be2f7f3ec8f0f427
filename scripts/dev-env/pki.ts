import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Files of a throwaway PKI for one local API server. */
export interface ClusterPki {
  caCert: string;
  caKey: string;
  servingCert: string;
  servingKey: string;
  /** Client certificate of the admin identity (group system:masters). */
  adminCert: string;
  adminKey: string;
  /** Client certificates of kube-controller-manager and kube-scheduler, as kubeadm names them (RBAC's bootstrap roles bind these users). */
  controllerManagerCert: string;
  controllerManagerKey: string;
  schedulerCert: string;
  schedulerKey: string;
  /** Client certificate of KWOK (user eksops:kwok, bound to a ClusterRole of its own by the launcher). */
  kwokCert: string;
  kwokKey: string;
  /** RSA key pair that signs and verifies service-account tokens. */
  serviceAccountKey: string;
  serviceAccountPublicKey: string;
}

/** Subject of the admin client certificate: O is the group, CN the user name. */
export const ADMIN_USER = 'eks-fargate-operator-admin';
const ADMIN_SUBJECT = `/O=system:masters/CN=${ADMIN_USER}`;
/** The user KWOK acts as. */
export const KWOK_USER = 'eksops:kwok';

const REQUEST_CONFIG = '[req]\ndistinguished_name = dn\nprompt = no\n[dn]\n';
const CA_EXTENSIONS = '[ca]\nbasicConstraints = critical,CA:TRUE\nkeyUsage = critical,keyCertSign,cRLSign,digitalSignature\nsubjectKeyIdentifier = hash\n';

async function openssl(args: string[], cwd: string): Promise<void> {
  try {
    await run('openssl', args, { cwd });
  } catch (error) {
    const { stderr, message } = error as { stderr?: string; message: string };
    throw new Error(`openssl ${args[0]} failed: ${stderr || message}`);
  }
}

/** Creates a P-256 key and a certificate signed by the CA, with the given extensions. */
async function issue(dir: string, name: string, subject: string, extensions: string): Promise<void> {
  writeFileSync(join(dir, `${name}.ext`), extensions);
  await openssl(['req', '-new', '-nodes', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-config', 'req.cnf', '-subj', subject, '-keyout', `${name}.key`, '-out', `${name}.csr`], dir);
  await openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-CAserial', 'ca.srl', '-days', '30', '-extfile', `${name}.ext`, '-out', `${name}.crt`], dir);
}

/**
 * Creates a CA, a serving certificate for 127.0.0.1/localhost, client certificates for the admin,
 * kube-controller-manager and kube-scheduler, and the service-account signing key in `dir`. The openssl CLI makes the certificates (node:crypto
 * cannot issue X.509); node:crypto makes the RSA service-account key.
 */
export async function createClusterPki(dir: string): Promise<ClusterPki> {
  mkdirSync(dir, { recursive: true });
  // Own config files, so that the system openssl.cnf cannot add or clash with extensions.
  writeFileSync(join(dir, 'req.cnf'), REQUEST_CONFIG);
  writeFileSync(join(dir, 'ca.cnf'), `${REQUEST_CONFIG}CN = eks-fargate-operator-local-ca\n${CA_EXTENSIONS}`);
  await openssl(['req', '-x509', '-new', '-nodes', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-config', 'ca.cnf', '-extensions', 'ca', '-days', '30', '-keyout', 'ca.key', '-out', 'ca.crt'], dir);
  await issue(dir, 'serving', '/CN=kube-apiserver', 'basicConstraints = CA:FALSE\nkeyUsage = critical,digitalSignature,keyEncipherment\nextendedKeyUsage = serverAuth\nsubjectAltName = IP:127.0.0.1,DNS:localhost\n');
  const client = 'basicConstraints = CA:FALSE\nkeyUsage = critical,digitalSignature,keyEncipherment\nextendedKeyUsage = clientAuth\n';
  await issue(dir, 'admin', ADMIN_SUBJECT, client);
  await issue(dir, 'controller-manager', '/CN=system:kube-controller-manager', client);
  await issue(dir, 'scheduler', '/CN=system:kube-scheduler', client);
  await issue(dir, 'kwok', `/CN=${KWOK_USER}`, client);

  const serviceAccount = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  writeFileSync(join(dir, 'service-account.key'), serviceAccount.privateKey, { mode: 0o600 });
  writeFileSync(join(dir, 'service-account.pub'), serviceAccount.publicKey);

  return {
    caCert: join(dir, 'ca.crt'),
    caKey: join(dir, 'ca.key'),
    servingCert: join(dir, 'serving.crt'),
    servingKey: join(dir, 'serving.key'),
    adminCert: join(dir, 'admin.crt'),
    adminKey: join(dir, 'admin.key'),
    controllerManagerCert: join(dir, 'controller-manager.crt'),
    controllerManagerKey: join(dir, 'controller-manager.key'),
    schedulerCert: join(dir, 'scheduler.crt'),
    schedulerKey: join(dir, 'scheduler.key'),
    kwokCert: join(dir, 'kwok.crt'),
    kwokKey: join(dir, 'kwok.key'),
    serviceAccountKey: join(dir, 'service-account.key'),
    serviceAccountPublicKey: join(dir, 'service-account.pub'),
  };
}
