// Bundles bin/eks-fargate-operator into dist/bundle/ (the entry eks-fargate-operator.mjs and its
// chunk-*.mjs) with esbuild's API, and writes esbuild's metafile to dist/bundle.meta.json. The
// Dockerfile's build stage runs it (`npm run bundle`), so it is plain JavaScript, and the
// benchmark measures what it writes.
//
// One step esbuild's command line cannot do: the AWS SDK's generated schemas
// (`@aws-sdk/client-*/dist-es/schemas/schemas_0.js`) name their XML and JSON member traits with
// computed keys, `{ [_xN]: "Name" }`, where `_xN` is a module constant. esbuild cannot prove a
// computed key free of side effects, so it keeps every schema that has one: all 2,235 of EC2's,
// 550 KB of the bundle for the five Describe calls the operator makes, and about 15 MiB of the
// idle operator's resident memory (README, "Scale: the benchmark"). `literalSchemaKeys` writes
// those keys as the string literals the constants hold, which is the same object, and esbuild
// then drops the schemas nothing uses.
import { build } from 'esbuild';
import { realpathSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The SDK's generated schema modules, the only files the rewrite touches. */
const SCHEMA_MODULE = /[\\/]@aws-sdk[\\/](?:client-[a-z0-9-]+|nested-clients)[\\/]dist-es[\\/](?:submodules[\\/][a-z0-9-]+[\\/])?schemas[\\/]schemas_\d+\.js$/;

/**
 * `text` with each computed key `[_name]:` whose name is a top-level `const _name = "plain";` of
 * the same module written as `"plain":`. Strings with escapes and names defined otherwise are left
 * as they are; so is everything that is not a computed key. Pure.
 */
export function withLiteralSchemaKeys(text) {
  const constants = new Map();
  for (const [, name, value] of text.matchAll(/^const (_[A-Za-z0-9_$]*) = ("[^"\\\n]*");$/gm)) {
    // As a literal key, "__proto__" would set the prototype instead of naming a member.
    if (value !== '"__proto__"') constants.set(name, value);
  }
  // A key follows `{` or `,` in an object literal; a `[_a]:` after `?` is an array in a conditional.
  return text.replace(/([{,]\s*)\[(_[A-Za-z0-9_$]*)\]:/g, (key, before, name) => (constants.has(name) ? `${before}${constants.get(name)}:` : key));
}

/**
 * node-fetch 2 (under @kubernetes/client-node) imports whatwg-url only to take its URL where the
 * platform has none (`Url.URL || whatwgUrl.URL`); Node always has one. whatwg-url brings tr46 and
 * its Unicode mapping table, about 4 MiB of resident memory loaded for nothing: the bundle gets
 * Node's own URL under that name instead. Node's deprecated built-in punycode, which only those
 * two required, is then no longer reached either.
 */
const whatwgUrlFromNode = {
  name: 'whatwg-url-from-node',
  setup(esbuild) {
    esbuild.onResolve({ filter: /^whatwg-url$/ }, () => ({ path: 'whatwg-url', namespace: 'node-url' }));
    esbuild.onLoad({ filter: /.*/, namespace: 'node-url' }, () => ({ contents: "import { URL, URLSearchParams } from 'node:url'; export default { URL, URLSearchParams }; export { URL, URLSearchParams };", loader: 'js' }));
  },
};

const literalSchemaKeys = {
  name: 'literal-schema-keys',
  setup(esbuild) {
    esbuild.onLoad({ filter: SCHEMA_MODULE }, async ({ path }) => ({ contents: withLiteralSchemaKeys(await readFile(path, 'utf8')), loader: 'js' }));
  },
};

// Run, not imported (the unit test imports withLiteralSchemaKeys); by real path, so a symlink runs it too.
if (process.argv[1] && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url))) {
  const { metafile } = await build({
    absWorkingDir: root,
    entryPoints: ['bin/eks-fargate-operator'],
    bundle: true,
    // Chunks rather than one file: the commands load the operator's modules with import(), which
    // in one file esbuild can neither tree-shake nor keep lazy (Dockerfile).
    splitting: true,
    minify: true,
    platform: 'node',
    format: 'esm',
    mainFields: ['module', 'main'],
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
    outdir: 'dist/bundle',
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunk-[hash]',
    metafile: true,
    write: true,
    logLevel: 'warning',
    plugins: [literalSchemaKeys, whatwgUrlFromNode],
  });
  // What went in and what each output imports: scripts/bundle-notices.mjs, the container test and
  // the benchmark read it.
  await writeFile(join(root, 'dist/bundle.meta.json'), JSON.stringify(metafile));
}
