import { batchCreatedEvents } from '../../src/operator/part-events.js';
import { createdMessage } from '../../src/operator/part-report.js';

type Recorded = [string, string, string];

describe('batchCreatedEvents', () => {
  it('records the Created events of a reconcile as one, when flushed, and passes every other event at once', () => {
    const recorded: Recorded[] = [];
    const batch = batchCreatedEvents((type, reason, message) => recorded.push([type, reason, message]));
    batch.event('Normal', 'Created', createdMessage(['IAM role r']));
    batch.event('Warning', 'PolicyNotFound', 'policy p is missing');
    batch.event('Normal', 'Created', createdMessage(['ServiceAccount s', 'Deployment d']));
    expect(recorded).toEqual([['Warning', 'PolicyNotFound', 'policy p is missing']]);
    batch.flush();
    expect(recorded.at(-1)).toEqual(['Normal', 'Created', 'created IAM role r, ServiceAccount s, Deployment d']);
    // Flushed once: a second flush records nothing more.
    batch.flush();
    expect(recorded).toHaveLength(2);
  });

  it('records nothing on flush when nothing was created', () => {
    const recorded: Recorded[] = [];
    batchCreatedEvents((type, reason, message) => recorded.push([type, reason, message])).flush();
    expect(recorded).toEqual([]);
  });
});
