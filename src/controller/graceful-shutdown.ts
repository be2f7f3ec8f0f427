import type { Logger } from '../observability/logger.js';
import { describeKubeError } from '../kube/api-error.js';

/** The parts a shutdown stops, in this order. */
export interface ShutdownSteps {
  /** Stop taking work and wait for in-flight reconciles (each controller's `stop(timeoutMs)`). */
  stopControllers: (timeoutMs: number) => Promise<unknown>;
  /** Release the leader lease so that a standby takes over at once. */
  releaseLease: () => Promise<void>;
  /** Stop the informers. */
  stopInformers: () => void;
  /** Close the health and metrics server. */
  closeServer: () => Promise<void>;
}

/** Runs the shutdown steps once, in order; a failing step is logged and the rest still run. */
export async function shutdownGracefully(steps: ShutdownSteps, timeoutMs: number, logger: Logger): Promise<void> {
  const run = async (name: string, step: () => unknown): Promise<void> => {
    try {
      await step();
    } catch (error) {
      logger.error('shutdown step failed', { step: name, error: describeKubeError(error) });
    }
  };
  await run('controllers', () => steps.stopControllers(timeoutMs));
  await run('lease', steps.releaseLease);
  await run('informers', steps.stopInformers);
  await run('server', steps.closeServer);
}

/**
 * Calls `shutdown` on the first SIGTERM or SIGINT (a second signal exits at once) and resolves
 * when it finished. Returns a function that removes the handlers.
 */
export function onTerminationSignal(shutdown: () => Promise<void>, logger: Logger): () => void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.warn('second signal, exiting now', { signal });
      process.exit(1);
    }
    stopping = true;
    logger.info('shutting down', { signal });
    void shutdown();
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
  return () => {
    process.off('SIGTERM', handler);
    process.off('SIGINT', handler);
  };
}
