/** The `eks-fargate-operator` command line: dispatches to a command and maps errors to exit codes. */
import { CliInputError, EXIT_INPUT, EXIT_OK } from './cli-error.js';
import { diffCommand, DIFF_HELP } from './commands/diff.js';
import { iamPolicyCommand, IAM_POLICY_HELP } from './commands/iam-policy.js';
import { planCommand, PLAN_HELP } from './commands/plan.js';
import { runCommand, RUN_HELP } from './commands/run.js';
import { sizeCommand, SIZE_HELP } from './commands/size.js';
import { validateCommand, VALIDATE_HELP } from './commands/validate.js';
import { processOutput, type CliOutput } from './output.js';

type Command = (argv: string[], io: CliOutput) => Promise<number>;

const COMMANDS: Record<string, { run: Command; summary: string; help: string }> = {
  diff: { run: diffCommand, summary: 'show what applying manifests would change in the live cluster and AWS account (read-only)', help: DIFF_HELP },
  'iam-policy': { run: iamPolicyCommand, summary: "print the operator's own IAM policy for the FargateClusters given", help: IAM_POLICY_HELP },
  plan: { run: planCommand, summary: 'print the AWS and Kubernetes state a FargateWorkload becomes', help: PLAN_HELP },
  run: { run: runCommand, summary: 'run the operator (until SIGTERM)', help: RUN_HELP },
  size: { run: sizeCommand, summary: "print a pod's Fargate capacity and hourly cost", help: SIZE_HELP },
  validate: { run: validateCommand, summary: 'check FargateWorkloads and FargateClusters, listing every problem', help: VALIDATE_HELP },
};

export const MAIN_HELP = `Usage: eks-fargate-operator COMMAND [options]

Converges FargateWorkload resources into everything they need on AWS EKS Fargate.

Commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(12)}${c.summary}`)
  .join('\n')}

Run 'eks-fargate-operator COMMAND --help' for a command's options.
`;

/** Runs the command line; resolves to the exit code. Input errors print one line, never a stack. */
export async function main(argv: string[], io: CliOutput = processOutput): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' ? rest[0] : undefined;
    io.out(topic && COMMANDS[topic] ? COMMANDS[topic].help : MAIN_HELP);
    return EXIT_OK;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.err(`eks-fargate-operator: unknown command "${name}" (commands: ${Object.keys(COMMANDS).join(', ')}; see --help)\n`);
    return EXIT_INPUT;
  }
  try {
    return await command.run(rest, io);
  } catch (err) {
    if (err instanceof CliInputError) {
      io.err(`eks-fargate-operator: ${err.message}\n`);
      return EXIT_INPUT;
    }
    throw err;
  }
}
