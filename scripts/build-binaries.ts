// Builds (or finds in the cache) etcd, kube-apiserver and kubectl and prints where they are.
import { ensureBinaries } from './dev-env/binaries.js';

const binaries = await ensureBinaries();
for (const [name, path] of Object.entries(binaries)) console.log(`${name}: ${path}`);
