import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OffsetClock } from '../../common/clock';
import { SITE_CREDENTIALS } from '../../sim/identities';
import { rpcOf } from '../../sim/nvr/rpc-addon';
import { startSite, type Site } from '../../sim/site';
import { CredentialGate } from '../core/credential-gate';
import { readNvrCgi } from './cgi';
import { DahuaError, DahuaRpcClient } from './client';

// Loopback block 127.62.4.0/24 is this file's own.
describe('CGI fallback on an NVR without the web JSON-RPC', () => {
  let site: Site;
  const clock = new OffsetClock();
  beforeAll(async () => {
    site = await startSite({ block: '127.62.4', cameras: 2, nvrRpc: { rpcMissing: true } });
  });
  afterAll(async () => {
    await site?.stop();
  });

  it('the RPC client says the JSON-RPC is missing before any credential is sent', async () => {
    const err = (await new DahuaRpcClient({ url: rpcOf(site).url, username: 'admin' }).login('x-pass-1').catch((e: unknown) => e)) as DahuaError;
    expect(err.rpcMissing).toBe(true);
    expect(rpcOf(site).stats().loginFailures).toBe(0);
  });

  it('reads identity and channels with Digest, never a password in a URL', async () => {
    const read = await readNvrCgi({ url: rpcOf(site).url, username: 'admin', password: SITE_CREDENTIALS.nvr.password, gate: new CredentialGate({ clock }), clock });
    expect(read.identity).toEqual({ serial: site.nvr.identity.serialNumber, model: site.nvr.identity.model, firmware: '4.001.0000000.2.R' });
    expect(read.channels.map((c) => [c.channel, c.name, c.protocol, c.online, c.passwordMasked])).toEqual([
      [1, 'Front door', 'private', true, true],
      [2, 'Driveway', 'onvif', true, true],
      [3, 'PoE port 1', 'private', true, true],
    ]);
    expect(read.notes[0]).toMatch(/older CGI/);
    expect(rpcOf(site).stats().cgiRequests).toBeGreaterThan(0);
    expect(rpcOf(site).stats().passwordInUrl).toBe(0);
  });

  it('a wrong password is one refused request, counted once, and ends the read', async () => {
    const gate = new CredentialGate({ clock });
    const before = rpcOf(site).stats();
    const err = (await readNvrCgi({ url: rpcOf(site).url, username: 'admin', password: 'Wrong-cgi-1', gate, clock }).catch((e: unknown) => e)) as DahuaError;
    expect(err.kind).toBe('wrong-password');
    const after = rpcOf(site).stats();
    expect(after.loginFailures).toBe(before.loginFailures + 1);
    expect(after.cgiRequests).toBe(before.cgiRequests + 2); // the challenge, then the one refused answer
    expect(gate.status(rpcOf(site).url).failures).toBe(1);
    // Right password: the NVR's consecutive counter clears for the other tests.
    await readNvrCgi({ url: rpcOf(site).url, username: 'admin', password: SITE_CREDENTIALS.nvr.password, gate: new CredentialGate({ clock }), clock });
  });
});
