// Writes dist/bundle/THIRD-PARTY-NOTICES.txt: the licence of every package whose code esbuild put
// into the bundle (from its metafile), so that the image, which ships the bundle and no
// node_modules, still carries the notices the packages' licences ask to be kept with their code.
// Plain JavaScript: the image's build stage runs it right after esbuild, with no TypeScript step.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bundleDir = join(root, 'dist', 'bundle');
const meta = JSON.parse(readFileSync(join(root, 'dist', 'bundle.meta.json'), 'utf8'));

/** The package folder of a bundled input (`node_modules/@scope/name/...`, nested ones included). */
function packageDir(input) {
  const parts = input.split('/');
  const at = parts.lastIndexOf('node_modules');
  if (at < 0) return undefined;
  const nameParts = parts[at + 1]?.startsWith('@') ? 2 : 1;
  return parts.slice(0, at + 1 + nameParts).join('/');
}

const packages = new Map();
for (const input of Object.keys(meta.inputs)) {
  const dir = packageDir(input);
  if (!dir || packages.has(dir)) continue;
  const manifest = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'));
  const licenceFile = readdirSync(join(root, dir)).find((file) => /^(licen[cs]e|copying|notice)/i.test(file));
  packages.set(dir, { name: manifest.name, version: manifest.version, license: manifest.license ?? 'see the package', text: licenceFile ? readFileSync(join(root, dir, licenceFile), 'utf8').trim() : undefined });
}

const sorted = [...packages.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.version < b.version ? -1 : 1));
const sections = sorted.map((p) => `${p.name}@${p.version} (${p.license})\n${'-'.repeat(72)}\n${p.text ?? `No licence file in the package; its package.json declares ${p.license}.`}\n`);
writeFileSync(
  join(bundleDir, 'THIRD-PARTY-NOTICES.txt'),
  `eks-fargate-operator bundles code of these ${sorted.length} packages (dist/bundle/eks-fargate-operator.mjs).\n\n${sections.join('\n')}`,
);
if (!existsSync(join(bundleDir, 'THIRD-PARTY-NOTICES.txt'))) process.exit(1);
console.log(`bundle: notices of ${sorted.length} packages in dist/bundle/THIRD-PARTY-NOTICES.txt`);
