/**
 * The shape shared by the IAM roles the plan describes (pod execution role, IRSA role), so that
 * one piece of the controller can converge both, and the policy documents the plan writes.
 */
import type { PolicyDocument } from '../api/types.js';

/** One statement of an IAM policy. */
export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Principal?: { Service?: string; Federated?: string };
  Action: string | string[];
  Resource?: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

/** An IAM policy document the operator writes. */
export interface IamPolicyDocument {
  Version: '2012-10-17';
  Statement: PolicyStatement[];
}

/** Desired state of an IAM role; `Inline` is the type of its inline policy document. */
export interface IamRolePlan<Inline = PolicyDocument> {
  /** False when the user names an existing role: the operator then only refers to it. */
  managed: boolean;
  name: string;
  path: string;
  arn: string;
  trustPolicy: IamPolicyDocument;
  managedPolicyArns: string[];
  inlinePolicy?: Inline;
  inlinePolicyName: string;
  /** Ownership tags (design, section 4). */
  tags: Record<string, string>;
}
