/**
 * The operator's finalizer on the objects it reconciles (FargateWorkloads and FargateClusters),
 * through the context's finalizer writer: one helper for both, so that "is it there" and "add or
 * remove it without a needless request" mean the same everywhere.
 */
import { FINALIZER } from '../api/constants.js';
import type { FinalizerSubject, OperatorContext } from './operator-context.js';

/** True when the object carries the operator's finalizer. */
export function hasFinalizer(object: FinalizerSubject): boolean {
  return (object.metadata?.finalizers ?? []).includes(FINALIZER);
}

/** Adds or removes the finalizer (no request when it is already so) and returns the object as it now is. */
export async function setFinalizer<T extends FinalizerSubject>(ctx: Pick<OperatorContext, 'setFinalizer'>, object: T, present: boolean): Promise<T> {
  if (hasFinalizer(object) === present) return object;
  return ctx.setFinalizer(object, present);
}
