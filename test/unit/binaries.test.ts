/** How the local environment's Go binaries are pinned and stamped (scripts/dev-env/binaries.ts). */
import { kubernetesVersion, kubernetesVersionStamps, requiredVersion } from '../../scripts/dev-env/binaries.js';

describe('binaries of the local environment', () => {
  it('reads the version a wrapper go.mod requires, in either require form', () => {
    expect(requiredVersion('module x\n\nrequire k8s.io/kubernetes v1.34.4\n', 'k8s.io/kubernetes')).toBe('v1.34.4');
    expect(requiredVersion('require (\n\tgo.etcd.io/etcd/server/v3 v3.6.16\n)\n', 'go.etcd.io/etcd/server/v3')).toBe('v3.6.16');
    expect(() => requiredVersion('module x\n', 'k8s.io/kubernetes')).toThrow('go.mod does not require k8s.io/kubernetes');
    expect(kubernetesVersion()).toMatch(/^v1\.34\.\d+$/);
  });

  it('stamps the release version into the server and the client packages, as a release build does', () => {
    const stamps = kubernetesVersionStamps('v1.34.4');
    for (const pkg of ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version']) {
      expect(stamps).toEqual(
        expect.arrayContaining([`-X '${pkg}.gitVersion=v1.34.4'`, `-X '${pkg}.gitMajor=1'`, `-X '${pkg}.gitMinor=34'`, `-X '${pkg}.gitTreeState=clean'`]),
      );
    }
    expect(stamps).toHaveLength(8);
  });
});
