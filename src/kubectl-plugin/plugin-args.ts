/**
 * The plugin's command line: kubectl's flag names (`-n/--namespace`, `-A/--all-namespaces`,
 * `-o/--output`, `--kubeconfig`, `--context`) on node:util parseArgs, and each command's help.
 * Boolean flags take kubectl's spellings (`-A`, `-A=false`, `--all-namespaces false`), the last
 * one given wins. A bad flag or argument is a CliInputError (exit 2) of one line.
 */
import { parseArgs } from 'node:util';
import { outputFormat } from '../cli/arguments.js';
import { lastBooleanFlag, rewriteBooleanFlags, type BooleanFlag } from '../cli/boolean-flags.js';
import { CliInputError } from '../cli/cli-error.js';
import { COLOUR_MODES, type ColourMode } from './text-style.js';
import type { KubeTarget } from './cluster-reader.js';

export type CommandName = 'status' | 'why' | 'cost';
export type OutputFormat = 'text' | 'json' | 'yaml';

/** A command's flags and arguments, checked. */
export interface PluginArgs {
  target: KubeTarget;
  /** -n; undefined: the context's namespace. */
  namespace?: string;
  allNamespaces: boolean;
  output: OutputFormat;
  colour: ColourMode;
  /** The workload name, for `status NAME` and `why NAME`. */
  name?: string;
  help: boolean;
}

const COMMON_FLAGS = `  -n, --namespace NS      the namespace (default: the kubeconfig context's, else "default")
  -o, --output FORMAT     json or yaml instead of text
      --kubeconfig FILE   the kubeconfig (default: $KUBECONFIG, else ~/.kube/config)
      --context NAME      the kubeconfig context to use
      --color WHEN        auto (default: colour on a terminal unless NO_COLOR is set), always or never
  -h, --help              show this help`;

export const HELP: Record<CommandName | 'main', string> = {
  main: `Usage: kubectl fargate COMMAND [options]

What FargateWorkloads became on EKS Fargate, read from the Kubernetes API (never written).

Commands:
  status [NAME]   each workload as a tree: profile, IAM role, ServiceAccount, Deployment, pods, Ingress, with its hourly cost
  why NAME        a workload part by part: what is not ready, why, and the next step
  cost            the hourly and monthly Fargate cost per namespace and cluster

Run 'kubectl fargate COMMAND --help' for a command's options.
`,
  status: `Usage: kubectl fargate status [NAME] [-n NS | -A] [-o json|yaml]

Draws each FargateWorkload as a tree: its health (Ready, Progressing or Stalled, with the
reason) and hourly cost, its Fargate profile and EKS state, IAM role, ServiceAccount, Deployment
(ready/desired), each pod with its phase and node, and its Ingress with the load balancer hostname.

Options:
  -A, --all-namespaces    every namespace
${COMMON_FLAGS}

-o json prints a List, {"apiVersion": "v1", "kind": "List", "items": [TREE...]} (one TREE for
NAME); the README documents TREE.
Exit status: 0 shown (whatever the workloads' health), 1 not found or an API error, 2 bad usage.
`,
  why: `Usage: kubectl fargate why NAME [-n NS] [-o json|yaml]

Explains a FargateWorkload part by part (cluster, spec, network, Fargate profile, IAM role,
Deployment, pods, Ingress): each part's state and, for a part that is not ready, the condition's
reason and message and the next step.

Options:
${COMMON_FLAGS}

Exit status: 0 the workload is Ready, 1 it is not Ready (or not found, or an API error), 2 bad usage.
`,
  cost: `Usage: kubectl fargate cost [-n NS | -A] [-o json|yaml]

Sums what the FargateWorkloads' pods cost on Fargate per hour and per month (730 hours), per
namespace and per cluster: each workload's per-pod price (status.capacity, priced as us-east-1
Linux/x86; sized from the pod template while the status has none) times its pods (status.replicas).

Options:
  -A, --all-namespaces    every namespace
${COMMON_FLAGS}

Exit status: 0 summed, 1 an API error, 2 bad usage.
`,
};

/** The boolean flags of a command; `why` reads one workload, so it has no -A. */
function booleanFlags(command: CommandName): BooleanFlag[] {
  return [...(command === 'why' ? [] : [{ name: 'all-namespaces', short: 'A' }]), { name: 'help', short: 'h' }];
}

/** Parses one command's arguments (kubectl allows flags before and after NAME). */
export function parsePluginArgs(command: CommandName, argv: string[]): PluginArgs {
  const flags = booleanFlags(command);
  let parsed;
  let rewritten: string[];
  try {
    rewritten = rewriteBooleanFlags(argv, flags, (message) => new CliInputError(`${command}: ${message}`));
    parsed = parseArgs({
      args: rewritten,
      allowPositionals: true,
      strict: true,
      options: {
        namespace: { type: 'string', short: 'n' },
        output: { type: 'string', short: 'o' },
        kubeconfig: { type: 'string' },
        context: { type: 'string' },
        color: { type: 'string' },
        ...Object.fromEntries(flags.flatMap(({ name, short }) => [[name, { type: 'boolean' as const, ...(short ? { short } : {}) }], [`no-${name}`, { type: 'boolean' as const }]])),
      },
    });
  } catch (error) {
    if (error instanceof CliInputError) throw error;
    throw new CliInputError(`${command}: ${(error as Error).message.replace(/\. To specify.*$/s, '')} (see 'kubectl fargate ${command} --help')`);
  }
  const { values, positionals } = parsed;
  const help = lastBooleanFlag(rewritten, 'help') ?? false;
  const colour = (values.color ?? 'auto') as ColourMode;
  if (!COLOUR_MODES.includes(colour)) throw new CliInputError(`${command}: --color must be one of ${COLOUR_MODES.join(', ')}, not "${values.color}"`);
  const output = outputFormat(command, values.output, ['json', 'yaml'] as const, 'text' as OutputFormat);
  const allNamespaces = lastBooleanFlag(rewritten, 'all-namespaces') ?? false;
  const maxNames = command === 'cost' ? 0 : 1;
  if (positionals.length > maxNames) {
    throw new CliInputError(`${command}: unexpected argument "${positionals[maxNames]}" (see 'kubectl fargate ${command} --help')`);
  }
  const name = positionals[0];
  if (!help && command === 'why' && !name) throw new CliInputError("why: give the workload's NAME (see 'kubectl fargate why --help')");
  if (name && allNamespaces) throw new CliInputError(`${command}: a workload cannot be retrieved by name across all namespaces: drop -A or NAME`);
  const target: KubeTarget = { ...(values.kubeconfig ? { kubeconfig: values.kubeconfig } : {}), ...(values.context ? { context: values.context } : {}) };
  return { target, ...(values.namespace ? { namespace: values.namespace } : {}), allNamespaces, output, colour, ...(name ? { name } : {}), help };
}
