import { describe, expect, it } from 'vitest';
import { defaultDataDir, loadedFromArchive, readOptions } from './options';

describe('readOptions', () => {
  it('reads the test environment', () => {
    const o = readOptions({ NVR_DATA_DIR: '/tmp/x', NVR_TEST_HOOKS: '1', NVR_INTERFACES: '127.0.0.1, 10.0.0.5', NVR_CLOCK_OFFSET_MS: '90000000' }, '/fallback');
    expect(o).toEqual({ dataDir: '/tmp/x', testHooks: true, clockOffsetMs: 90_000_000, interfaces: ['127.0.0.1', '10.0.0.5'], embeddedSim: false, autoUpdate: false });
    expect(readOptions({ NVR_AUTO_UPDATE: '1' }, '/f').autoUpdate).toBe(true);
  });

  it('reads discovery ports (DHIP optional) for tests that run their own site', () => {
    expect(readOptions({ NVR_DISCOVERY_PORTS: '13702, 11900' }, '/f').discoveryPorts).toEqual({ wsd: 13702, ssdp: 11900 });
    expect(readOptions({ NVR_DISCOVERY_PORTS: '13702,11900,47810' }, '/f').discoveryPorts).toEqual({ wsd: 13702, ssdp: 11900, dhip: 47810 });
  });

  it('an installed build honours no test hook and no clock move, whatever the environment says', () => {
    const env = { NVR_TEST_HOOKS: '1', NVR_CLOCK_OFFSET_MS: '90000000' };
    expect(readOptions(env, '/f', { packaged: true })).toMatchObject({ testHooks: false, clockOffsetMs: 0 });
    expect(readOptions(env, '/f', { packaged: false })).toMatchObject({ testHooks: true, clockOffsetMs: 90_000_000 });
  });

  it('no variable starts the simulated site: only the demo entry does', () => {
    expect(() => readOptions({ NVR_EMBEDDED_SIM: '1' }, '/fallback')).toThrow(/unknown variable NVR_EMBEDDED_SIM/);
    expect(readOptions({}, '/fallback').embeddedSim).toBe(false);
  });

  it('ignores the launch scripts’ own variables and everything that is not NVR_*', () => {
    expect(readOptions({ NVR_SANDBOXED: '1', NVR_KEYRING: '1', PATH: '/bin', HOME: '/root' }, '/f').dataDir).toBe('/f');
  });

  it.each([
    [{ NVR_INTERFACES: 'eth0' }],
    [{ NVR_INTERFACES: '300.1.1.1' }],
    [{ NVR_TEST_HOOKS: 'yes' }],
    [{ NVR_CLOCK_OFFSET_MS: '-5' }],
    [{ NVR_CLOCK_OFFSET_MS: 'soon' }],
    [{ NVR_DISCOVERY_PORTS: '3702' }],
    [{ NVR_DISCOVERY_PORTS: '3702,x' }],
    [{ NVR_DISCOVERY_PORTS: '3702,70000' }],
    [{ NVR_DISCOVERY_PORTS: '0,1900' }],
    [{ NVR_DISCOVERY_PORTS: '1,2,3,4' }],
    [{ NVR_DATA_DIR: '' }],
    [{ NVR_TEST_HOOK: '1' }],
    [{ NVR_AUTO_UPDATE: 'yes' }],
  ])('refuses a bad environment %j with a clear message', (env) => {
    expect(() => readOptions(env, '/fallback')).toThrow(/Invalid environment/);
  });

  it('uses the same data folder as Electron', () => {
    expect(defaultDataDir('linux', { XDG_CONFIG_HOME: '/home/t/.config' })).toBe('/home/t/.config/NVR Support Console');
  });

  it.each([
    ['file:///opt/NVR%20Support%20Console/resources/app.asar/out/main/host.js', true],
    ['file:///C:/Program%20Files/NVR/resources/app.asar/out/main/cli.js', true],
    ['file:///work/repo/out/main/host.js', false],
    ['file:///work/app.asar.unpacked/x.js', false],
  ])('loadedFromArchive(%s) = %s', (url, want) => expect(loadedFromArchive(url)).toBe(want));
});
