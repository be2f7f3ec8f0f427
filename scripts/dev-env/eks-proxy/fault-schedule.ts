/**
 * The kinds of fault the proxy can answer with instead of forwarding a call: a throttling error,
 * a 500, or `hang`: no answer at all, until the client gives up (a hung AWS endpoint).
 */
export type FaultKind = 'throttle' | 'server-error' | 'hang';

/**
 * One injected fault. `operation` is an operation name (`CreateFargateProfile`), a service
 * wildcard (`eks:*`) or both (`iam:GetRole`); without it every call matches. `count` limits the
 * rule to the first N matching calls; `rate` (0..1, default 1) injects on that share of matching
 * calls, drawn from a seeded generator so that a run can be repeated.
 */
export interface FaultRule {
  operation?: string;
  /** Only calls whose request (path or body) contains this text, e.g. one role's name. */
  requestContains?: string;
  kind: FaultKind;
  rate?: number;
  count?: number;
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
  private readonly random: () => number;

  constructor(
    private readonly rules: readonly FaultRule[],
    seed = 1,
  ) {
    this.remaining = rules.map((rule) => rule.count);
    this.random = seededRandom(seed);
  }

  /** The fault to answer this call with, or undefined to let it through. `request` is its path and body. */
  decide(service: string, operation: string, request = ''): FaultKind | undefined {
    for (const [index, rule] of this.rules.entries()) {
      const left = this.remaining[index];
      if (left !== undefined && left <= 0) continue;
      if (!operationMatches(rule.operation, service, operation)) continue;
      if (rule.requestContains !== undefined && !request.includes(rule.requestContains)) continue;
      const rate = rule.rate ?? 1;
      if (rate < 1 && this.random() >= rate) continue;
      if (left !== undefined) this.remaining[index] = left - 1;
      return rule.kind;
    }
    return undefined;
  }
}
