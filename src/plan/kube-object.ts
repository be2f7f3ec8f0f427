/**
 * The Kubernetes children of a workload as plain manifests, and the metadata every one of them
 * carries: the common labels and a controller owner reference to the FargateWorkload, so that
 * garbage collection removes them and Argo CD shows them as children.
 */
import {
  API_GROUP_VERSION,
  KIND_WORKLOAD,
  LABEL_INSTANCE,
  LABEL_MANAGED_BY,
  LABEL_NAME,
  LABEL_WORKLOAD,
  MANAGED_BY_VALUE,
} from '../api/constants.js';
import type { FargateWorkload, PodTemplateSpec } from '../api/types.js';
import { workloadName, workloadNamespace } from './workload-identity.js';

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller: boolean;
  blockOwnerDeletion: boolean;
}

/** Metadata of a child; always namespaced, labelled and owned. */
export interface ChildMeta {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences: OwnerReference[];
}

export interface ServiceAccountObject {
  apiVersion: 'v1';
  kind: 'ServiceAccount';
  metadata: ChildMeta;
}

export interface DeploymentObject {
  apiVersion: 'apps/v1';
  kind: 'Deployment';
  metadata: ChildMeta;
  spec: {
    /** Absent while an HPA owns the replica count. */
    replicas?: number;
    selector: { matchLabels: Record<string, string> };
    strategy: { type: 'RollingUpdate'; rollingUpdate: { maxUnavailable: number | string; maxSurge: number | string } };
    template: Required<Pick<PodTemplateSpec, 'spec'>> & {
      metadata: { labels: Record<string, string>; annotations: Record<string, string> };
    };
  };
}

export interface ServiceObject {
  apiVersion: 'v1';
  kind: 'Service';
  metadata: ChildMeta;
  spec: {
    type: 'ClusterIP';
    selector: Record<string, string>;
    ports: { name: string; protocol: 'TCP'; port: number; targetPort: number }[];
  };
}

export interface IngressPath {
  path: string;
  pathType: 'Prefix';
  backend: { service: { name: string; port: { number: number } } };
}

export interface IngressObject {
  apiVersion: 'networking.k8s.io/v1';
  kind: 'Ingress';
  metadata: ChildMeta;
  spec: { ingressClassName: 'alb'; rules: { host?: string; http: { paths: IngressPath[] } }[] };
}

export interface SecurityGroupPolicyObject {
  apiVersion: 'vpcresources.k8s.aws/v1beta1';
  kind: 'SecurityGroupPolicy';
  metadata: ChildMeta;
  spec: { podSelector: { matchLabels: Record<string, string> }; securityGroups: { groupIds: string[] } };
}

export interface HorizontalPodAutoscalerObject {
  apiVersion: 'autoscaling/v2';
  kind: 'HorizontalPodAutoscaler';
  metadata: ChildMeta;
  spec: {
    scaleTargetRef: { apiVersion: 'apps/v1'; kind: 'Deployment'; name: string };
    minReplicas: number;
    maxReplicas: number;
    metrics: {
      type: 'Resource';
      resource: { name: 'cpu'; target: { type: 'Utilization'; averageUtilization: number } };
    }[];
  };
}

export interface PodDisruptionBudgetObject {
  apiVersion: 'policy/v1';
  kind: 'PodDisruptionBudget';
  metadata: ChildMeta;
  spec: { selector: { matchLabels: Record<string, string> }; maxUnavailable?: number | string; minAvailable?: number | string };
}

/** Any child manifest of a workload; `kind` tells which. */
export type KubeObject =
  | ServiceAccountObject
  | DeploymentObject
  | ServiceObject
  | IngressObject
  | SecurityGroupPolicyObject
  | HorizontalPodAutoscalerObject
  | PodDisruptionBudgetObject;

/** The first child of a kind, typed as that kind. */
export function childOfKind<K extends KubeObject['kind']>(
  objects: readonly KubeObject[],
  kind: K,
): Extract<KubeObject, { kind: K }> | undefined {
  return objects.find((o): o is Extract<KubeObject, { kind: K }> => o.kind === kind);
}

/** Labels on every child and on the pods. */
export function commonLabels(workload: FargateWorkload): Record<string, string> {
  const name = workloadName(workload);
  return {
    [LABEL_MANAGED_BY]: MANAGED_BY_VALUE,
    [LABEL_NAME]: name,
    [LABEL_INSTANCE]: name,
    [LABEL_WORKLOAD]: name,
  };
}

/**
 * The labels that select the workload's pods (Deployment, Service, SecurityGroupPolicy). Only the
 * workload label: a Deployment selector is immutable, so it must not hold anything that changes,
 * such as the profile label.
 */
export function podSelectorLabels(workload: FargateWorkload): Record<string, string> {
  return { [LABEL_WORKLOAD]: workloadName(workload) };
}

/** The controller owner reference to the workload; uid is "" in offline plans. */
export function ownerReference(workload: FargateWorkload): OwnerReference {
  return {
    apiVersion: API_GROUP_VERSION,
    kind: KIND_WORKLOAD,
    name: workloadName(workload),
    uid: workload.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** Metadata of a child named `name` in the workload's namespace. */
export function childMeta(workload: FargateWorkload, name: string, annotations?: Record<string, string>): ChildMeta {
  return {
    name,
    namespace: workloadNamespace(workload),
    labels: commonLabels(workload),
    ...(annotations ? { annotations } : {}),
    ownerReferences: [ownerReference(workload)],
  };
}
