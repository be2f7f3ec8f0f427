import { copyFileSync, createWriteStream, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EC2Client } from '@aws-sdk/client-ec2';
import { EKSClient } from '@aws-sdk/client-eks';
import { loadKubeConfig } from '../../src/kube/kube-config.js';
import { createLogger } from '../../src/observability/logger.js';
import { ensureBinaries } from './binaries.js';
import { startControlPlane, type ControlPlane } from './control-plane.js';
import { startEksProxy, type EksProxy, type EksProxyOptions } from './eks-proxy.js';
import { eksProfileSource, subnetPlaceSource } from './fargate-scheduler/eks-sources.js';
import { startFargateScheduler, type FargateScheduler } from './fargate-scheduler/fargate-scheduler.js';
import { installCrds } from './kubectl.js';
import { startMoto, type MotoServer } from './moto.js';
import { repoRoot } from './repo-root.js';
import { EMULATOR_CREDENTIALS, seedAwsAccount, type SeedResult } from './seed.js';

/**
 * The controllers of kube-controller-manager the environment runs: what a cluster needs for the
 * operator's children to live (Deployments make pods, owners' deletes cascade, namespaces empty
 * and go, HorizontalPodAutoscalers and PodDisruptionBudgets are acted on, Services get
 * endpoints). nodelifecycle lifts the not-ready taint the API server puts on every new node once
 * KWOK reports it Ready; podgc deletes pods whose node is gone.
 */
export const ENVIRONMENT_CONTROLLERS = [
  'serviceaccount',
  'serviceaccount-token',
  'namespace',
  'garbagecollector',
  'deployment',
  'replicaset',
  'horizontalpodautoscaling',
  'disruption',
  'endpoint',
  'endpointslice',
  'nodelifecycle',
  'podgc',
] as const;

/** What to start besides the fixed set (etcd, kube-apiserver, controller manager, scheduler, KWOK, moto, EKS proxy, Fargate scheduler). */
export interface EnvironmentOptions {
  /** Folder in which the environment's temp folder is made (default: the OS temp folder). */
  tmpRoot?: string;
  /** AWS region the clients use (default us-east-1). */
  region?: string;
  /** Create the VPC, subnets and EKS cluster in moto (default true). */
  seed?: boolean;
  /** Folder of CRD manifests to install, or false for none (default: the repository's crds/). */
  crdsDir?: string | false;
  /** Initial EKS proxy behaviour (delays, faults). */
  proxy?: Omit<EksProxyOptions, 'target' | 'port'>;
  readyTimeoutMs?: number;
  log?: (line: string) => void;
  /** On stop, copy the processes' logs (not the audit log) into this folder first, replacing what it held. */
  keepLogsIn?: string;
  /**
   * Start the controller manager, scheduler, KWOK and the Fargate scheduler (default true). Off,
   * only etcd and kube-apiserver run: nothing makes pods, and Deployments stay as they are written
   * (the benchmark's operator-only mode marks them available itself).
   */
  controllers?: boolean;
}

/** The serialisable facts of a running environment: what tests and shells need to reach it. */
export interface EnvironmentInfo {
  tempDir: string;
  /** Folder of the built kubectl (put it first on PATH). */
  binDir: string;
  kubectl: string;
  kubeconfigPath: string;
  apiServerUrl: string;
  etcdUrl: string;
  motoUrl: string;
  /** The EKS proxy's URL: every AWS client points here. */
  awsEndpoint: string;
  region: string;
  /** Process ids of the child processes, by name (each leads its own process group). */
  pids: Record<string, number>;
  /** What the seed step created in moto, when it ran. */
  seed?: SeedResult;
  /** CRD manifests installed. */
  crds: string[];
  /** Variables to export so that kubectl and the AWS SDK talk to this environment. */
  env: Record<string, string>;
}

/** A running environment. */
export interface Environment extends EnvironmentInfo {
  /** The in-process EKS proxy (other processes reach it with eksProxyRemote(awsEndpoint)). */
  proxy: EksProxy;
  /** Stops every process and removes the temp folder; safe to call more than once. */
  stop(): Promise<void>;
}

const DEFAULT_REGION = 'us-east-1';
const live = new Set<Environment>();
const tempDirs = new Set<string>();
let signalHandlersInstalled = false;

/** Copies the environment's process logs (the audit log excepted: it is large) into `target`, emptied first. */
function keepLogs(tempDir: string, target: string): void {
  rmSync(target, { recursive: true, force: true });
  mkdirSync(target, { recursive: true });
  for (const dir of [tempDir, join(tempDir, 'control-plane')]) {
    if (!existsSync(dir)) continue;
    for (const file of readdirSync(dir)) if (file.endsWith('.log') && file !== 'audit.log') copyFileSync(join(dir, file), join(target, file));
  }
}

/** The plain-data part of an environment, for JSON files. */
export function environmentInfo(environment: Environment): EnvironmentInfo {
  const { proxy: _proxy, stop: _stop, ...info } = environment;
  return info;
}

/** Variables that point kubectl and the AWS SDK at the environment (dummy credentials for moto). */
function environmentVariables(kubeconfigPath: string, awsEndpoint: string, region: string): Record<string, string> {
  return {
    KUBECONFIG: kubeconfigPath,
    AWS_ENDPOINT_URL: awsEndpoint,
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
  };
}

