// Engine + real ONVIF client against the simulated site (loopback 127.55.1.0/24 only).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { startDevice, startSite, type Site, type DeviceFaults } from '../../sim/site';
import { makeIdentity, SITE_CREDENTIALS } from '../../sim/identities';
import { runSync } from './engine';
import { onvifClientFactory } from './onvif-factory';
import { nextStepFor } from '../../common/sync/outcomes';

const OLD = SITE_CREDENTIALS.camera.password;
const NEW = 'Fresh2026pass';

describe('sync against the simulated site', () => {
  let site: Site;
  const clients = onvifClientFactory(16);
  beforeAll(async () => {
    site = await startSite({
      block: '127.55.1',
      cameras: 14,
      faults: {
        '0': {},
        '1': { auth: 'digest-only' },
        '2': { auth: 'wsse-only', clockSkewMs: 5 * 3600_000 },
        '3': { auth: 'digest-sha256-only' },
        '4': { fixedAdmin: true },
        '5': { maxPasswordLength: 8 },
        '6': { setUserNoop: true },
        '7': { http500: true },
        '8': { malformedXml: true },
        '9': { timeout: true },
        '10': { drop: true },
        '11': { setUserDelayMs: 300 },
        '12': { latencyMs: 50 },
        '13': { lockout: { afterFailures: 1, lockMs: 60_000 } },
      },
    });
    site.cameras[13]!.users.setPassword('admin', 'Unknown-pass-9');
  });
  afterAll(async () => {
    clients.dispose();
    await site?.stop();
  });

  it('each camera ends with the outcome its fault calls for, and no password leaks into a row', async () => {
    const targets = site.cameras.map((c) => ({ xaddr: c.xaddr, username: 'admin' }));
    const { rows } = await runSync({
      targets, currentPasswords: [OLD, 'Second-guess1'], newPassword: NEW, clientFactory: clients.factory,
      timeoutMs: 800, retries: 1, retryBaseMs: 10, lateApplyMs: 600,
    });
    const outcomes = rows.map((r) => r.outcome);
    expect(outcomes).toEqual([
      'updated', 'updated', 'updated', 'updated', 'rejected', 'rejected', 'unverified',
      'unreachable', 'unsupported', 'timeout', 'unreachable', 'updated', 'updated', 'locked-out',
    ]);
    expect(rows[4]!.subcode).toBe('FixedUser');
    expect(rows[5]!.subcode).toBe('PasswordTooLong');
    expect(rows[13]!.unlockAt).toBeGreaterThan(Date.now());
    for (const [i, cam] of site.cameras.entries()) {
      const st = cam.stats();
      expect(st.failedAuths, `camera ${i}`).toBeLessThanOrEqual(2);
      expect(st.setUserCount['admin'] ?? 0, `camera ${i}`).toBeLessThanOrEqual(1);
      expect(st.bothCredentialKinds).toBe(0);
    }
    for (const i of [0, 1, 2, 3, 11, 12]) expect(site.cameras[i]!.users.checkPassword('admin', NEW)).toBe(true);
    expect(JSON.stringify(rows)).not.toContain(OLD);
    expect(JSON.stringify(rows)).not.toContain(NEW);
  });
});

