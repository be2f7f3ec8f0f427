/** `size`: the per-pod Fargate capacity and cost of a FargateWorkload, Deployment or Pod. */
import { sizeFargatePod, type FargatePodSize } from '../../api/sizing.js';
import { outputFormat, parseCommandArgs } from '../arguments.js';
import { CliInputError, EXIT_INVALID, EXIT_OK } from '../cli-error.js';
import { readManifestFiles } from '../manifest-files.js';
import type { CliOutput } from '../output.js';
import { podSpecOf, SIZEABLE_KINDS } from '../pod-spec-source.js';

export const SIZE_HELP = `Usage: eks-fargate-operator size -f FILE [-o text|json]

Prints the capacity Fargate gives each pod, and what it costs: the pod's requests (the larger of
the largest init container and the sum of the app containers, limits standing in for missing
requests) plus 256 MiB for the Kubernetes components, rounded up to the cheapest valid
vCPU/memory combination. Prices are us-east-1 Linux/x86.

FILE holds a FargateWorkload, Deployment, StatefulSet, ReplicaSet, DaemonSet, Job, CronJob or Pod;
objects of other kinds in the file are skipped.

Options:
  -f, --filename FILE   the manifest to size
  -o, --output FORMAT   text (default) or json: {"vcpu": N, "memoryGB": N, "hourlyCostUSD": N}
  -h, --help            show this help

Exit status: 0 sized, 1 the pod cannot run on Fargate (the message names the limit),
2 bad usage or unreadable input.
`;

function describeSize(size: FargatePodSize): string {
  return [
    `  Fargate size:  ${size.vcpu} vCPU, ${size.memoryGB} GB memory, ${size.ephemeralStorageGiB} GiB ephemeral storage`,
    `  requested:     ${size.requested.vcpu} vCPU, ${size.requested.memoryGiB} GiB memory (before the 0.25 GiB Fargate overhead)`,
    `  cost:          $${size.hourlyCostUSD.toFixed(4)} per pod-hour (us-east-1, Linux/x86)`,
  ].join('\n');
}

export async function sizeCommand(argv: string[], io: CliOutput): Promise<number> {
  const flags = parseCommandArgs('size', argv, {
    filename: { type: 'string', short: 'f' },
    output: { type: 'string', short: 'o' },
    help: { type: 'boolean', short: 'h' },
  });
  if (flags.help) {
    io.out(SIZE_HELP);
    return EXIT_OK;
  }
  const format = outputFormat('size', flags.output, ['text', 'json'] as const, 'text');
  if (!flags.filename) throw new CliInputError("size: give the manifest with -f FILE (see 'size --help')");
  const docs = await readManifestFiles([flags.filename]);
  const pods = docs.flatMap((doc) => {
    const found = podSpecOf(doc);
    return found ? [{ doc, ...found }] : [];
  });
  if (pods.length === 0) {
    throw new CliInputError(`${flags.filename}: no object with pods to size (size takes ${SIZEABLE_KINDS.join(', ')})`);
  }
  if (format === 'json' && pods.length > 1) {
    const names = pods.map((p) => `${p.doc.kind}/${p.doc.displayName}`).join(', ');
    throw new CliInputError(`${flags.filename}: holds ${pods.length} objects with pods (${names}); -o json sizes one, so give a file with one`);
  }

  let status = EXIT_OK;
  for (const pod of pods) {
    const result = sizeFargatePod(pod.spec);
    const label = `${pod.doc.kind} ${pod.doc.displayName}`;
    if (!result.ok) {
      status = EXIT_INVALID;
      for (const p of result.problems) io.err(`${label}: ${pod.path}.${p.path}: ${p.message}\n`);
      continue;
    }
    if (format === 'json') {
      const { vcpu, memoryGB, hourlyCostUSD } = result.size;
      io.out(`${JSON.stringify({ vcpu, memoryGB, hourlyCostUSD })}\n`);
    } else {
      io.out(`${label}\n${describeSize(result.size)}\n`);
    }
  }
  return status;
}
