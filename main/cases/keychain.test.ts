import { describe, it, expect } from 'vitest';
import { createKeytarKeychain } from './keychain';

// The real OS keychain. Run under a Secret Service:
//   dbus-run-session -- bash -c 'export HOME=$(mktemp -d); echo -n pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null; npx vitest run main/cases'
// (a fresh HOME: an existing login keyring with another password stays locked and refuses writes)
const keychain = createKeytarKeychain(5000);
const probe = await keychain.probe();
if (!probe.available) {
  console.warn(`[keychain.test] SKIPPED real-keychain tests: no Secret Service reachable (${probe.message}). Run under dbus-run-session with gnome-keyring-daemon --unlock.`);
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
