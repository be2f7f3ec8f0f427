import { createWriteStream } from 'node:fs';
import { EC2Client } from '@aws-sdk/client-ec2';
import { EKSClient } from '@aws-sdk/client-eks';
import { loadKubeConfig } from '../../src/kube/kube-config.js';
import { createLogger } from '../../src/observability/logger.js';
import { startEksProxy } from '../../scripts/dev-env/eks-proxy.js';
import { eksProfileSource, subnetPlaceSource } from '../../scripts/dev-env/fargate-scheduler/eks-sources.js';
import { startFargateScheduler, type FargateScheduler } from '../../scripts/dev-env/fargate-scheduler/fargate-scheduler.js';
import type { EksProxy, EksProxyOptions } from '../../scripts/dev-env/eks-proxy.js';
import { startMoto } from '../../scripts/dev-env/moto.js';
import type { MotoServer } from '../../scripts/dev-env/moto.js';
import { EMULATOR_CREDENTIALS, seedAwsAccount } from '../../scripts/dev-env/seed.js';
import type { SeedResult } from '../../scripts/dev-env/seed.js';
import { TEST_ENV_VARIABLE, readTestEnvironment } from './test-env.js';

/** What an AWS integration suite talks to: its own EKS proxy over moto, and a seeded cluster. */
export interface AwsTestStack {
  proxy: EksProxy;
  /** The moto behind the proxy, for a test's own calls that must not show in the proxy's log. */
  motoUrl: string;
  seed: SeedResult;
  /**
   * Starts the Fargate scheduler stand-in for this stack's EKS cluster (the environment's serves
   * only its own cluster): pods its profiles take run on Fargate nodes of the shared API server.
   * It reads moto directly with `credentials` (default: the emulator's dummy ones), and this
   * stack's proxy for profiles in transition. `stop()` stops it.
   */
  placePods(opts: { kubeconfigPath: string; credentials?: { accessKeyId: string; secretAccessKey: string }; logFile?: string; clusterName?: string }): Promise<FargateScheduler>;
  /** Seeds one more EKS cluster (its own VPC and subnets) straight in moto, so that the proxy's log does not show it. */
  seedCluster(clusterName: string): Promise<SeedResult>;
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
    const region = seed.region;
    const schedulers: FargateScheduler[] = [];
    return {
      proxy: started,
      motoUrl,
      seed,
      seedCluster: (clusterName) => seedAwsAccount({ endpoint: motoUrl, clusterName, region }),
      placePods: async ({ kubeconfigPath, credentials, logFile, clusterName: placedCluster }) => {
        const aws = { endpoint: motoUrl, region, credentials: credentials ?? EMULATOR_CREDENTIALS };
        const clusterName = placedCluster ?? opts.clusterName;
        const scheduler = await startFargateScheduler({
          kubeConfig: loadKubeConfig({ kubeconfig: kubeconfigPath }),
          region,
          clusterName,
          profiles: eksProfileSource(new EKSClient(aws), clusterName, (profile) => started.profileStatus(region, clusterName, profile)),
          subnetOf: subnetPlaceSource(new EC2Client(aws)),
          logger: createLogger(logFile ? { stream: createWriteStream(logFile) } : { silent: true }),
        });
        schedulers.push(scheduler);
        return scheduler;
      },
      stop: async () => {
        for (const scheduler of schedulers) await scheduler.stop();
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
