// Jest global teardown of the integration project: stops the environment global setup started
// (every process, and its temp folder). Plain JavaScript for the reason given in jest-global-setup.mjs.
import { ENVIRONMENT_GLOBAL } from './jest-global-setup.mjs';

/** Stops the environment that global setup left in a global. */
export default async function globalTeardown() {
  await globalThis[ENVIRONMENT_GLOBAL]?.stop();
}
