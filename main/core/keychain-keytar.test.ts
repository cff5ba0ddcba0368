import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { describe, it, expect } from 'vitest';
import { createKeytarKeychain } from './keychain-keytar';

// The real OS keychain. Run under a Secret Service (scripts/sandbox.sh starts an unlocked GNOME keyring):
//   bash scripts/sandbox.sh npx vitest run main/core/keychain-keytar.test.ts
const keychain = createKeytarKeychain(5000);
const probe = await keychain.probe();

describe('OS keychain through keytar', () => {
  it('stores, reads back and removes a password', async ({ skip }) => {
    skip(!probe.available, `no Secret Service reachable (${probe.message}); run: bash scripts/sandbox.sh npx vitest run main/core/keychain-keytar.test.ts`);
    const account = `test:${process.pid}:${Date.now()}`;
    await keychain.set(account, 'Kp4wTz9mQx2R');
    expect(await keychain.get(account)).toBe('Kp4wTz9mQx2R');
    expect(await keychain.remove(account)).toBe(true);
    expect(await keychain.get(account)).toBeNull();
  });
});

describe('OS keychain unavailable', () => {
  // A process of its own whose session bus is a socket nobody listens on (and no
  // display to auto-launch one from): the keychain code exactly as the app runs
  // it, on a machine without a Secret Service, whatever this machine has.
  it('reports a clear message rather than falling back to a file', async () => {
    const home = mkdtempSync(join(tmpdir(), 'nvr-nokeyring-'));
    try {
      const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, XDG_DATA_HOME: join(home, 'data'), XDG_CONFIG_HOME: join(home, 'config') };
      delete env.DISPLAY;
      delete env.WAYLAND_DISPLAY;
      env.DBUS_SESSION_BUS_ADDRESS = `unix:path=${join(home, 'no-bus')}`;
      const script = `
        const { createKeytarKeychain } = await import(${JSON.stringify(pathToFileURL(join(import.meta.dirname, 'keychain-keytar.ts')).href)});
        const k = createKeytarKeychain(5000);
        const probe = await k.probe();
        const error = await k.set('case:x', 'Kp4wTz9mQx2R').then(() => null, (e) => ({ name: e.constructor.name, message: e.message }));
        process.stdout.write(JSON.stringify({ probe, error }));`;
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { env, cwd: join(import.meta.dirname, '..', '..') });
      const out = JSON.parse(stdout) as { probe: { available: boolean; message?: string }; error: { name: string; message: string } | null };
      expect(out.probe.available).toBe(false);
      expect(out.error?.name).toBe('KeychainUnavailable');
      expect(out.error?.message).toMatch(/The OS keychain is not available .*write it down for the hand-over/);
      // Nothing written in its place: the child's home stays empty.
      expect(readdirSync(home)).toEqual([]);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
