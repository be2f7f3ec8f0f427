/**
 * examples/*.yaml as the local environment can converge them, for `npm run demo` and the
 * integration suites that run the examples: the FargateCluster on the seeded private subnets, and
 * the made-up security groups replaced by real ones of the seeded VPC.
 */
import { join } from 'node:path';
import { CreateSecurityGroupCommand, DeleteSecurityGroupCommand, EC2Client } from '@aws-sdk/client-ec2';
import type { FargateCluster, FargateWorkload } from '../../src/api/types.js';
import { manifestFiles, manifestObjects } from './kubectl.js';
import { repoRoot } from './repo-root.js';
import { EMULATOR_CREDENTIALS, type SeedResult } from './seed.js';

export type ExampleObject = FargateCluster | FargateWorkload;

/** The examples, ready to apply, and what was made for them. */
export interface LocalExamples {
  /** examples/*.yaml, for the namespaces they name (kubectl.ts ensureNamespaces). */
  files: string[];
  /** Their objects, in file order, with the seeded subnets and the real security groups. */
  objects: ExampleObject[];
  /** The security groups created for them, to delete when done ({@link deleteExampleSecurityGroups}). */
  securityGroupIds: string[];
}

const ec2Client = (awsEndpoint: string, seed: SeedResult): EC2Client => new EC2Client({ endpoint: awsEndpoint, region: seed.region, credentials: EMULATOR_CREDENTIALS });

/**
 * Reads examples/ and points it at the seeded account. The example workloads name made-up security
 * groups, which the operator's network preflight rightly reports missing: one is created in the
 * seeded VPC for each (as the platform team would), named `<groupNamePrefix>-<namespace>-<name>-<n>`
 * (unique per run when the prefix is), and its id put in place of the made-up one, the same id for
 * the same made-up one, in the workloads and in the FargateCluster's allow-list.
 */
export async function localExamples(opts: { awsEndpoint: string; seed: SeedResult; groupNamePrefix: string; log?: (line: string) => void }): Promise<LocalExamples> {
  const { seed } = opts;
  const files = manifestFiles(join(repoRoot(), 'examples'));
  const objects = files.flatMap((file) => manifestObjects(file)) as ExampleObject[];
  const ec2 = ec2Client(opts.awsEndpoint, seed);
  const created = new Map<string, string>();
  try {
    for (const object of objects) {
      const networking = object.kind === 'FargateWorkload' ? object.spec.networking : undefined;
      if (!networking?.securityGroupIds) continue;
      const where = `${object.metadata.namespace ?? 'default'}/${object.metadata.name ?? ''}`;
      const ids: string[] = [];
      for (const example of networking.securityGroupIds) {
        let id = created.get(example);
        if (!id) {
          const name = `${opts.groupNamePrefix}-${where.replace('/', '-')}-${created.size}`;
          id = (await ec2.send(new CreateSecurityGroupCommand({ GroupName: name, Description: `pods of the example ${where}`, VpcId: seed.vpcId }))).GroupId ?? '';
          created.set(example, id);
          opts.log?.(`created security group ${id} in ${seed.vpcId} for ${where} (the example names ${example})`);
        }
        ids.push(id);
      }
      networking.securityGroupIds = ids;
    }
  } finally {
    ec2.destroy();
  }
  for (const object of objects) {
    if (object.kind !== 'FargateCluster') continue;
    object.spec.subnetIds = seed.privateSubnetIds;
    const allowed = object.spec.networking?.allowedSecurityGroupIds;
    if (allowed) object.spec.networking!.allowedSecurityGroupIds = allowed.map((example) => created.get(example) ?? example);
  }
  return { files, objects, securityGroupIds: [...created.values()] };
}

/** Deletes the security groups {@link localExamples} created; one already gone is fine. */
export async function deleteExampleSecurityGroups(awsEndpoint: string, seed: SeedResult, ids: readonly string[]): Promise<void> {
  const ec2 = ec2Client(awsEndpoint, seed);
  try {
    for (const id of ids) await ec2.send(new DeleteSecurityGroupCommand({ GroupId: id })).catch(() => undefined);
  } finally {
    ec2.destroy();
  }
}
