// scripts/bundle.mjs rewrites the AWS SDK's generated schemas before esbuild reads them: computed
// keys naming a module constant become the string literal it holds, so that esbuild can drop the
// schemas nothing uses. The rewrite must give the same objects, and touch nothing else.
import { withLiteralSchemaKeys } from '../../scripts/bundle.mjs';

/** Evaluates a module-like text and returns what its last statement names. */
function evaluate(text: string, name: string): unknown {
  return new Function(`${text}\nreturn ${name};`)();
}

const SCHEMAS = [
  'const _xN = "xmlName";',
  'const _eQN = "ec2QueryName";',
  'const _S = "Subnet";',
  'const n0 = "com.amazonaws.ec2";',
  'var Subnet$ = [3, n0, _S, 0, ["A", "B"], [[0, { [_eQN]: `SubnetId`, [_xN]: _S }], () => Subnet$]];',
].join('\n');

test('computed keys naming a string constant become that string, and the object is the same', () => {
  const rewritten = withLiteralSchemaKeys(SCHEMAS);
  expect(rewritten).toContain('{ "ec2QueryName": `SubnetId`, "xmlName": _S }');
  expect(rewritten).not.toMatch(/\[_\w+\]:/);
  const [before, after] = [evaluate(SCHEMAS, 'Subnet$'), evaluate(rewritten, 'Subnet$')] as [unknown[], unknown[]];
  // The same structure (JSON leaves out the lazy member, a function; its text is unchanged).
  expect(JSON.stringify(after)).toBe(JSON.stringify(before));
  expect(String(after[5])).toBe(String(before[5]));
  expect(after[1]).toBe('com.amazonaws.ec2');
});

test('keys whose constant is not a plain string literal, or not a constant of the module, are left as they are', () => {
  const text = ['const _q = "a\\"b";', 'let _l = "let";', 'var x = { [_q]: 1, [_l]: 2, [_other]: 3 };'].join('\n');
  expect(withLiteralSchemaKeys(text)).toBe(text);
});

test('a constant holding "__proto__" is not written as a literal key (it would set the prototype)', () => {
  const text = ['const _p = "__proto__";', 'var x = { [_p]: 1 };'].join('\n');
  expect(withLiteralSchemaKeys(text)).toBe(text);
});

test('array elements and reads by index are not keys', () => {
  const text = ['const _a = "a";', 'var y = [_a]; var z = cond ? [_a] : y; var v = cond ? [_a]: y; var w = y[_a];'].join('\n');
  expect(withLiteralSchemaKeys(text)).toBe(text);
});
