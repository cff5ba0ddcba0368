import { describe, expect, it } from 'vitest';
import { nvrDisplayName } from './label';

describe('nvrDisplayName', () => {
  it.each([
    [{ label: 'Dahua', model: 'NV4108-HS', serial: '6J0C1', address: '192.168.1.10' }, 'NV4108-HS · S/N 6J0C1 · 192.168.1.10'],
    [{ label: 'Shop NVR' }, 'Shop NVR'],
    [{ label: 'NV4108-HS', model: 'NV4108-HS' }, 'NV4108-HS'],
    [{ label: 'Back office', address: '10.0.0.2' }, 'Back office · 10.0.0.2'],
    [{ label: 'x', model: '  ', serial: '' }, 'x'],
  ])('%j → %s', (ref, expected) => {
    expect(nvrDisplayName(ref)).toBe(expected);
  });
});