describe('property: random fault mixes never push a camera past the budget', () => {
  let site: Site;
  const clients = onvifClientFactory(16);
  beforeAll(async () => {
    site = await startSite({ block: '127.55.2', cameras: 6 });
  });
  afterAll(async () => {
    clients.dispose();
    await site?.stop();
  });

  const faultArb: fc.Arbitrary<Partial<DeviceFaults>> = fc.record(
    {
      auth: fc.constantFrom('both', 'digest-only', 'wsse-only', 'digest-sha256-only'),
      lockout: fc.record({ afterFailures: fc.integer({ min: 0, max: 4 }), lockMs: fc.constant(60_000) }),
      fixedAdmin: fc.boolean(),
      setUserNoop: fc.boolean(),
      maxPasswordLength: fc.constantFrom(8, 32),
      drop: fc.boolean(),
      http500: fc.boolean(),
      connectionsExhausted: fc.boolean(),
      clockSkewMs: fc.constantFrom(0, 3 * 3600_000),
    },
    { requiredKeys: [] },
  );
  const deviceArb = fc.record({ faults: faultArb, password: fc.constantFrom(OLD, NEW, 'Other-pass-1', 'Cand-two-22') });

  it('no simulated camera sees more than N failed authentications', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(deviceArb, { minLength: site.cameras.length, maxLength: site.cameras.length }),
        fc.integer({ min: 1, max: 3 }),
        fc.array(fc.constantFrom(OLD, 'Cand-two-22', 'Wrong-pass-3', 'Wrong-pass-4'), { minLength: 1, maxLength: 5 }),
        async (mix, n, candidates) => {
          // Fresh state per case: faults, password, counters (a new device object is not needed: reset what matters).
          const before = site.cameras.map((c, i) => {
            c.setFaults({ ...DEFAULTS, ...mix[i]!.faults });
            c.users.setPassword('admin', mix[i]!.password);
            const s = c.stats();
            return { failed: s.failedAuths, sets: s.setUserCount['admin'] ?? 0 };
          });
          const { rows } = await runSync({
            targets: site.cameras.map((c) => ({ xaddr: c.xaddr, username: 'admin' })),
            currentPasswords: candidates, newPassword: NEW, maxFailedAuthsPerDevice: n, clientFactory: clients.factory,
            timeoutMs: 1000, retries: 1, retryBaseMs: 5, lateApplyMs: 5,
          });
          for (const [i, c] of site.cameras.entries()) {
            const s = c.stats();
            expect(s.failedAuths - before[i]!.failed, `camera ${i} ${JSON.stringify(mix[i])} → ${rows[i]!.outcome}`).toBeLessThanOrEqual(n);
            expect((s.setUserCount['admin'] ?? 0) - before[i]!.sets).toBeLessThanOrEqual(1);
            expect(rows[i]!.outcome).toBeDefined();
            if (rows[i]!.outcome === 'updated') expect(c.users.checkPassword('admin', NEW)).toBe(true);
          }
        },
      ),
      { numRuns: 25 },
    );
  }, 120_000);
});

const DEFAULTS: Partial<DeviceFaults> = {
  auth: 'both', lockout: { afterFailures: 0, lockMs: 60_000 }, fixedAdmin: false, setUserNoop: false,
  maxPasswordLength: 32, drop: false, http500: false, clockSkewMs: 0, timeout: false, malformedXml: false, connectionsExhausted: false,
};

