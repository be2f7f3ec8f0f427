/** `iam-policy`: the operator's own IAM policy, rendered from the FargateClusters it serves. */
import { IAM_ROLE_READS, type IamRoleReads } from '../../api/constants.js';
import { validateCluster } from '../../api/validate.js';
import { planOperatorPolicy } from '../../plan/operator-policy.js';
import { parseCommandArgs } from '../arguments.js';
import { CliInputError, EXIT_INVALID, EXIT_OK } from '../cli-error.js';
import { readManifestFiles } from '../manifest-files.js';
import type { CliOutput } from '../output.js';
import { sortOperatorObjects } from '../resource-kinds.js';
import { reportProblems } from './validate.js';

export const IAM_POLICY_HELP = `Usage: eks-fargate-operator iam-policy -f FILE [-f FILE...] [--account-id ID] [--operator-role-arn ARN] [--iam-role-reads staggered|per-role|account]

Prints the IAM policy the operator's own role needs to serve the FargateClusters in the files, and
nothing more: IAM writes only on the roles it makes for them (IRSA roles under spec.iam.rolePath,
the pod execution role), each conditioned on the cluster's ownership tag; the permissions boundary
required on creation and before any grant, never removed; AttachRolePolicy only for
spec.iam.allowedManagedPolicyArns; Fargate profiles only in the cluster with its name prefix.
Render it again after changing a FargateCluster's iam, profiles or logging settings: until then the
operator reports AccessDenied for what the change needs. FargateWorkloads in the files are ignored.

Warnings (on stderr) name what IAM cannot confine with these settings and how to close it.

Options:
  -f, --filename FILE        manifests holding the FargateClusters (multi-document YAML allowed)
      --account-id ID        the clusters' 12-digit AWS account (default: any account, "*")
      --operator-role-arn ARN
                             the operator's own role: refused if the policy could change it, and
                             denied every change explicitly
      --iam-role-reads staggered|per-role|account
                             as the operator runs with (run --iam-role-reads, default staggered):
                             staggered and per-role need the same reads; account adds
                             iam:GetAccountAuthorizationDetails (a warning says what it lets the
                             operator read)
  -h, --help                 show this help

Exit status: 0 printed, 1 a FargateCluster is invalid or cannot be confined (rolePath "/", the
operator's role under a writable path), 2 bad usage or unreadable input.
`;

export async function iamPolicyCommand(argv: string[], io: CliOutput): Promise<number> {
  const flags = parseCommandArgs('iam-policy', argv, {
    filename: { type: 'string', short: 'f', multiple: true },
    'account-id': { type: 'string' },
    'operator-role-arn': { type: 'string' },
    'iam-role-reads': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (flags.help) {
    io.out(IAM_POLICY_HELP);
    return EXIT_OK;
  }
  const reads = flags['iam-role-reads'];
  if (reads !== undefined && !(IAM_ROLE_READS as readonly string[]).includes(reads)) {
    throw new CliInputError(`iam-policy: --iam-role-reads must be one of ${IAM_ROLE_READS.join(', ')}, not "${reads}"`);
  }
  if (!flags.filename?.length) throw new CliInputError("iam-policy: give the FargateClusters with -f FILE (see 'iam-policy --help')");
  const objects = sortOperatorObjects(await readManifestFiles(flags.filename), 'iam-policy');
  if (objects.clusters.length === 0) throw new CliInputError('iam-policy: the files hold no FargateCluster; the policy is rendered from them');
  const invalid = reportProblems(
    objects.clusters.map(({ doc, cluster }) => ({ label: `FargateCluster ${doc.displayName}`, file: doc.file, problems: validateCluster(cluster) })),
    io,
  );
  if (invalid) return EXIT_INVALID;
  const rendered = planOperatorPolicy(
    objects.clusters.map(({ cluster }) => cluster),
    {
      ...(flags['account-id'] !== undefined ? { accountId: flags['account-id'] } : {}),
      ...(flags['operator-role-arn'] !== undefined ? { operatorRoleArn: flags['operator-role-arn'] } : {}),
      ...(reads !== undefined ? { iamRoleReads: reads as IamRoleReads } : {}),
    },
  );
  if (rendered.problems.length > 0) {
    for (const problem of rendered.problems) io.err(`iam-policy: ${problem}\n`);
    return EXIT_INVALID;
  }
  for (const warning of rendered.warnings) io.err(`warning: ${warning}\n`);
  io.out(`${JSON.stringify(rendered.policy, null, 2)}\n`);
  return EXIT_OK;
}
