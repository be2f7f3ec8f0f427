/** The workload's ServiceAccount, annotated for the EKS pod identity webhook (IRSA). */
import { IRSA_REGIONAL_STS_ANNOTATION, IRSA_ROLE_ANNOTATION } from '../api/constants.js';
import type { FargateWorkload } from '../api/types.js';
import type { IrsaRolePlan } from './irsa-role.js';
import { childMeta, type ServiceAccountObject } from './kube-object.js';

/** The ServiceAccount the pods run as, pointing at the IRSA role (managed or the workload's own). */
export function planServiceAccount(workload: FargateWorkload, role: IrsaRolePlan): ServiceAccountObject {
  return {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: childMeta(workload, role.serviceAccountName, {
      [IRSA_ROLE_ANNOTATION]: role.arn,
      // Regional STS: no dependency on the global endpoint, and VPC endpoints for sts work.
      [IRSA_REGIONAL_STS_ANNOTATION]: 'true',
    }),
  };
}