// Field behaviours from DOMAIN.md, end to end: engine + real client + simulated cameras (127.55.6.0/24).
describe('field quirks against the simulated site', () => {
  let site: Site;
  const clients = onvifClientFactory(16);
  beforeAll(async () => {
    site = await startSite({
      block: '127.55.6',
      cameras: 6,
      faults: {
        '0': { authOff: true },
        '1': { dropAfterSetUser: true },
        '2': { fixedNonce: true },
        '3': { ignoreUsernameStar: true },
        '4': { setUserDelayMs: 700 },
        '5': { setUserDelayMs: 500, dropAfterSetUser: true },
      },
    }, []);
    site.cameras[3]!.users.setPassword('técnico', OLD);
    site.cameras[4]!.users.setPassword('installer', OLD);
  });
  afterAll(async () => {
    clients.dispose();
    await site?.stop();
  });

  it('auth off, dropped after SetUser, fixed nonce, non-ASCII user, late apply: each ends truthfully within the budget', async () => {
    const targets = [
      ...site.cameras.map((c) => ({ xaddr: c.xaddr, username: 'admin' })),
      { xaddr: site.cameras[3]!.xaddr, username: 'técnico' },
      { xaddr: site.cameras[4]!.xaddr, username: 'installer' },
    ];
    const { rows } = await runSync({ targets, currentPasswords: [OLD], newPassword: NEW, clientFactory: clients.factory, timeoutMs: 2000, retries: 1, retryBaseMs: 10, lateApplyMs: 3000 });
    const by = (i: number, user = 'admin') => rows.find((r) => r.xaddr === site.cameras[i]!.xaddr && r.username === user)!;
    expect(by(0).outcome).toBe('auth-off');
    expect(by(0).detail).toMatch(/without any sign-in/);
    expect(site.cameras[0]!.users.checkPassword('admin', NEW)).toBe(true);
    for (const [i, user] of [[1, 'admin'], [2, 'admin'], [3, 'admin'], [3, 'técnico'], [4, 'admin'], [4, 'installer'], [5, 'admin']] as const) {
      expect(by(i, user).outcome, `${i} ${user}: ${by(i, user).detail}`).toBe('updated');
      expect(site.cameras[i]!.users.checkPassword(user, NEW)).toBe(true);
    }
    for (const [i, cam] of site.cameras.entries()) {
      const st = cam.stats();
      expect(st.failedAuths, `camera ${i}`).toBeLessThanOrEqual(2);
      for (const n of Object.values(st.setUserCount)) expect(n, `camera ${i}`).toBe(1);
    }
    // a repeated nonce never cost a refused sign-in; nor did any camera that took the change at once
    for (const i of [0, 1, 2, 3]) expect(site.cameras[i]!.stats().failedAuths, `camera ${i}`).toBe(0);
  }, 30_000);

  it('a camera out of connections refuses the right password as a wrong one: the run stops within the budget, never locks it, and says why a right password can fail', async () => {
    // Source: rroller/dahua issue 603 ("a Dahua device answers 401 Unauthorized when its connection/user limit is
    // exhausted"); DOMAIN.md. The camera here locks at 3 refusals and counts the ones at its limit.
    const d = await startDevice({
      identity: makeIdentity('camera', 40, 12), address: '127.55.12.40', faults: { connectionsExhausted: true, lockout: { afterFailures: 3, lockMs: 60_000 } },
      users: [{ ...SITE_CREDENTIALS.camera, userLevel: 'Administrator' }],
    });
    try {
      const { rows } = await runSync({ targets: [{ xaddr: d.xaddr, username: 'admin' }], currentPasswords: [OLD, 'Second-guess1', 'Third-guess1'], newPassword: NEW, clientFactory: clients.factory, timeoutMs: 2000, retries: 1, retryBaseMs: 5 });
      expect(rows[0]).toMatchObject({ outcome: 'auth-failed' });
      expect(d.stats().failedAuths).toBeLessThanOrEqual(2);
      expect(d.stats().lockedUntil).toBe(0);
      expect(d.users.checkPassword('admin', OLD)).toBe(true);
      expect(nextStepFor('auth-failed')).toMatch(/Exceeded maximum number of connections/);
    } finally {
      await d.stop();
    }
  });

  it('refuses a new password against the rule (naming the character) before any camera is touched', async () => {
    const targets = [{ xaddr: site.cameras[1]!.xaddr, username: 'admin' }];
    const before = site.cameras[1]!.stats().requests;
    for (const [bad, said] of [['Pass&2026x', '&'], ['Pass<2026x', '<'], ['Pass>2026x', '>'], ['Site;2024', ';'], ['Qu"ote2026', '"']] as const) {
      await expect(runSync({ targets, currentPasswords: [NEW], newPassword: bad, clientFactory: clients.factory })).rejects.toThrow(`contains "${said}"`);
    }
    expect(site.cameras[1]!.stats().requests).toBe(before);
  });
});

