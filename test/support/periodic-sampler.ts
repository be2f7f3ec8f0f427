/**
 * Looks at something again and again while a test acts, so that the test can judge afterwards
 * every state it went through (a rollout, a profile going away), not only the last one.
 */

/** One look, timed on the clock the EKS proxy stamps its calls with. */
export interface Sample<T> {
  /** When the reads were sent: what they show was there at that time or later. */
  at: number;
  /** When their answers were in: what they show was there at that time or earlier. */
  doneAt: number;
  value: T;
}

/** A running sampler. */
export interface PeriodicSampler<T> {
  samples: Sample<T>[];
  /** Stops looking (after the look in progress); safe to call more than once. */
  stop(): Promise<void>;
}

/**
 * Calls `read` every `intervalMs` (0: back to back) until stopped. `skip` says which failed reads
 * are not a sample (an object not there yet); any other failure fails `stop()`.
 */
export function samplePeriodically<T>(read: () => Promise<T>, intervalMs: number, skip: (error: unknown) => boolean = () => false): PeriodicSampler<T> {
  const samples: Sample<T>[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const at = Date.now();
      try {
        const value = await read();
        samples.push({ at, doneAt: Date.now(), value });
      } catch (error) {
        if (!skip(error)) throw error;
      }
      // The sampling cadence (one look every intervalMs), not a wait for some state: the looks are the data.
      if (intervalMs > 0) await new Promise((resolve) => setTimeout(resolve, Math.max(0, at + intervalMs - Date.now())));
    }
  })();
  return {
    samples,
    stop: async () => {
      running = false;
      await loop;
    },
  };
}
