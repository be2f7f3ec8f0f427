import { busiestWindow } from '../support/call-bursts.js';

describe('busiestWindow', () => {
  it('finds the object with the most calls within one window, ignoring calls that name none', () => {
    const calls = [
      { target: 'role-a', startedAt: 0 },
      { target: 'role-a', startedAt: 400 },
      { target: 'role-a', startedAt: 1500 },
      { target: 'role-b', startedAt: 100, operation: 'GetRole' },
      { target: 'role-b', startedAt: 200, operation: 'GetRole', injected: 'throttle' },
      { target: 'role-b', startedAt: 300, operation: 'GetRole' },
      { startedAt: 150 },
      { startedAt: 160 },
      { startedAt: 170 },
      { startedAt: 180 },
    ];
    expect(busiestWindow(calls, 1000)).toEqual({ target: 'role-b', calls: 3, operations: { GetRole: 2, 'GetRole (throttle)': 1 } });
    // A window is half-open: calls exactly windowMs apart fall in two windows.
    expect(busiestWindow([{ target: 'x', startedAt: 0 }, { target: 'x', startedAt: 1000 }], 1000)).toEqual({ target: 'x', calls: 1, operations: { '?': 1 } });
    expect(busiestWindow([], 1000)).toEqual({ target: '', calls: 0, operations: {} });
  });
});
