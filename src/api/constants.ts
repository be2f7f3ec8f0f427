/** API group, version and the well-known keys the operator writes. One place, so names never drift. */

export const API_GROUP = 'fargate.eksops.dev';
export const API_VERSION = 'v1alpha1';
export const API_GROUP_VERSION = `${API_GROUP}/${API_VERSION}`;

export const KIND_WORKLOAD = 'FargateWorkload';
export const KIND_CLUSTER = 'FargateCluster';

/** Field manager for every server-side apply the operator makes. */
export const FIELD_MANAGER = 'eks-fargate-operator';

/** Finalizer added before the first AWS resource is created. */
export const FINALIZER = `${API_GROUP}/cleanup`;

/** Pod label that a Shared or Namespace profile selects on; its value is the profile name. */
export const PROFILE_LABEL = `${API_GROUP}/profile`;
/**
 * The pod label EKS reads to pick among several Fargate profiles that match a pod (EKS user guide,
 * "Define which Pods use AWS Fargate when launched"): the operator sets it to the pod's profile,
 * so that a profile someone else made that also matches cannot take the pods.
 */
export const EKS_FARGATE_PROFILE_LABEL = 'eks.amazonaws.com/fargate-profile';

/** Labels put on every Kubernetes child. */
export const LABEL_MANAGED_BY = 'app.kubernetes.io/managed-by';
export const LABEL_NAME = 'app.kubernetes.io/name';
export const LABEL_INSTANCE = 'app.kubernetes.io/instance';
export const LABEL_WORKLOAD = `${API_GROUP}/workload`;
export const MANAGED_BY_VALUE = 'eks-fargate-operator';

/** Pod template annotation carrying a hash of the IRSA role ARN: a role change rolls the pods. */
export const ROLE_HASH_ANNOTATION = `${API_GROUP}/role-arn-hash`;

/** kubectl's record of its last client-side apply (the informers drop it; `diff` reads what it removed). */
export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * Workload annotation that allows adopting an existing AWS resource with the wanted name that was
 * made before or outside the operator: one carrying none of the operator's ownership tags (TAG_*
 * below), or only this workload's. One the operator tagged for another workload, cluster or
 * component is never adopted (it stays NotOwned).
 */
export const ADOPT_ANNOTATION = `${API_GROUP}/adopt`;

/** Ownership tags on every AWS resource the operator creates. */
export const TAG_CLUSTER = `${API_GROUP}/cluster`;
export const TAG_NAMESPACE = `${API_GROUP}/namespace`;
export const TAG_NAME = `${API_GROUP}/name`;
export const TAG_UID = `${API_GROUP}/uid`;
/** Tag naming what kind of operator-owned resource this is (execution-role, irsa-role, profile). */
export const TAG_COMPONENT = `${API_GROUP}/component`;
/**
 * The owning workload's deletionPolicy (Delete or Retain) on what it alone owns (its IRSA role,
 * a Dedicated profile), kept in step with the spec: the sweep of resources whose workload is
 * gone deletes only those tagged Delete.
 */
export const TAG_DELETION_POLICY = `${API_GROUP}/deletion-policy`;

/** IRSA annotations on the ServiceAccount, read by the EKS pod identity webhook. */
export const IRSA_ROLE_ANNOTATION = 'eks.amazonaws.com/role-arn';
export const IRSA_REGIONAL_STS_ANNOTATION = 'eks.amazonaws.com/sts-regional-endpoints';

/** Fargate facts (EKS user guide). */
export const FARGATE_MAX_SELECTORS_PER_PROFILE = 5;
export const FARGATE_MAX_LABELS_PER_SELECTOR = 5;
export const FARGATE_DEFAULT_PROFILE_QUOTA = 10;
export const FARGATE_PROFILE_NAME_MAX = 100;
/** A label value's limit: the operator's profile names are pod label values too, so they stay within it. */
export const LABEL_VALUE_MAX = 63;
export const IAM_ROLE_NAME_MAX = 64;
export const IAM_ROLE_PATH_MAX = 512;
export const MAX_SECURITY_GROUPS_PER_POLICY = 5;

/**
 * How a resync reads the IRSA roles: `staggered` (the default: the trust policies from one
 * ListRoles of the role path per pass, and one of each role's other parts in turn, so each part
 * at least every third pass; src/aws/staggered-role-reads.ts), `per-role` (every part of every
 * role each pass: GetRole and two policy lists each) or `account` (one
 * GetAccountAuthorizationDetails per pass, shared; it needs read access to every IAM entity's
 * policies in the account; src/aws/account-role-snapshot.ts).
 */
export const IAM_ROLE_READS = ['staggered', 'per-role', 'account'] as const;
/** The operator's default {@link IamRoleReads}. */
export const DEFAULT_IAM_ROLE_READS = 'staggered';
export type IamRoleReads = (typeof IAM_ROLE_READS)[number];
