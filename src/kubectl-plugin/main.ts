/**
 * The `kubectl fargate` plugin (bin/kubectl-fargate): dispatches `status`, `why` and `cost`, and
 * maps failures to kubectl's conventions: an API error is one line `Error from server (Reason):
 * HTTP code: message` and exit 1, bad usage one line and exit 2 (kubectl exits 1: the README says
 * why not here), warnings (a list RBAC forbids) on stderr.
 */
import type { FargateWorkload } from '../api/types.js';
import { CliInputError, EXIT_INPUT, EXIT_INVALID, EXIT_OK } from '../cli/cli-error.js';
import { processOutput, type CliOutput } from '../cli/output.js';
import { describeKubeError, formatKubeApiError, kubeApiErrorSummary } from '../kube/api-error.js';
import { stringify } from 'yaml';
import { connectReader, KubeTargetError, type ClusterReader, type KubeTarget, type NamespaceScope } from './cluster-reader.js';
import { costSummary } from './cost-summary.js';
import { renderCost } from './cost-renderer.js';
import { HELP, parsePluginArgs, type CommandName, type PluginArgs } from './plugin-args.js';
import { painter, useColour, type Paint } from './text-style.js';
import { renderTrees } from './tree-renderer.js';
import { explainWorkload } from './why-explainer.js';
import { renderWhy } from './why-renderer.js';
import { childrenOf, workloadTree } from './workload-tree.js';

/** What the plugin needs from its process; injected so that tests run it without a terminal or a cluster. */
export interface PluginEnvironment {
  /** Whether stdout is a terminal (colour in `--color auto`). */
  isTTY: boolean;
  env: Readonly<Record<string, string | undefined>>;
  connect(target: KubeTarget): ClusterReader;
}

export const processEnvironment: PluginEnvironment = {
  isTTY: Boolean(process.stdout.isTTY),
  env: process.env,
  connect: connectReader,
};

interface CommandContext {
  args: PluginArgs;
  reader: ClusterReader;
  io: CliOutput;
  paint: Paint;
}

type Command = (context: CommandContext) => Promise<number>;

/** Several objects as `kubectl get -o json|yaml` prints them: a v1 List of the items. */
const listOf = (items: unknown[]) => ({ apiVersion: 'v1', kind: 'List', items });

function printMachine(io: CliOutput, format: 'json' | 'yaml', value: unknown): void {
  io.out(format === 'json' ? `${JSON.stringify(value, null, 2)}\n` : stringify(value));
}

function warn(io: CliOutput, warnings: readonly (string | undefined)[]): void {
  for (const warning of warnings) if (warning) io.err(`Warning: ${warning}\n`);
}

/** The namespace a command reads: -A all, else -n, else the context's. */
function scopeOf(args: PluginArgs, reader: ClusterReader): NamespaceScope {
  return args.allNamespaces ? undefined : (args.namespace ?? reader.defaultNamespace);
}

const status: Command = async ({ args, reader, io, paint }) => {
  const scope = scopeOf(args, reader);
  const workloads: FargateWorkload[] = args.name ? [await reader.workload(scope ?? '', args.name)] : await reader.workloads(scope);
  if (workloads.length === 0 && args.output === 'text') {
    io.err(scope ? `No resources found in ${scope} namespace.\n` : 'No resources found\n');
    return EXIT_OK;
  }
  const [{ objects, warnings }, clusters] = await Promise.all([reader.children(scope, args.name), reader.clusters()]);
  warn(io, [...warnings, clusters.warning]);
  const clusterNames = (clusters.items ?? []).map((cluster) => cluster.metadata.name ?? '');
  const trees = workloads
    .map((workload) => workloadTree(workload, childrenOf(workload, objects), clusterNames))
    .sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
  if (args.output === 'text') io.out(renderTrees(trees, paint));
  else printMachine(io, args.output, args.name ? trees[0] : listOf(trees));
  return EXIT_OK;
};

const why: Command = async ({ args, reader, io, paint }) => {
  const namespace = args.namespace ?? reader.defaultNamespace;
  const workload = await reader.workload(namespace, args.name ?? '');
  const [clusters, children, events] = await Promise.all([reader.clusters(), reader.children(namespace, args.name), reader.podEvents(namespace)]);
  warn(io, [clusters.warning, ...children.warnings, events.warning]);
  const report = explainWorkload({
    workload,
    clusters: clusters.items,
    ...(clusters.warning ? { clustersError: clusters.warning } : {}),
    children: childrenOf(workload, children.objects),
    podEvents: events.items ?? [],
  });
  if (args.output === 'text') io.out(renderWhy(report, paint));
  else printMachine(io, args.output, report);
  return report.ready ? EXIT_OK : EXIT_INVALID;
};

const cost: Command = async ({ args, reader, io, paint }) => {
  const [workloads, clusters] = await Promise.all([reader.workloads(scopeOf(args, reader)), reader.clusters()]);
  warn(io, [clusters.warning]);
  const summary = costSummary(workloads, (clusters.items ?? []).map((cluster) => cluster.metadata.name ?? ''));
  if (args.output === 'text') io.out(renderCost(summary, paint));
  else printMachine(io, args.output, summary);
  return EXIT_OK;
};

const COMMANDS: Record<CommandName, Command> = { status, why, cost };

const isCommand = (name: string | undefined): name is CommandName => name !== undefined && Object.hasOwn(COMMANDS, name);

/**
 * A failed read as kubectl words it, with the HTTP status as the project's other lines give it
 * (kube/api-error.ts): `Error from server (NotFound): HTTP 404: <the object> not found`; a failure
 * without an HTTP status (no connection) is `error: ...`.
 */
export function describeFailure(error: unknown): string {
  const summary = kubeApiErrorSummary(error);
  if (!summary) return `error: ${describeKubeError(error)}`;
  const { reason, ...status } = summary;
  return `Error from server${reason ? ` (${reason})` : ''}: ${formatKubeApiError(status)}`;
}

/** Runs the plugin; resolves to the exit code. Every failure is one line on stderr. */
export async function main(argv: string[], io: CliOutput = processOutput, environment: PluginEnvironment = processEnvironment): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const topic = rest[0];
    io.out(name === 'help' && isCommand(topic) ? HELP[topic] : HELP.main);
    return EXIT_OK;
  }
  if (!isCommand(name)) {
    io.err(`error: unknown command "${name}" for "kubectl fargate" (commands: ${Object.keys(COMMANDS).join(', ')}; see 'kubectl fargate --help')\n`);
    return EXIT_INPUT;
  }
  try {
    const args = parsePluginArgs(name, rest);
    if (args.help) {
      io.out(HELP[name]);
      return EXIT_OK;
    }
    const paint = painter(args.output === 'text' && useColour(args.colour, environment.isTTY, environment.env));
    return await COMMANDS[name]({ args, reader: environment.connect(args.target), io, paint });
  } catch (error) {
    if (error instanceof CliInputError) {
      io.err(`error: ${error.message}\n`);
      return EXIT_INPUT;
    }
    if (error instanceof KubeTargetError) {
      io.err(`error: ${error.message}\n`);
      return EXIT_INVALID;
    }
    io.err(`${describeFailure(error)}\n`);
    return EXIT_INVALID;
  }
}