// The issue's promise, against the real client and simulated cameras (127.55.9.0/24): a camera whose first
// candidate is right sees no refused sign-in, on every simulated quirk that allows it. Left out, as they
// make one unavoidable: a change applied late or ignored (the first look at the new password is refused), a
// nonce per request without Connection: close (the first reuse is refused), and a camera that is already locked.
// The same holds for the camera's Operator account the NVR signs in with (`onvif`, its password known for it
// alone), which ONVIF lets only an Administrator change: it is changed through the camera's admin.
describe('property: the first candidate right, no refused sign-in', () => {
  const clients = onvifClientFactory(16);
  afterAll(() => clients.dispose());
  const quirks: fc.Arbitrary<Partial<DeviceFaults>> = fc.record(
    {
      auth: fc.constantFrom('both', 'digest-only', 'wsse-only', 'digest-sha256-only', 'digest-md5-only'),
      clockSkewMs: fc.constantFrom(0, 5 * 3600_000, -2 * 3600_000),
      noDateHeader: fc.boolean(),
      fixedNonce: fc.boolean(),
      nonceTtlMs: fc.constantFrom(60_000, 150),
      dropAfterSetUser: fc.boolean(),
      authOff: fc.boolean(),
      ignoreUsernameStar: fc.boolean(),
      fixedAdmin: fc.boolean(),
      maxPasswordLength: fc.constantFrom(8, 32),
      storeEscaped: fc.boolean(),
      latencyMs: fc.constantFrom(0, 20),
      lockout: fc.record({ afterFailures: fc.integer({ min: 1, max: 5 }), lockMs: fc.constant(60_000) }),
    },
    { requiredKeys: [] },
  );
  const perRequestNonce = fc.constant<Partial<DeviceFaults>>({ singleUseNonce: true, connectionClose: true });
  const OPERATOR = SITE_CREDENTIALS.cameraOperator;
  let host = 1;

  const startCamera = (q: Partial<DeviceFaults>) =>
    startDevice({
      identity: makeIdentity('camera', host, 9), address: `127.55.9.${(host++ % 250) + 1}`, faults: q,
      users: [{ ...SITE_CREDENTIALS.camera, userLevel: 'Administrator' }, { username: 'installer', password: OLD, userLevel: 'Administrator' }, { ...OPERATOR, userLevel: 'Operator' }],
    });

  it('zero refused sign-ins per camera; clean ones end updated, their Operator account included', async () => {
    const camera = fc.record({ q: fc.oneof(quirks, perRequestNonce), installer: fc.boolean(), operator: fc.boolean() });
    await fc.assert(
      fc.asyncProperty(fc.array(camera, { minLength: 1, maxLength: 4 }), async (cams) => {
        // Fresh cameras (new addresses) each time: what the client learnt about one camera's nonces stays with it.
        const devices = await Promise.all(cams.map(({ q }) => startCamera(q)));
        try {
          const accounts = (i: number) => ['admin', ...(cams[i]!.installer ? ['installer'] : []), ...(cams[i]!.operator ? ['onvif'] : [])];
          const targets = devices.flatMap((d, i) => accounts(i).map((username) => ({ xaddr: d.xaddr, username })));
          const knownPasswords = Object.fromEntries(devices.map((d) => [`${d.xaddr} onvif`, [OPERATOR.password]]));
          const { rows } = await runSync({ targets, currentPasswords: [OLD, 'Second-guess-2'], newPassword: NEW, knownPasswords, clientFactory: clients.factory, timeoutMs: 2000, retries: 1, retryBaseMs: 5, lateApplyMs: 300 });
          for (const [i, d] of devices.entries()) {
            const mine = rows.filter((r) => r.xaddr === d.xaddr);
            expect(d.stats().failedAuths, `camera ${i} ${JSON.stringify(cams[i])} → ${mine.map((r) => `${r.username} ${r.outcome}: ${r.detail}`).join(' | ')}`).toBe(0);
            const takes = !d.faults.authOff && d.faults.maxPasswordLength >= NEW.length;
            for (const r of mine) {
              // The admin of a fixed-admin camera cannot change; every other account, the Operator included, can.
              if (takes && !(r.username === 'admin' && d.faults.fixedAdmin)) expect(r.outcome, `${r.key}: ${r.detail}`).toBe('updated');
              if (r.outcome === 'updated') expect(d.users.eventuallyHolds(r.username, NEW), r.key).toBe(true);
            }
            // The Operator is still an Operator, and only the accounts in the run changed.
            expect(d.users.list().find((u) => u.username === 'onvif')?.userLevel).toBe('Operator');
            if (!cams[i]!.operator) expect(d.users.checkPassword('onvif', OPERATOR.password)).toBe(true);
            if (!cams[i]!.installer && !d.faults.authOff) expect(d.users.checkPassword('installer', OLD)).toBe(true);
          }
        } finally {
          await Promise.all(devices.map((d) => d.stop()));
        }
      }),
      { numRuns: 40 },
    );
  }, 120_000);
});
