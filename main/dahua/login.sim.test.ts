import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OffsetClock } from '../../common/clock';
import { isSignInRefusal, type DahuaErrorKind } from '../../common/dahua/errors';
import { SITE_CREDENTIALS } from '../../sim/identities';
import { DEFAULT_RPC_FAULTS, type NvrRpcFaultOptions } from '../../sim/nvr/rpc';
import { rpcOf } from '../../sim/nvr/rpc-addon';
import { startSite, type Site } from '../../sim/site';
import { startTlsNvr } from '../../test/support/tls-nvr';
import { CredentialGate } from '../core/credential-gate';
import { DahuaError, DahuaRpcClient } from './client';
import { nvrAction } from './session';

// Loopback block 127.62.16.0/24 is this file's own. Every login variant the simulated NVR offers
// (sim/nvr/rpc/login.ts: challenge forms, session types, encryptions, refusal codes and strings),
// judged by the NVR's own counters and the app's credential gate.

const PW = SITE_CREDENTIALS.nvr.password;

describe('signing in to the simulated NVR, every variant', () => {
  let site: Site;
  beforeAll(async () => {
    // No lock on this NVR: the refusal tests below spend one failure each.
    site = await startSite({ block: '127.62.16', cameras: 1, behindNvr: 0, nvrRpc: { lockout: { afterFailures: 0 } } });
  });
  afterAll(async () => {
    await site?.stop();
  });
  beforeEach(() => {
    rpcOf(site).setFaults({ login: { ...DEFAULT_RPC_FAULTS.login } });
    delete rpcOf(site).faults.login.refuseAs;
  });

  const signIn = (password: string = PW, url = rpcOf(site).url, pinned?: { pem: string; fingerprint256: string }) => {
    const gate = new CredentialGate({ clock: new OffsetClock(), maxFailures: 5 });
    const client = new DahuaRpcClient({ url, username: 'admin', ...(pinned ? { pinned } : {}) });
    return { gate, run: nvrAction({ gate, client, password, clock: new OffsetClock() }, (c) => c.call('magicBox.getSerialNo')) };
  };

  it.each([
    ['code', 'string'],
    ['code', 'number'],
    ['code-401', 'string'],
    ['code-401', 'number'],
    ['http-401', 'string'],
    ['http-401', 'number'],
  ] as const)('the challenge as %s with a %s session', async (challenge, session) => {
    rpcOf(site).setFaults({ login: { challenge, session } });
    const before = rpcOf(site).stats();
    await expect(signIn().run).resolves.toEqual({ sn: site.nvr.identity.serialNumber });
    expect(rpcOf(site).stats()).toMatchObject({ logins: before.logins + 1, loginFailures: before.loginFailures });
  });

  it('"OldDigest" firmware: signed in with the 8-character fold', async () => {
    rpcOf(site).setFaults({ login: { encryption: 'OldDigest' } });
    await expect(signIn().run).resolves.toEqual({ sn: site.nvr.identity.serialNumber });
  });

  it('"Basic" firmware: refused over plain http without a try; signed in over https', async () => {
    rpcOf(site).setFaults({ login: { encryption: 'Basic' } });
    const before = rpcOf(site).stats();
    const plain = signIn();
    expect(((await plain.run.catch((e: unknown) => e)) as DahuaError).kind).toBe('unsupported-login');
    expect(rpcOf(site).stats().loginFailures).toBe(before.loginFailures);
    expect(plain.gate.status(rpcOf(site).url).failures).toBe(0);
    const tls = await startTlsNvr({ address: '127.62.16.200', forwardTo: rpcOf(site).url });
    try {
      const cert = ((await new DahuaRpcClient({ url: tls.url, username: 'admin' }).login(PW).catch((e: unknown) => e)) as DahuaError).cert!;
      await expect(signIn(PW, tls.url, { pem: cert.pem, fingerprint256: cert.fingerprint256 }).run).resolves.toEqual({ sn: site.nvr.identity.serialNumber });
    } finally {
      await tls.stop();
    }
  });

  it('"WatchNet" firmware: "not supported", and no try is spent', async () => {
    rpcOf(site).setFaults({ login: { encryption: 'WatchNet' } });
    const before = rpcOf(site).stats();
    const { gate, run } = signIn();
    const err = (await run.catch((e: unknown) => e)) as DahuaError;
    expect(err.kind).toBe('unsupported-login');
    expect(err.message).toMatch(/does not support \("WatchNet" sign-in\)/);
    expect(rpcOf(site).stats().loginFailures).toBe(before.loginFailures);
    expect(gate.status(rpcOf(site).url).failures).toBe(0);
  });

  const refusals: [NvrRpcFaultOptions['login'], DahuaErrorKind][] = [
    [{ refuseAs: 'user-or-password' }, 'wrong-password'],
    [{ refuseAs: 'user' }, 'unknown-user'],
    [{ refuseAs: 'password' }, 'wrong-password'],
    [{ refuseAs: 'blacklisted' }, 'blacklisted'],
    [{ refuseAs: 'has-been-used' }, 'account-in-use'],
    [{ refuseAs: 'locked' }, 'locked'],
    [{ refuseAs: 'user', refusalForm: 'string' }, 'unknown-user'],
    [{ refuseAs: 'password', refusalForm: 'string' }, 'wrong-password'],
    [{ refuseAs: 'blacklisted', refusalForm: 'string' }, 'blacklisted'],
    [{ refuseAs: 'has-been-used', refusalForm: 'string' }, 'account-in-use'],
    [{ refuseAs: 'locked', refusalForm: 'string' }, 'locked'],
  ];
  it.each(refusals)('refused as %j: kind %s, a plain sentence, one unit of the budget', async (login, kind) => {
    rpcOf(site).setFaults({ login });
    const before = rpcOf(site).stats().loginFailures;
    const { gate, run } = signIn();
    const err = (await run.catch((e: unknown) => e)) as DahuaError;
    expect(err).toBeInstanceOf(DahuaError);
    expect(err.kind).toBe(kind);
    expect(isSignInRefusal(err.kind)).toBe(true);
    expect(err.message).toMatch(/^The NVR /);
    expect(gate.status(rpcOf(site).url).failures).toBe(1);
    expect(rpcOf(site).stats().loginFailures).toBe(before + 1);
  });

  it('a wrong password on "split" firmware (268632071) is one refused sign-in', async () => {
    rpcOf(site).setFaults({ login: { refusals: 'split' } });
    const { gate, run } = signIn('Not-the-password-1');
    expect(((await run.catch((e: unknown) => e)) as DahuaError).kind).toBe('wrong-password');
    expect(gate.status(rpcOf(site).url).failures).toBe(1);
  });
});
