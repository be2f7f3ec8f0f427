/** An in-memory list of AWS calls, filled through a sink, for counting calls per operation and outcome. */
import type { AwsCallRecord, AwsCallSink, AwsService } from './clients.js';

/** Which calls to count; every given field must match. */
export interface AwsCallFilter {
  service?: AwsService;
  operation?: string | RegExp;
  outcome?: string;
}

/** Operations that change AWS state, by name prefix. */
const WRITE_OPERATION = /^(Create|Delete|Put|Update|Attach|Detach|Tag|Untag|Add|Remove|Associate|Disassociate|Modify|Authorize|Revoke|Set)/;

/** Records calls and counts them; `mark()` and `since(mark)` isolate the calls of one step. */
export class AwsCallLog {
  readonly records: AwsCallRecord[] = [];
  readonly sink: AwsCallSink = (call) => {
    this.records.push(call);
  };

  /** The position to pass to {@link since}. */
  mark(): number {
    return this.records.length;
  }

  /** Calls recorded after `mark`, optionally filtered. */
  since(mark: number, filter: AwsCallFilter = {}): AwsCallRecord[] {
    return this.records.slice(mark).filter((call) => matches(call, filter));
  }

  /** How many recorded calls match. */
  count(filter: AwsCallFilter = {}): number {
    return this.since(0, filter).length;
  }
}

/** True when the operation changes AWS state. */
export function isWriteOperation(operation: string): boolean {
  return WRITE_OPERATION.test(operation);
}

function matches(call: AwsCallRecord, filter: AwsCallFilter): boolean {
  if (filter.service !== undefined && call.service !== filter.service) return false;
  if (filter.outcome !== undefined && call.outcome !== filter.outcome) return false;
  if (filter.operation === undefined) return true;
  return typeof filter.operation === 'string' ? call.operation === filter.operation : filter.operation.test(call.operation);
}
