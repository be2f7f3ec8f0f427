/** `plan`: what the operator would converge for one FargateWorkload, without touching anything. */
import { stringify } from 'yaml';
import { planWorkload } from '../../plan/index.js';
import { outputFormat, parseCommandArgs } from '../arguments.js';
import { CliInputError, EXIT_INVALID, EXIT_OK } from '../cli-error.js';
import { readManifestFiles } from '../manifest-files.js';
import type { CliOutput } from '../output.js';
import { clusterForWorkload, sortOperatorObjects } from '../resource-kinds.js';
import { reportProblems, validateObjects } from './validate.js';

export const PLAN_HELP = `Usage: eks-fargate-operator plan -f FILE [-f FILE...] --account-id ID --oidc-issuer URL [-o yaml|json]

Prints the desired state the operator converges for one FargateWorkload: the AWS resources (pod
execution role, Fargate profile, IRSA role) and the Kubernetes objects (ServiceAccount,
Deployment, Service, Ingress, SecurityGroupPolicy, HorizontalPodAutoscaler). Nothing is created.

The files hold the FargateWorkload and its FargateCluster (multi-document YAML allowed). The input
is validated first, with the same messages as 'validate'.

Options:
  -f, --filename FILE   a manifest; repeat for more files
      --account-id ID   the 12-digit AWS account id of the EKS cluster
      --oidc-issuer URL the cluster's OIDC issuer (aws eks describe-cluster --query cluster.identity.oidc.issuer)
      --region REGION   the AWS region (default: the FargateCluster's spec.region)
  -o, --output FORMAT   yaml (default) or json: {"aws": {...}, "kubernetes": [...]}
  -h, --help            show this help

Exit status: 0 planned, 1 invalid input, 2 bad usage, unreadable input or an unknown kind.
`;

const ACCOUNT_ID = /^[0-9]{12}$/;
const OIDC_ISSUER = /^https:\/\/[^\s/]+(\/[^\s]*)?$/;

export async function planCommand(argv: string[], io: CliOutput): Promise<number> {
  const flags = parseCommandArgs('plan', argv, {
    filename: { type: 'string', short: 'f', multiple: true },
    'account-id': { type: 'string' },
    'oidc-issuer': { type: 'string' },
    region: { type: 'string' },
    output: { type: 'string', short: 'o' },
    help: { type: 'boolean', short: 'h' },
  });
  if (flags.help) {
    io.out(PLAN_HELP);
    return EXIT_OK;
  }
  const format = outputFormat('plan', flags.output, ['yaml', 'json'] as const, 'yaml');
  if (!flags.filename?.length) throw new CliInputError("plan: give the FargateWorkload and its FargateCluster with -f FILE (see 'plan --help')");
  const accountId = flags['account-id'];
  if (!accountId || !ACCOUNT_ID.test(accountId)) {
    throw new CliInputError(`plan: --account-id must be the 12-digit AWS account id${accountId ? `, not "${accountId}"` : ''}`);
  }
  const oidcIssuer = flags['oidc-issuer'];
  if (!oidcIssuer || !OIDC_ISSUER.test(oidcIssuer)) {
    throw new CliInputError(
      `plan: --oidc-issuer must be the cluster's https:// OIDC issuer URL${oidcIssuer ? `, not "${oidcIssuer}"` : ''}`,
    );
  }

  const objects = sortOperatorObjects(await readManifestFiles(flags.filename), 'plan');
  if (objects.workloads.length !== 1) {
    throw new CliInputError(`plan: the files hold ${objects.workloads.length} FargateWorkloads; plan takes exactly one`);
  }
  const { workload } = objects.workloads[0]!;
  const clusterEntry = clusterForWorkload(workload, objects.clusters);
  if (!clusterEntry) {
    const wanted = workload.spec?.clusterName;
    throw new CliInputError(
      wanted
        ? `plan: no FargateCluster named "${wanted}" in the files (the workload's spec.clusterName)`
        : `plan: the files hold ${objects.clusters.length} FargateClusters; give exactly one, or name it in the workload's spec.clusterName`,
    );
  }
  if (reportProblems(validateObjects({ workloads: objects.workloads, clusters: [clusterEntry] }), io)) return EXIT_INVALID;

  const cluster = clusterEntry.cluster;
  const region = flags.region ?? cluster.spec.region;
  const plan = planWorkload(workload, cluster, { accountId, region, oidcIssuer });
  io.out(format === 'json' ? `${JSON.stringify(plan, null, 2)}\n` : stringify(plan, { lineWidth: 0 }));
  return EXIT_OK;
}
