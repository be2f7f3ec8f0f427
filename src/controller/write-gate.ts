/**
 * The one check every AWS and Kubernetes write of the controllers passes right before it is sent
 * (src/aws/clients.ts, src/kube/api-clients.ts): with leader election, only a leader within its
 * renew deadline writes. The Lease's own reads and writes do not pass it.
 */

/** Throws {@link WriteRefusedError} when the write `what` (e.g. `eks:CreateFargateProfile`) may not be sent now. */
export type WriteGate = (what: string) => void;

/** A write this process refused to send. */
export class WriteRefusedError extends Error {
  override readonly name = 'WriteRefused';

  constructor(what: string, reason: string) {
    super(`refused to send ${what}: ${reason}`);
  }
}

/** A gate that lets every write through (no leader election: a single replica). */
export const openWriteGate: WriteGate = () => {};

/** A gate that refuses a write whenever `refusal()` gives a reason. */
export function refusingWriteGate(refusal: () => string | undefined): WriteGate {
  return (what) => {
    const reason = refusal();
    if (reason !== undefined) throw new WriteRefusedError(what, reason);
  };
}
