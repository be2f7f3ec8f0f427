/** Waiting on a real peer's state in integration tests: poll, never a fixed sleep. */

/**
 * Polls `read` every 50 ms until `done` holds for its value (which is returned), or fails after
 * `timeoutMs` naming `what` and the last value seen.
 */
export async function waitFor<T>(what: string, read: () => Promise<T> | T, done: (value: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
