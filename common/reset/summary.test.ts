import { describe, expect, it } from 'vitest';
import { ResetCase } from './case';
import { caseSummary } from './summary';

const at = Date.UTC(2026, 10, 25, 19, 36, 18);
const base = ResetCase.parse({
  id: 'case-abcdef',
  createdAt: at,
  updatedAt: at,
  nvr: { label: 'Shop NVR', model: 'NV4108-HS', serial: '7M0TPN', address: '192.168.1.10' },
  step: 'done',
  passwordSetAt: at,
  doneAt: at,
  outcome: 'reset',
});

describe('caseSummary', () => {
  it('names the NVR as everywhere else and gives local times with the zone', () => {
    const text = caseSummary(base, at, 'Europe/Berlin');
    expect(text).toContain('NVR password reset — NV4108-HS · S/N 7M0TPN · 192.168.1.10');
    expect(text).toMatch(/opened 25 Nov 2026, 20:36:18 (CET|GMT\+1)/);
    expect(text).not.toMatch(/UTC|\d{4}-\d\d-\d\dT/);
  });

  it('records the truth when the keychain was unavailable', () => {
    const text = caseSummary({ ...base, passwordKept: 'session-memory' }, at, 'UTC');
    expect(text).toMatch(/Outcome: reset done, password not stored/);
    expect(text).toMatch(/not stored: the OS keychain was unavailable/);
    expect(caseSummary({ ...base, passwordKept: 'keychain', passwordInKeychain: true }, at, 'UTC')).toMatch(/Outcome: password reset completed/);
  });
});
