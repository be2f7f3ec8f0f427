/**
 * The kinds of fault the proxy can inject:
 * - `throttle`, `server-error`: answered instead of forwarding, in the service's wire shape;
 * - `hang`: no answer at all, until the client gives up (a hung AWS endpoint);
 * - `lost-response`: forwarded, so the call takes effect, but the client gets a connection reset
 *   instead of the answer (a response lost on the way back);
 * - `crash-after`: forwarded and answered, then the process group `killProcessGroup` is killed
 *   with SIGKILL (a crash right after a call succeeded).
 */
export type FaultKind = 'throttle' | 'server-error' | 'hang' | 'lost-response' | 'crash-after';

/**
 * One injected fault. `operation` is an operation name (`CreateFargateProfile`), a service
 * wildcard (`eks:*`) or both (`iam:GetRole`); without it every call matches. `count` limits the
 * rule to the first N matching calls; `rate` (0..1, default 1) injects on that share of matching
 * calls, drawn from a seeded generator so that a run can be repeated. `occurrence` and
 * `writeIndex` address one call exactly, counted from when the rule was configured.
 */
export interface FaultRule {
  operation?: string;
  /** Only calls whose request (path or body) contains this text, e.g. one role's name. */
  requestContains?: string;
  kind: FaultKind;
  rate?: number;
  count?: number;
  /** Only the nth (1-based) call that `operation` and `requestContains` match. */
  occurrence?: number;
  /** Only the nth (1-based) write call (of any operation that changes AWS state). */
  writeIndex?: number;
  /** For `crash-after`: the process group to kill (the operator started with its own group). */
  killProcessGroup?: number;
}

/** One call as the schedule judges it. */
export interface ScheduledCall {
  service: string;
  operation: string;
  /** The request's path and body, for `requestContains`. */
  request?: string;
  /** True when the operation changes AWS state. */
  write?: boolean;
}

/** True when `pattern` (see {@link FaultRule.operation}) names this service and operation. */
export function operationMatches(pattern: string | undefined, service: string, operation: string): boolean {
  if (pattern === undefined || pattern === '*') return true;
  const colon = pattern.indexOf(':');
  if (colon < 0) return pattern === operation;
  const [wantedService, wantedOperation] = [pattern.slice(0, colon), pattern.slice(colon + 1)];
  return wantedService.toLowerCase() === service.toLowerCase() && (wantedOperation === '*' || wantedOperation === operation);
}

/** mulberry32: a small seeded generator of numbers in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Decides, call by call, whether to inject a fault. The first rule that matches a call and still
 * has injections left decides; a rule with a `count` uses one injection per fault it causes.
 */
export class FaultSchedule {
  private readonly remaining: Array<number | undefined>;
  private readonly matched: number[];
  private writes = 0;
  private readonly random: () => number;

  constructor(
    private readonly rules: readonly FaultRule[],
    seed = 1,
  ) {
    this.remaining = rules.map((rule) => rule.count);
    this.matched = rules.map(() => 0);
    this.random = seededRandom(seed);
  }

  /** The rule whose fault to inject into this call, or undefined to let it through. */
  decide(call: ScheduledCall): FaultRule | undefined {
    if (call.write) this.writes += 1;
    // Every rule counts its matches, so that an `occurrence` does not depend on the rules before it.
    const candidates = this.rules.filter((rule, index) => {
      if (!operationMatches(rule.operation, call.service, call.operation)) return false;
      if (rule.requestContains !== undefined && !(call.request ?? '').includes(rule.requestContains)) return false;
      this.matched[index] = (this.matched[index] ?? 0) + 1;
      return true;
    });
    for (const rule of candidates) {
      const index = this.rules.indexOf(rule);
      const left = this.remaining[index];
      if (left !== undefined && left <= 0) continue;
      if (rule.occurrence !== undefined && this.matched[index] !== rule.occurrence) continue;
      if (rule.writeIndex !== undefined && (!call.write || this.writes !== rule.writeIndex)) continue;
      const rate = rule.rate ?? 1;
      if (rate < 1 && this.random() >= rate) continue;
      if (left !== undefined) this.remaining[index] = left - 1;
      return rule;
    }
    return undefined;
  }
}
