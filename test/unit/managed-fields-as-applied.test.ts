// The fields a plain create gave the operator's manager (an Update entry) become applied ones
// before its first apply (src/kube/server-side-apply.ts), so that an apply can remove them.
import { managedFieldsAsApplied, unionFieldSets } from '../../src/kube/server-side-apply.js';

const OP = 'eks-fargate-operator';

test('the union of two field sets keeps every path of both', () => {
  expect(unionFieldSets({ 'f:data': { '.': {}, 'f:a': {} } }, { 'f:data': { 'f:b': {} }, 'f:metadata': { 'f:labels': { 'f:x': {} } } })).toEqual({
    'f:data': { '.': {}, 'f:a': {}, 'f:b': {} },
    'f:metadata': { 'f:labels': { 'f:x': {} } },
  });
  expect(unionFieldSets(undefined, { 'f:a': {} })).toEqual({ 'f:a': {} });
  // Owned whole on one side, by its members on the other: whole (`.`) and the members.
  expect(unionFieldSets({ 'f:a': {} }, { 'f:a': { 'f:b': {} } })).toEqual({ 'f:a': { '.': {}, 'f:b': {} } });
});

test("the operator's Update entry becomes its Apply entry; other managers and subresources keep theirs", () => {
  const entries = [
    { manager: OP, operation: 'Update', apiVersion: 'apps/v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:replicas': {} } }, time: new Date() },
    { manager: 'kubectl-edit', operation: 'Update', apiVersion: 'apps/v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': { 'f:labels': { 'f:team': {} } } } },
    { manager: 'kube-controller-manager', operation: 'Update', apiVersion: 'apps/v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:status': {} }, subresource: 'status' },
    { manager: OP, operation: 'Update', apiVersion: 'apps/v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:status': { 'f:x': {} } }, subresource: 'status' },
  ];
  expect(managedFieldsAsApplied(entries, OP)).toEqual([
    entries[1],
    entries[2],
    entries[3],
    { manager: OP, operation: 'Apply', apiVersion: 'apps/v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:replicas': {} } } },
  ]);
});

test('an Apply entry already there takes in the Update fields', () => {
  const entries = [
    { manager: OP, operation: 'Apply', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { 'f:a': {} } } },
    { manager: OP, operation: 'Update', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { 'f:b': {} } } },
  ];
  expect(managedFieldsAsApplied(entries, OP)).toEqual([{ manager: OP, operation: 'Apply', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { 'f:a': {}, 'f:b': {} } } }]);
});

test('nothing to fold: no Update entry of the operator (applied only, or only by others)', () => {
  expect(managedFieldsAsApplied([{ manager: OP, operation: 'Apply', fieldsV1: {} }, { manager: 'kubectl', operation: 'Update', fieldsV1: {} }], OP)).toBeUndefined();
  expect(managedFieldsAsApplied([], OP)).toBeUndefined();
});
