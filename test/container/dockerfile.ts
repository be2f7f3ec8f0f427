/**
 * Just enough of a Dockerfile reader for the tests that reproduce its stages without Docker:
 * stages with their FROM, WORKDIR, ENV, COPY, RUN, USER and ENTRYPOINT, as written. Pure.
 */

/** One instruction: the keyword in upper case and the rest of the (joined) line. */
export interface Instruction {
  keyword: string;
  args: string;
}

/** A build stage (`FROM image AS name`) and its instructions in order. */
export interface Stage {
  name: string;
  from: string;
  instructions: Instruction[];
}

/** A COPY instruction: sources relative to the context (or absolute in `from`), one destination. */
export interface CopyInstruction {
  from?: string;
  sources: string[];
  destination: string;
}

/** Splits a Dockerfile into stages; comments dropped, `\` continuations joined. */
export function parseDockerfile(text: string): Stage[] {
  const lines: string[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#') || (line === '' && pending === '')) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1).trim()} `;
      continue;
    }
    lines.push(`${pending}${line}`.trim());
    pending = '';
  }
  const stages: Stage[] = [];
  for (const line of lines.filter((candidate) => candidate !== '')) {
    const [keyword = '', ...rest] = line.split(/\s+/);
    const args = rest.join(' ');
    if (keyword.toUpperCase() === 'FROM') {
      const [from = '', as, name] = args.split(/\s+/);
      stages.push({ name: as?.toUpperCase() === 'AS' && name ? name : String(stages.length), from, instructions: [] });
      continue;
    }
    // ARGs before the first FROM belong to no stage.
    stages.at(-1)?.instructions.push({ keyword: keyword.toUpperCase(), args });
  }
  return stages;
}

/** The ARGs declared before the first FROM (the ones FROM lines may use), with their defaults. */
export function globalArgsOf(text: string): Record<string, string> {
  const args: Record<string, string> = {};
  for (const line of text.split('\n').map((raw) => raw.trim())) {
    if (/^FROM\s/i.test(line)) break;
    const match = /^ARG\s+([A-Za-z_][A-Za-z0-9_]*)(?:=(\S*))?$/i.exec(line);
    if (match) args[match[1]!] = match[2] ?? '';
  }
  return args;
}

/**
 * The Node.js major version a Node image ships, from its name: `node:22-bookworm-slim` and
 * `gcr.io/distroless/nodejs22-debian12:nonroot` give 22. Throws for a name that does not say.
 */
export function nodeMajorOfImage(image: string): number {
  const match = /^(?:docker\.io\/(?:library\/)?)?node:(\d+)(?:[.-]|$)/.exec(image) ?? /^gcr\.io\/distroless\/nodejs(\d+)-/.exec(image);
  if (!match) throw new Error(`cannot tell the Node.js major version of the image ${image}`);
  return Number(match[1]);
}

/** The stage named `name`; throws naming the stages there are. */
export function stageNamed(stages: readonly Stage[], name: string): Stage {
  const stage = stages.find((candidate) => candidate.name === name);
  if (!stage) throw new Error(`the Dockerfile has no stage ${name} (it has ${stages.map((candidate) => candidate.name).join(', ')})`);
  return stage;
}

/** The arguments of every instruction with this keyword, in order. */
export function argsOf(stage: Stage, keyword: string): string[] {
  return stage.instructions.filter((instruction) => instruction.keyword === keyword).map((instruction) => instruction.args);
}

/** The stage's working directory: its last WORKDIR (absolute paths only). */
export function workdirOf(stage: Stage): string {
  const workdir = argsOf(stage, 'WORKDIR').at(-1);
  if (!workdir?.startsWith('/')) throw new Error(`stage ${stage.name} has no absolute WORKDIR`);
  return workdir;
}

/** The stage's COPY instructions (shell form, with an optional --from). */
export function copiesOf(stage: Stage): CopyInstruction[] {
  return argsOf(stage, 'COPY').map((args) => {
    const words = args.split(/\s+/);
    const flags = words.filter((word) => word.startsWith('--'));
    const paths = words.filter((word) => !word.startsWith('--'));
    const unknown = flags.filter((flag) => !flag.startsWith('--from='));
    if (unknown.length > 0 || paths.length < 2) throw new Error(`cannot reproduce COPY ${args}`);
    const from = flags.find((flag) => flag.startsWith('--from='))?.slice('--from='.length);
    return { ...(from === undefined ? {} : { from }), sources: paths.slice(0, -1), destination: paths.at(-1)! };
  });
}

/** The stage's environment from its ENV instructions (`K=V` form, values optionally double-quoted). */
export function envOf(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const args of argsOf(stage, 'ENV')) {
    for (const match of args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("([^"]*)"|\S*)/g)) env[match[1]!] = match[3] ?? match[2]!;
  }
  return env;
}

/** The stage's ENTRYPOINT in exec (JSON) form. */
export function entrypointOf(stage: Stage): string[] {
  const args = argsOf(stage, 'ENTRYPOINT').at(-1);
  if (!args?.startsWith('[')) throw new Error(`stage ${stage.name} has no ENTRYPOINT in exec form`);
  return JSON.parse(args) as string[];
}
