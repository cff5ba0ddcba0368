import { describe, expect, it } from 'vitest';
import { defaultDataDir, readOptions } from './options';

describe('readOptions', () => {
  it('reads the test environment', () => {
    const o = readOptions({ NVR_DATA_DIR: '/tmp/x', NVR_TEST_HOOKS: '1', NVR_INTERFACES: '127.0.0.1, 10.0.0.5', NVR_CLOCK_OFFSET_MS: '90000000' }, '/fallback');
    expect(o).toEqual({ dataDir: '/tmp/x', testHooks: true, clockOffsetMs: 90_000_000, interfaces: ['127.0.0.1', '10.0.0.5'], embeddedSim: false });
  });

  it('reads discovery ports (DHIP optional) for tests that run their own site', () => {
    expect(readOptions({ NVR_DISCOVERY_PORTS: '13702, 11900' }, '/f').discoveryPorts).toEqual({ wsd: 13702, ssdp: 11900 });
    expect(readOptions({ NVR_DISCOVERY_PORTS: '13702,11900,47810' }, '/f').discoveryPorts).toEqual({ wsd: 13702, ssdp: 11900, dhip: 47810 });
  });

  it('keeps the demo on loopback', () => {
    expect(readOptions({ NVR_EMBEDDED_SIM: '1' }, '/fallback').interfaces).toEqual(['127.0.0.1']);
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
  ])('refuses a bad environment %j with a clear message', (env) => {
    expect(() => readOptions(env, '/fallback')).toThrow(/Invalid environment/);
  });

  it('uses the same data folder as Electron', () => {
    expect(defaultDataDir('linux', { XDG_CONFIG_HOME: '/home/t/.config' })).toBe('/home/t/.config/NVR Support Console');
  });
});
