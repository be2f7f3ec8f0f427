/** `diff`: what applying FargateWorkloads and FargateClusters would change in the live cluster and AWS account, read-only. */
import { stringify } from 'yaml';
import { outputFormat, parseCommandArgs } from '../arguments.js';
import { CliInputError, EXIT_INPUT, EXIT_OK } from '../cli-error.js';
import { readManifestFiles } from '../manifest-files.js';
import type { CliOutput } from '../output.js';
import { sortOperatorObjects } from '../resource-kinds.js';
import { reportProblems, validateObjects } from './validate.js';

export const DIFF_HELP = `Usage: eks-fargate-operator diff -f FILE [-f FILE...] [options]

Shows what applying the files would change in the live cluster and AWS account, like
'kubectl diff', but through to what the operator converges: for each FargateWorkload the object
itself, its Fargate profile (created, replaced, or deleted once its pods moved), its IAM role
(trust and inline policies statement by statement, policies attached and detached) and its
Kubernetes children (field by field, and the ones it no longer needs); for each FargateCluster
the object, its pod execution role and OIDC provider. Problems that would keep something from
converging (a guard rail, a public subnet, an object of the same name that is not the
workload's) are listed with '!'. It plans with the operator's own code and reads only: no
Kubernetes or AWS write is made (its clients refuse to send one).

Options:
  -f, --filename FILE     a manifest (multi-document YAML allowed); repeat for more files
      --kubeconfig FILE   kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)
      --context NAME      kubeconfig context (default: the current one)
  -n, --namespace NS      namespace of workloads that name none (default: the context's, else "default")
      --aws-endpoint URL  send every AWS call to this endpoint (default: $AWS_ENDPOINT_URL, else AWS)
  -o, --output FORMAT     text (default), json or yaml: {"objects": [...], "summary": {...}}
  -h, --help              show this help

AWS credentials come from the SDK's default chain; the region from each FargateCluster.

Exit status: 0 no change, 1 changes, 2 bad usage, unreadable or invalid input (the problems as
'validate' lists them), or the live state could not be read (one line saying which read failed).
`;

/** Exit status when applying would change something (kubectl diff's convention). */
export const EXIT_CHANGES = 1;

export async function diffCommand(argv: string[], io: CliOutput): Promise<number> {
  const flags = parseCommandArgs('diff', argv, {
    filename: { type: 'string', short: 'f', multiple: true },
    kubeconfig: { type: 'string' },
    context: { type: 'string' },
    namespace: { type: 'string', short: 'n' },
    'aws-endpoint': { type: 'string' },
    output: { type: 'string', short: 'o' },
    help: { type: 'boolean', short: 'h' },
  });
  if (flags.help) {
    io.out(DIFF_HELP);
    return EXIT_OK;
  }
  const format = outputFormat('diff', flags.output, ['text', 'json', 'yaml'] as const, 'text');
  if (!flags.filename?.length) throw new CliInputError("diff: give the manifests to compare with -f FILE (see 'diff --help')");
  const objects = sortOperatorObjects(await readManifestFiles(flags.filename), 'diff');
  // What the API server would refuse (or the guard rails of a FargateCluster in the files) is an
  // error, as it is for kubectl diff: there is nothing to compare until the files are fixed.
  if (reportProblems(validateObjects(objects), io)) {
    io.err("eks-fargate-operator: diff: the files are invalid (see the lines above; 'validate -f FILE' checks them alone)\n");
    return EXIT_INPUT;
  }

  // Loaded here: the other commands need neither Kubernetes nor AWS clients.
  const [{ resolveKubeTarget, KubeTargetError }, { apiServerReader, readOnlyAwsServices }, { diffLiveState }, { formatDiffText }, { hasChanges, summarizeChanges }, { describeReconcileFailure }] =
    await Promise.all([
      import('../../kube/kube-config.js'),
      import('../../diff/live-readers.js'),
      import('../../diff/live-diff.js'),
      import('../../diff/diff-text.js'),
      import('../../diff/resource-change.js'),
      import('../../operator/reconcile-failure.js'),
    ]);
  let target;
  try {
    target = resolveKubeTarget({ ...(flags.kubeconfig ? { kubeconfig: flags.kubeconfig } : {}), ...(flags.context ? { context: flags.context } : {}) });
  } catch (error) {
    if (error instanceof KubeTargetError) throw new CliInputError(`diff: ${error.message}`);
    throw error;
  }
  const { kubeConfig } = target;
  const namespace = flags.namespace ?? target.defaultNamespace;
  const workloads = objects.workloads.map(({ workload }) => ({ ...workload, metadata: { ...workload.metadata, namespace: workload.metadata?.namespace ?? namespace } }));
  const clusters = objects.clusters.map(({ cluster }) => cluster);

  const aws = readOnlyAwsServices(flags['aws-endpoint'] ?? process.env.AWS_ENDPOINT_URL);
  let diffs;
  try {
    diffs = await diffLiveState({ workloads, clusters }, { kube: apiServerReader(kubeConfig), aws: (region) => aws.get(region) });
  } catch (error) {
    throw new CliInputError(`diff: could not read the live state: ${describeReconcileFailure(error).message}`);
  } finally {
    aws.destroy();
  }
  if (format === 'text') io.out(formatDiffText(diffs));
  else {
    const report = { objects: diffs, summary: summarizeChanges(diffs) };
    io.out(format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : stringify(report, { lineWidth: 0 }));
  }
  return hasChanges(diffs) ? EXIT_CHANGES : EXIT_OK;
}
