/**
 * Defaults of both resources, the same values the CRD schemas declare. The API server applies the
 * schema defaults on write; these functions apply them again for objects that never went through
 * an API server (files given to the CLI, unit tests), so every consumer sees one shape.
 */
import { FARGATE_DEFAULT_PROFILE_QUOTA } from './constants.js';
import type {
  AutoscalingSpec,
  ClusterIamSpec,
  ClusterProfilesSpec,
  DeletionPolicy,
  FargateCluster,
  FargateWorkload,
  IngressScheme,
  ProfilePlacement,
} from './types.js';

export const DEFAULT_REPLICAS = 1;
export const DEFAULT_PLACEMENT: ProfilePlacement = 'Shared';
export const DEFAULT_DELETION_POLICY: DeletionPolicy = 'Delete';
export const DEFAULT_INGRESS_SCHEME: IngressScheme = 'internal';
export const DEFAULT_INGRESS_PATH = '/';
export const DEFAULT_MIN_REPLICAS = 1;
export const DEFAULT_TARGET_CPU = 80;
export const DEFAULT_ROLE_PATH = '/';
export const DEFAULT_PROFILE_PREFIX = 'fw';
export const DEFAULT_NAMESPACE_PATTERN = '*';
export const DEFAULT_LOG_RETENTION_DAYS = 30;

/** A workload with every default filled in; the input is not modified. */
export function withWorkloadDefaults(w: FargateWorkload): FargateWorkload {
  const spec = w.spec;
  const autoscaling: AutoscalingSpec | undefined = spec.autoscaling
    ? {
        ...spec.autoscaling,
        minReplicas: spec.autoscaling.minReplicas ?? DEFAULT_MIN_REPLICAS,
        targetCPUUtilizationPercentage:
          spec.autoscaling.targetCPUUtilizationPercentage ?? DEFAULT_TARGET_CPU,
      }
    : undefined;
  return {
    ...w,
    spec: {
      ...spec,
      replicas: spec.replicas ?? DEFAULT_REPLICAS,
      ...(autoscaling ? { autoscaling } : {}),
      fargateProfile: {
        ...spec.fargateProfile,
        placement: spec.fargateProfile?.placement ?? DEFAULT_PLACEMENT,
      },
      iam: {
        ...spec.iam,
        serviceAccountName: spec.iam?.serviceAccountName || w.metadata.name,
      },
      ...(spec.ingress
        ? {
            ingress: {
              ...spec.ingress,
              path: spec.ingress.path ?? DEFAULT_INGRESS_PATH,
              scheme: spec.ingress.scheme ?? DEFAULT_INGRESS_SCHEME,
            },
          }
        : {}),
      deletionPolicy: spec.deletionPolicy ?? DEFAULT_DELETION_POLICY,
    },
  };
}

/** A cluster with every default filled in; the input is not modified. */
export function withClusterDefaults(c: FargateCluster): FargateCluster {
  const spec = c.spec;
  const profiles: ClusterProfilesSpec = {
    ...spec.profiles,
    maxProfiles: spec.profiles?.maxProfiles ?? FARGATE_DEFAULT_PROFILE_QUOTA,
    namePrefix: spec.profiles?.namePrefix ?? DEFAULT_PROFILE_PREFIX,
    namespacePattern: spec.profiles?.namespacePattern ?? DEFAULT_NAMESPACE_PATTERN,
  };
  const iam: ClusterIamSpec = {
    ...spec.iam,
    rolePath: spec.iam?.rolePath ?? DEFAULT_ROLE_PATH,
    allowedManagedPolicyArns: spec.iam?.allowedManagedPolicyArns ?? [],
    allowInlinePolicies: spec.iam?.allowInlinePolicies ?? false,
    createOIDCProvider: spec.iam?.createOIDCProvider ?? false,
  };
  const cw = spec.logging?.cloudWatch;
  return {
    ...c,
    spec: {
      ...spec,
      podExecutionRole: spec.podExecutionRole ?? { create: true },
      profiles,
      iam,
      ...(cw
        ? { logging: { cloudWatch: { ...cw, retentionDays: cw.retentionDays ?? DEFAULT_LOG_RETENTION_DAYS } } }
        : {}),
      coreDNSOnFargate: spec.coreDNSOnFargate ?? false,
    },
  };
}
