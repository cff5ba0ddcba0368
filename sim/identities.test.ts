import { describe, it, expect } from 'vitest';
import { makeIdentity, siteIdentities, SITE_CREDENTIALS } from './identities';

describe('sim identities', () => {
  it('are deterministic from the seed and change with it', () => {
    expect(makeIdentity('camera', 3, 42)).toEqual(makeIdentity('camera', 3, 42));
    expect(makeIdentity('camera', 3, 42).serialNumber).not.toBe(makeIdentity('camera', 3, 43).serialNumber);
  });

  it('look like Dahua/Amcrest devices', () => {
    const { nvr, cameras } = siteIdentities(8, 7);
    expect(nvr.model).toBe('DHI-NVR4108HS-8P-4KS2');
    expect(cameras.map((c) => c.model)).toContain('IP8M-2496EB');
    for (const id of [nvr, ...cameras]) {
      expect(id.serialNumber).toMatch(/^[0-9A-Z]{15}$/);
      expect(id.mac).toMatch(/^(3c:ef:8c|9c:8e:cd)(:[0-9a-f]{2}){3}$/);
      expect(id.endpointUuid).toMatch(/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      if (id.manufacturer === 'Amcrest') expect(id.mac.startsWith('9c:8e:cd')).toBe(true);
    }
  });

  it('stay unique across 1,000 devices', () => {
    const { nvr, cameras } = siteIdentities(1000, 1);
    const all = [nvr, ...cameras];
    for (const key of ['serialNumber', 'mac', 'endpointUuid'] as const) {
      expect(new Set(all.map((d) => d[key])).size).toBe(all.length);
    }
  });

  it('export distinct demo credentials for NVR and cameras', () => {
    expect(SITE_CREDENTIALS.nvr.password).not.toBe(SITE_CREDENTIALS.camera.password);
    expect(SITE_CREDENTIALS.cameraOperator.username).toBe('onvif');
  });
});
