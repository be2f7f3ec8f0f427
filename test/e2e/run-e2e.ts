/**
 * `npm run test:e2e`: the kind end-to-end suite as a plain node program (not a Jest project, so
 * nothing reports passes it did not run). Without kind, kubectl or a Docker engine it prints one
 * line saying which and exits 0. Otherwise it creates (or reuses) the kind cluster, builds the
 * operator image from the Dockerfile and the emulator image, loads both, runs the scenario and
 * deletes the cluster (kept with KEEP_CLUSTER=1). Exit 1 on a failed check.
 */
import { repoRoot } from '../../scripts/dev-env/repo-root.js';
import { runFargateScenario } from './fargate-scenario.js';
import { createOrReuseCluster, deleteCluster, loadImages } from './kind-cluster.js';
import { docker, missingTool } from './tools.js';

const CLUSTER_NAME = process.env.KIND_CLUSTER_NAME ?? 'eksfo-e2e';
const OPERATOR_IMAGE = 'eks-fargate-operator:e2e';
const EMULATOR_IMAGE = 'eksfo-aws-emulator:e2e';

async function main(): Promise<number> {
  const missing = await missingTool();
  if (missing) {
    console.log(`e2e skipped, nothing was tested: ${missing}`);
    return 0;
  }
  const repo = repoRoot();
  await docker(['build', '-t', OPERATOR_IMAGE, '.'], { show: true, cwd: repo });
  await docker(['build', '-f', 'test/e2e/emulator.Dockerfile', '-t', EMULATOR_IMAGE, '.'], { show: true, cwd: repo });
  const cluster = await createOrReuseCluster(CLUSTER_NAME);
  try {
    await loadImages(cluster, [OPERATOR_IMAGE, EMULATOR_IMAGE]);
    await runFargateScenario(cluster.kubectl, repo);
    console.log('\ne2e passed');
    return 0;
  } catch (error) {
    console.error(`\ne2e failed: ${error instanceof Error ? error.message : String(error)}`);
    await cluster.kubectl(['logs', '-n', 'eks-fargate-operator-system', 'deployment/eks-fargate-operator', '--tail=100'], { show: true }).catch(() => undefined);
    return 1;
  } finally {
    if (process.env.KEEP_CLUSTER === '1') console.log(`kept kind cluster ${cluster.name} (KEEP_CLUSTER=1)`);
    else await deleteCluster(cluster);
  }
}

process.exitCode = await main();
