import { startEksProxy } from '../../scripts/dev-env/eks-proxy.js';
import type { EksProxy, EksProxyOptions } from '../../scripts/dev-env/eks-proxy.js';
import { startMoto } from '../../scripts/dev-env/moto.js';
import type { MotoServer } from '../../scripts/dev-env/moto.js';
import { seedAwsAccount } from '../../scripts/dev-env/seed.js';
import type { SeedResult } from '../../scripts/dev-env/seed.js';
import { TEST_ENV_VARIABLE, readTestEnvironment } from './test-env.js';

/** What an AWS integration suite talks to: its own EKS proxy over moto, and a seeded cluster. */
export interface AwsTestStack {
  proxy: EksProxy;
  /** The moto behind the proxy, for a test's own calls that must not show in the proxy's log. */
  motoUrl: string;
  seed: SeedResult;
  stop(): Promise<void>;
}

/**
 * Starts an EKS proxy of the suite's own (so that its call log, delays and faults are its own) in
 * front of the environment's moto (the integration project's global setup) or, when the suite
 * runs alone or asks for one (`ownMoto`: for settings that are global to a moto server, such as
 * its IAM enforcement), a moto of its own; then seeds the suite's cluster through the proxy.
 */
export async function startAwsTestStack(opts: {
  clusterName: string;
  region?: string;
  proxy?: Omit<EksProxyOptions, 'target' | 'port'>;
  ownMoto?: boolean;
}): Promise<AwsTestStack> {
  let moto: MotoServer | undefined;
  const motoUrl = process.env[TEST_ENV_VARIABLE] && !opts.ownMoto ? readTestEnvironment().motoUrl : (moto = await startMoto()).url;
  let proxy: EksProxy | undefined;
  try {
    proxy = await startEksProxy({ ...opts.proxy, target: motoUrl });
    const seed = await seedAwsAccount({ endpoint: proxy.url, clusterName: opts.clusterName, ...(opts.region ? { region: opts.region } : {}) });
    const started = proxy;
    return {
      proxy: started,
      motoUrl,
      seed,
      stop: async () => {
        await started.stop();
        await moto?.stop();
      },
    };
  } catch (error) {
    await proxy?.stop();
    await moto?.stop();
    throw error;
  }
}
