import { describe, it, expect } from 'vitest';
import { createKeytarKeychain } from './keychain';

// The real OS keychain. Run under a Secret Service (scripts/sandbox.sh starts an unlocked GNOME keyring):
//   bash scripts/sandbox.sh npx vitest run main/cases
const keychain = createKeytarKeychain(5000);
const probe = await keychain.probe();
if (!probe.available) {
  console.warn(`[keychain.test] SKIPPED real-keychain tests: no Secret Service reachable (${probe.message}). Run: bash scripts/sandbox.sh npx vitest run main/cases`);
}

describe.skipIf(!probe.available)('OS keychain through keytar', () => {
  it('stores, reads back and removes a password', async () => {
    const account = `test:${process.pid}:${Date.now()}`;
    await keychain.set(account, 'Kp4wTz9mQx2R');
    expect(await keychain.get(account)).toBe('Kp4wTz9mQx2R');
    expect(await keychain.remove(account)).toBe(true);
    expect(await keychain.get(account)).toBeNull();
  });
});

describe('OS keychain unavailable', () => {
  it('reports a clear message rather than falling back to a file', async () => {
    if (probe.available) {
      console.warn('[keychain.test] unavailability is covered by service.test.ts (memory keychain); a Secret Service is running here.');
      return;
    }
    await expect(keychain.set('x', 'Kp4wTz9mQx2R')).rejects.toThrow(/keychain is not available/);
  });
});
