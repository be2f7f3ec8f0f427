/** `validate`: every problem in FargateWorkloads and FargateClusters, with field paths. */
import { validate, validateCluster, type ValidationProblem } from '../../api/validate.js';
import { parseCommandArgs } from '../arguments.js';
import { CliInputError, EXIT_INVALID, EXIT_OK } from '../cli-error.js';
import { readManifestFiles } from '../manifest-files.js';
import type { CliOutput } from '../output.js';
import { clusterForWorkload, sortOperatorObjects, type OperatorObjects } from '../resource-kinds.js';

export const VALIDATE_HELP = `Usage: eks-fargate-operator validate -f FILE [-f FILE...]

Checks FargateWorkloads and FargateClusters the way the operator will: the CRD rules, the Fargate
pod size limits, and, when the workload's FargateCluster is among the files, the platform team's
guard rails (allowed managed policies, inline policies). Prints every problem with its field path.

Options:
  -f, --filename FILE   a manifest (multi-document YAML allowed); repeat for more files
  -h, --help            show this help

Exit status: 0 valid, 1 problems found, 2 bad usage, unreadable input or an unknown kind.
`;

/** A labelled list of problems for each object given. */
export interface ObjectProblems {
  label: string;
  file: string;
  problems: ValidationProblem[];
}

/** Validates every object; a workload is checked against its FargateCluster when one is given. */
export function validateObjects(objects: OperatorObjects): ObjectProblems[] {
  const out: ObjectProblems[] = [];
  for (const { doc, cluster } of objects.clusters) {
    out.push({ label: `FargateCluster ${doc.displayName}`, file: doc.file, problems: validateCluster(cluster) });
  }
  for (const { doc, workload } of objects.workloads) {
    const cluster = clusterForWorkload(workload, objects.clusters)?.cluster;
    out.push({ label: `FargateWorkload ${doc.displayName}`, file: doc.file, problems: validate(workload, cluster) });
  }
  return out;
}

/** Writes problems one per line, `file: Kind ns/name: path: message`. */
export function reportProblems(results: ObjectProblems[], io: CliOutput): boolean {
  let invalid = false;
  for (const r of results) {
    for (const p of r.problems) {
      invalid = true;
      io.err(`${r.file}: ${r.label}: ${p.path}: ${p.message}\n`);
    }
  }
  return invalid;
}

export async function validateCommand(argv: string[], io: CliOutput): Promise<number> {
  const flags = parseCommandArgs('validate', argv, {
    filename: { type: 'string', short: 'f', multiple: true },
    help: { type: 'boolean', short: 'h' },
  });
  if (flags.help) {
    io.out(VALIDATE_HELP);
    return EXIT_OK;
  }
  if (!flags.filename?.length) throw new CliInputError("validate: give at least one manifest with -f FILE (see 'validate --help')");
  const objects = sortOperatorObjects(await readManifestFiles(flags.filename), 'validate');
  const results = validateObjects(objects);
  if (reportProblems(results, io)) return EXIT_INVALID;
  for (const r of results) io.out(`${r.label}: valid\n`);
  return EXIT_OK;
}
