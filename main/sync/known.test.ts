// Passwords known for one account (close-the-loop hands in the one the NVR stores for its own account).
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { targetKey } from '../../common/sync/target';
import { createMemoryKeychain } from '../core/keychain';
import { FakeDevice, fakeFactory } from '../../test/support/fake-device';
import { testContext } from '../../test/support/test-context';
import { runSync } from './engine';
import { setupSync } from './service';
import type { ClientFactory } from './port';

const OLD = 'Old-pass-1';
const NEW = 'New-pass-22';
const KNOWN = 'Nvr-stored-9';
const X = 'http://cam/onvif/device_service';
const fast = { retryBaseMs: 1, timeoutMs: 1000, lateApplyMs: 1 };
const users = [{ username: 'admin', userLevel: 'Administrator' }, { username: 'onvif', userLevel: 'Administrator' }];

/** The fake camera's clients, recording which password each sign-in carried for which user. */
function recording(devices: Map<string, FakeDevice>): { factory: ClientFactory; sent: string[] } {
  const sent: string[] = [];
  const inner = fakeFactory(devices);
  const factory: ClientFactory = (o) => {
    const c = inner(o);
    return {
      close() {},
      getUsers: (cr) => (sent.push(`${cr.username}:${cr.password}`), c.getUsers(cr)),
      setUser: (cr, u) => (sent.push(`${cr.username}:${cr.password}`), c.setUser(cr, u)),
      getDeviceInformation: (cr) => (sent.push(`${cr.username}:${cr.password}`), c.getDeviceInformation(cr)),
      get requestCount() {
        return c.requestCount;
      },
      get authOff() {
        return c.authOff;
      },
    };
  };
  return { factory, sent };
}

describe('passwords known for one account', () => {
  it('one run changes the admin and the NVR\'s onvif account of one camera; the known password goes first, for its account only', async () => {
    const cam = new FakeDevice({ admin: OLD, onvif: KNOWN }, users);
    const { factory, sent } = recording(new Map([[X, cam]]));
    const targets = users.map((u) => ({ xaddr: X, username: u.username }));
    const journalPath = join(mkdtempSync(join(tmpdir(), 'sync-known-')), 'run.jsonl');
    const { rows } = await runSync({
      ...fast, journalPath, targets, clientFactory: factory, currentPasswords: [OLD], newPassword: NEW,
      knownPasswords: { [targetKey(targets[1]!)]: [KNOWN] },
    });
    expect(rows.map((r) => [r.username, r.outcome])).toEqual([['admin', 'updated'], ['onvif', 'updated']]);
    expect(cam.passwordOf('admin')).toBe(NEW);
    expect(cam.passwordOf('onvif')).toBe(NEW);
    expect(cam.setUserBy).toEqual({ admin: 1, onvif: 1 });
    // The onvif account signed in with its own password at the first try; admin never saw it.
    expect(sent.find((s) => s.startsWith('onvif:'))).toBe(`onvif:${KNOWN}`);
    expect(sent.filter((s) => s === `admin:${KNOWN}`)).toEqual([]);
    expect(rows[1]).toMatchObject({ known: 1 });
    expect(rows[1]!.candidate).toBeUndefined();
    expect(rows[1]!.detail).toMatch(/signed in with the password known for this account/);
    const text = readFileSync(journalPath, 'utf8') + JSON.stringify(rows);
    for (const p of [OLD, NEW, KNOWN]) expect(text).not.toContain(p);
  });

  it('is never tried for another account, even where it would sign in', async () => {
    const cam = new FakeDevice({ admin: KNOWN, onvif: KNOWN }, users);
    const { factory, sent } = recording(new Map([[X, cam]]));
    const targets = users.map((u) => ({ xaddr: X, username: u.username }));
    const { rows } = await runSync({
      ...fast, targets, clientFactory: factory, currentPasswords: [OLD], newPassword: NEW, maxFailedAuthsPerDevice: 4,
      knownPasswords: { [targetKey(targets[1]!)]: [KNOWN] },
    });
    expect(rows.find((r) => r.username === 'onvif')!.outcome).toBe('updated');
    expect(rows.find((r) => r.username === 'admin')!.outcome).toBe('auth-failed');
    expect(sent.filter((s) => s === `admin:${KNOWN}`)).toEqual([]);
  });

  it('a run opened by another feature takes known passwords later, registers them as secrets and tries each once', async () => {
    const { ctx } = testContext();
    const cam = new FakeDevice({ admin: OLD, onvif: KNOWN }, users);
    const { factory, sent } = recording(new Map([[X, cam]]));
    const f = await setupSync(ctx, { clientFactory: factory, keychain: createMemoryKeychain(), engine: { retryBaseMs: 1, lateApplyMs: 1 } });
    const targets = users.map((u) => ({ xaddr: X, username: u.username }));
    const run = await f.openRun(targets, { currentPasswords: [OLD], newPassword: NEW });
    // The same password given twice, and once more in the shared list's place: one try only.
    run.addKnownPasswords({ [targetKey(targets[1]!)]: [KNOWN, KNOWN] });
    expect(ctx.secrets.scrub(`x ${KNOWN} y`)).not.toContain(KNOWN);
    const rows = await run.change(run.pendingKeys());
    expect(rows.map((r) => r.outcome)).toEqual(['updated', 'updated']);
    expect(sent.filter((s) => s === `onvif:${KNOWN}`)).toHaveLength(2); // its sign-in and its SetUser
    await run.finish();
    await f.dispose?.();
  });
});
