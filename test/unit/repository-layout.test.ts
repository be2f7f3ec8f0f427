/**
 * Layering the code keeps: the local environment is product tooling (scripts/dev-env), used by
 * the demo, env:up and the tests alike, so nothing under scripts/ may depend on test code; and
 * the reconcilers reach AWS only through the ports of src/aws.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { repoRoot } from '../../scripts/dev-env/repo-root.js';

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

describe('src/operator/', () => {
  it('calls no AWS SDK client: reconcilers and parts go through the ports in src/aws (with fakes in unit tests)', () => {
    const root = repoRoot();
    const offending = sources(join(root, 'src/operator')).filter((file) => /from '@aws-sdk\//.test(readFileSync(file, 'utf8')));
    expect(offending.map((file) => relative(root, file))).toEqual([]);
  });
});

describe('scripts/', () => {
  it('imports nothing from test/', () => {
    const root = repoRoot();
    const offending = sources(join(root, 'scripts')).flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/from '(\.[^']+)'/g)]
        .map((match) => relative(root, resolve(dirname(file), match[1]!)))
        .filter((target) => target.startsWith('test/'))
        .map((target) => `${relative(root, file)} -> ${target}`),
    );
    expect(offending).toEqual([]);
  });
});
