// The Argo CD health checks for FargateWorkload and FargateCluster, run by a real Lua 5.1 (the
// Lua Argo CD embeds): every case of each health_test.yaml, every fixture in testdata/ (recorded
// ones can be dropped in) against the documented rules, and the argocd-cm copy of each script.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { Condition } from '../../src/api/types.js';
import { lua51Command, runHealthScript } from '../deploy/lua-health.js';
import { luaString } from '../deploy/lua-literal.js';
import { spawnSync } from 'node:child_process';

const CUSTOMIZATIONS = 'deploy/argocd/resource_customizations/fargate.eksops.dev';
const KINDS = ['FargateWorkload', 'FargateCluster'] as const;

interface HealthTest {
  tests: { inputPath: string; healthStatus: { status: string; message?: string } }[];
}

interface Resource {
  metadata: { generation?: number };
  status?: { observedGeneration?: number; conditions?: Condition[] };
}

let lua: string;
beforeAll(() => {
  lua = lua51Command();
});

const scriptOf = (kind: string): string => join(CUSTOMIZATIONS, kind, 'health.lua');
const readYaml = <T>(path: string): T => parse(readFileSync(path, 'utf8')) as T;

/** The rules of issue 6 and DESIGN.md, status only: an oracle for fixtures that have no expected message. */
function expectedStatus(resource: Resource): string {
  const status = resource.status;
  if (status?.observedGeneration === undefined) return 'Progressing';
  if (resource.metadata.generation !== undefined && status.observedGeneration < resource.metadata.generation) return 'Progressing';
  const condition = (type: string) => status.conditions?.find((candidate) => candidate.type === type);
  if (condition('Stalled')?.status === 'True') return 'Degraded';
  if (condition('Ready')?.status === 'True') return 'Healthy';
  return 'Progressing';
}

describe.each(KINDS)('%s health.lua', (kind) => {
  const dir = join(CUSTOMIZATIONS, kind);
  const cases = readYaml<HealthTest>(join(dir, 'health_test.yaml')).tests;

  test.each(cases.map((testCase) => [testCase.inputPath, testCase.healthStatus] as const))('%s gives %j', (inputPath, expected) => {
    const result = runHealthScript(lua, scriptOf(kind), readYaml(join(dir, inputPath)));
    expect(result).toEqual({ status: expected.status, message: expected.message ?? result.message });
  });

  test('every fixture in testdata/ gets the status the rules give, with a message', () => {
    const files = readdirSync(join(dir, 'testdata')).filter((name) => name.endsWith('.yaml'));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const resource = readYaml<Resource & { kind: string }>(join(dir, 'testdata', file));
      expect([file, resource.kind]).toEqual([file, kind]);
      const result = runHealthScript(lua, scriptOf(kind), resource);
      expect([file, result.status]).toEqual([file, expectedStatus(resource)]);
      expect(result.message).not.toBe('');
    }
  });

  test('every combination of generation lag, Stalled and Ready follows the rules', () => {
    const states = ['True', 'False', undefined];
    for (const observedGeneration of [1, 2]) {
      for (const stalled of states) {
        for (const ready of states) {
          const conditions = [
            ...(ready ? [{ type: 'Ready', status: ready, reason: 'R', message: 'ready says' }] : []),
            ...(stalled ? [{ type: 'Stalled', status: stalled, reason: 'S', message: 'stalled says' }] : []),
          ];
          const resource = { kind, metadata: { name: 'x', generation: 2 }, status: { observedGeneration, conditions } } as unknown as Resource;
          const result = runHealthScript(lua, scriptOf(kind), resource);
          expect([observedGeneration, stalled, ready, result.status]).toEqual([observedGeneration, stalled, ready, expectedStatus(resource)]);
          if (result.status === 'Degraded') expect(result.message).toBe('stalled says');
        }
      }
    }
  });

  test('the argocd-cm patch carries the same script, under the key Argo CD reads', () => {
    const patch = readYaml<{ metadata: { name: string }; data: Record<string, string> }>('deploy/argocd/argocd-cm-patch.yaml');
    expect(patch.metadata.name).toBe('argocd-cm');
    expect(patch.data[`resource.customizations.health.fargate.eksops.dev_${kind}`]).toBe(readFileSync(scriptOf(kind), 'utf8'));
  });
});

test('the Lua literals read back as the strings they encode', () => {
  const text = 'quote " backslash \\ newline \n tab \t nul-free control \u0001 del \u007f unicode é ✓ [[ ]] ]]';
  const result = spawnSync(lua51Command(), ['-'], { input: `io.write(${luaString(text)})`, encoding: 'utf8' });
  expect(result.stderr).toBe('');
  expect(result.stdout).toBe(text);
});