// Children run in their own process groups, so Ctrl-C in a terminal does not reach them: stop
// them here, then end the way the signal would have. processes.ts kills any that remain on exit.
function installSignalHandlers(): void {
  if (signalHandlersInstalled) return;
  signalHandlersInstalled = true;
  const codes: Record<string, number> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };
  for (const [signal, code] of Object.entries(codes)) {
    process.once(signal, () => {
      void Promise.allSettled([...live].map((environment) => environment.stop())).finally(() => process.exit(code));
    });
  }
  process.on('exit', () => {
    for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  });
}

/**
 * Starts etcd, kube-apiserver, moto and the EKS proxy on free loopback ports, waits until each is
 * ready, writes the admin kubeconfig, then (by default) seeds the AWS account and installs the CRDs.
 * Everything lives in one temp folder that `stop()` removes; a failed start cleans up before it
 * rejects, and SIGINT/SIGTERM/SIGHUP stop every live environment.
 */
export async function startEnvironment(options: EnvironmentOptions = {}): Promise<Environment> {
  const log = options.log ?? ((line: string) => console.log(`[environment] ${line}`));
  const region = options.region ?? DEFAULT_REGION;
  installSignalHandlers();
  const binaries = await ensureBinaries();
  const tempDir = mkdtempSync(join(options.tmpRoot ?? tmpdir(), 'eks-fargate-operator-'));
  tempDirs.add(tempDir);

  let controlPlane: ControlPlane | undefined;
  let moto: MotoServer | undefined;
  let proxy: EksProxy | undefined;
  let fargateScheduler: FargateScheduler | undefined;
  let stopping: Promise<void> | undefined;
  const stopAll = (): Promise<void> =>
    (stopping ??= (async () => {
      await fargateScheduler?.stop().catch(() => undefined);
      const results = await Promise.allSettled([proxy?.stop(), moto?.stop(), controlPlane?.stop()]);
      if (options.keepLogsIn) keepLogs(tempDir, options.keepLogsIn);
      rmSync(tempDir, { recursive: true, force: true });
      tempDirs.delete(tempDir);
      const failure = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
      if (failure) throw failure.reason;
    })());

  try {
    const started = Date.now();
    // moto (Python) and the control plane start in parallel: each takes a few seconds.
    const [controlPlaneStart, motoStart] = await Promise.allSettled([
      startControlPlane({
        binaries,
        dir: join(tempDir, 'control-plane'),
        readyTimeoutMs: options.readyTimeoutMs,
        ...(options.controllers === false ? {} : { controllers: ENVIRONMENT_CONTROLLERS, simulatedNodes: true }),
      }),
      startMoto({ logFile: join(tempDir, 'moto.log') }),
    ]);
    // Keep whichever started, so that the cleanup below stops it when the other failed.
    if (controlPlaneStart.status === 'fulfilled') controlPlane = controlPlaneStart.value;
    if (motoStart.status === 'fulfilled') moto = motoStart.value;
    if (controlPlaneStart.status === 'rejected') throw controlPlaneStart.reason;
    if (motoStart.status === 'rejected') throw motoStart.reason;
    const plane = controlPlaneStart.value;
    const emulator = motoStart.value;
    proxy = await startEksProxy({ ...options.proxy, target: emulator.url });
    const parts = options.controllers === false ? 'etcd, kube-apiserver' : 'etcd, kube-apiserver, kube-controller-manager, kube-scheduler, KWOK';
    log(`${parts}, moto and the EKS proxy ready in ${((Date.now() - started) / 1000).toFixed(1)} s (${tempDir})`);

    const target = { kubectl: binaries.kubectl, kubeconfigPath: plane.kubeconfigPath };
    const crdsDir = options.crdsDir === undefined ? join(repoRoot(), 'crds') : options.crdsDir;
    const crds = crdsDir === false ? [] : await installCrds(target, crdsDir);
    // Seeded straight into moto, so that faults configured on the proxy cannot break the seed.
    const seed = options.seed === false ? undefined : await seedAwsAccount({ endpoint: emulator.url, region });
    if (seed && options.controllers !== false) {
      // EKS's part for the seeded cluster: it reads moto itself, and the proxy's CREATING/DELETING.
      const aws = { endpoint: emulator.url, region, credentials: EMULATOR_CREDENTIALS };
      const eksProxy = proxy;
      fargateScheduler = await startFargateScheduler({
        kubeConfig: loadKubeConfig({ kubeconfig: plane.kubeconfigPath }),
        region,
        clusterName: seed.clusterName,
        profiles: eksProfileSource(new EKSClient(aws), seed.clusterName, (profile) => eksProxy.profileStatus(region, seed.clusterName, profile)),
        subnetOf: subnetPlaceSource(new EC2Client(aws)),
        logger: createLogger({ stream: createWriteStream(join(tempDir, 'fargate-scheduler.log')) }),
      });
    }

    const environment: Environment = {
      tempDir,
      binDir: binaries.kubectlDir,
      kubectl: binaries.kubectl,
      kubeconfigPath: plane.kubeconfigPath,
      apiServerUrl: plane.apiServerUrl,
      etcdUrl: plane.etcdUrl,
      motoUrl: emulator.url,
      awsEndpoint: proxy.url,
      region,
      pids: { ...Object.fromEntries(plane.processes.map((child) => [child.name, child.pid])), moto: emulator.pid },
      ...(seed === undefined ? {} : { seed }),
      crds,
      env: environmentVariables(plane.kubeconfigPath, proxy.url, region),
      proxy,
      stop: async () => {
        live.delete(environment);
        await stopAll();
      },
    };
    live.add(environment);
    return environment;
  } catch (error) {
    await stopAll().catch(() => undefined);
    throw error;
  }
}
