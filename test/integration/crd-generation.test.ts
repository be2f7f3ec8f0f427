/**
 * crds/*.yaml, deploy/base/crds/*.yaml and the Helm chart's crds/ are generated (npm run generate:crds), never hand
 * copies: regenerating them from crds/source/ and the PodSpec schema of this environment's
 * kube-apiserver gives the committed files byte for byte, and `kubectl explain` describes the
 * pod fields the template now carries.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateCrds, HELM_CHART_CRD_DIR, helmChartCrd } from '../../scripts/crd-generation/generate-crds.js';
import { kubernetesVersion } from '../../scripts/dev-env/binaries.js';
import { kubectl } from '../../scripts/dev-env/kubectl.js';
import { repoRoot } from '../../scripts/dev-env/repo-root.js';
import { readTestEnvironment } from '../support/test-env.js';

const environment = readTestEnvironment();
const target = { kubectl: environment.kubectl, kubeconfigPath: environment.kubeconfigPath };
const root = repoRoot();

describe('generated CRDs', () => {
  it('are what crds/source and the API server\'s PodSpec make, in crds/ and in deploy/base/crds/', async () => {
    const document = JSON.parse((await kubectl(target, ['get', '--raw', '/openapi/v3/api/v1'])).stdout);
    const sources = readdirSync(join(root, 'crds/source')).filter((name) => name.endsWith('.yaml')).sort().map((name) => ({ name, text: readFileSync(join(root, 'crds/source', name), 'utf8') }));
    const generated = generateCrds(sources, document, kubernetesVersion(root));
    expect(generated.map((file) => file.name)).toEqual(readdirSync(join(root, 'crds')).filter((name) => name.endsWith('.yaml')).sort());
    for (const file of generated) {
      for (const dir of ['crds', 'deploy/base/crds']) {
        // A difference here: run `npm run generate:crds` after changing crds/source/.
        expect([`${dir}/${file.name}`, readFileSync(join(root, dir, file.name), 'utf8')]).toEqual([`${dir}/${file.name}`, file.text]);
      }
      expect([`${HELM_CHART_CRD_DIR}/${file.name}`, readFileSync(join(root, HELM_CHART_CRD_DIR, file.name), 'utf8')]).toEqual([`${HELM_CHART_CRD_DIR}/${file.name}`, helmChartCrd(file).text]);
    }
  });

  it('let kubectl explain the pod template down to a container probe', async () => {
    const { stdout } = await kubectl(target, ['explain', 'fargateworkload.spec.template.spec.containers.livenessProbe.httpGet']);
    expect(stdout).toMatch(/FIELD: +httpGet <Object>/);
    expect(stdout).toMatch(/port\s+<Object> -required-\s+Name or number of the port/);
  });
});
