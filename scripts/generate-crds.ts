// `npm run generate:crds`: writes crds/*.yaml, deploy/base/crds/*.yaml and the Helm chart's crds/ from crds/source/ and the
// PodSpec schema of the kube-apiserver this project builds (started here on its own, a few
// seconds; built first when missing, as for the tests).
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { generateCrds, HELM_CHART_CRD_DIR, helmChartCrd } from './crd-generation/generate-crds.js';
import { ensureBinaries, kubernetesVersion } from './dev-env/binaries.js';
import { startControlPlane } from './dev-env/control-plane.js';
import { repoRoot } from './dev-env/repo-root.js';

const root = repoRoot();
const binaries = await ensureBinaries();
const dir = mkdtempSync(join(tmpdir(), 'eksfo-crds-'));
const plane = await startControlPlane({ binaries, dir });
try {
  const run = promisify(execFile);
  const kubectl = (args: string[]) => run(binaries.kubectl, [`--kubeconfig=${plane.kubeconfigPath}`, ...args], { maxBuffer: 64 * 1024 * 1024 });
  const document = JSON.parse((await kubectl(['get', '--raw', '/openapi/v3/api/v1'])).stdout);
  const version = kubernetesVersion(root);
  const sourceDir = join(root, 'crds/source');
  const sources = readdirSync(sourceDir).filter((name) => name.endsWith('.yaml')).sort().map((name) => ({ name, text: readFileSync(join(sourceDir, name), 'utf8') }));
  for (const file of generateCrds(sources, document, version)) {
    for (const target of ['crds', 'deploy/base/crds']) writeFileSync(join(root, target, file.name), file.text);
    writeFileSync(join(root, HELM_CHART_CRD_DIR, file.name), helmChartCrd(file).text);
    console.log(`[crds] wrote crds/${file.name}, deploy/base/crds/${file.name} and ${HELM_CHART_CRD_DIR}/${file.name}`);
  }
} finally {
  await plane.stop();
  rmSync(dir, { recursive: true, force: true });
}
