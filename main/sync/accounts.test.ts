// Several accounts on one camera share its budget: the order spends it where it can still succeed.
// Engine + real ONVIF client + simulated cameras, loopback 127.55.10.0/24 only.
import { describe, expect, it } from 'vitest';
import { nextStepFor } from '../../common/sync/outcomes';
import { simCameras } from '../../test/support/sim-cameras';
import { runSync } from './engine';
import { onvifClientFactory } from './onvif-factory';

const INSTALLER = 'Installer-pw-1';
const ADMIN = 'Config-admin-2';
const NEW = 'Fresh2026pass';
const sims = simCameras({ block: '127.55.10', seed: 21 });

describe('several accounts on one camera', () => {
  // The case, from an independent ONVIF server: the config-file admin is FixedUser, the installer account
  // changes fine. The old-password look plus one wrong guess used to spend both refusals before the admin's real
  // password was tried, and it ended auth-failed instead of rejected.
  it('a fixed config-file admin behind an installer account gets its real password tried and ends rejected (FixedUser)', async () => {
    const cam = await sims.camera({ fixedAdmin: true });
    cam.users.setPassword('installer', INSTALLER);
    cam.users.setPassword('admin', ADMIN);
    const clients = onvifClientFactory(4);
    sims.cleanup(() => clients.dispose());
    const { rows } = await runSync({
      targets: [{ xaddr: cam.xaddr, username: 'installer' }, { xaddr: cam.xaddr, username: 'admin' }],
      currentPasswords: [INSTALLER, ADMIN], newPassword: NEW, clientFactory: clients.factory, maxFailedAuthsPerDevice: 2, timeoutMs: 2000,
    });
    expect(rows.map((r) => r.outcome)).toEqual(['updated', 'rejected']);
    expect(rows[1]).toMatchObject({ subcode: 'FixedUser', candidate: 2 });
    expect(rows[1]!.nextStep).toBe(nextStepFor('rejected', 'FixedUser'));
    expect(rows[1]!.nextStep).toMatch(/cannot be changed over ONVIF/);
    expect(cam.users.checkPassword('installer', NEW)).toBe(true);
    expect(cam.users.checkPassword('admin', ADMIN)).toBe(true);
    // One refusal: the installer's password tried for the admin first (accounts on a camera usually share one).
    expect(cam.stats().failedAuths).toBe(1);
  });

  it('an account the camera does not list costs no sign-in: skipped, with the reason', async () => {
    const cam = await sims.camera();
    const clients = onvifClientFactory(4);
    sims.cleanup(() => clients.dispose());
    const { rows } = await runSync({
      targets: [{ xaddr: cam.xaddr, username: 'admin' }, { xaddr: cam.xaddr, username: 'ghost' }],
      currentPasswords: ['Install2019'], newPassword: NEW, clientFactory: clients.factory, timeoutMs: 2000,
    });
    expect(rows[1]).toMatchObject({ outcome: 'skipped', subcode: 'UsernameMissing', attempts: 0 });
    expect(rows[1]!.detail).toMatch(/lists no user "ghost"/);
    expect(cam.stats().failedAuths).toBe(0);
  });
});
