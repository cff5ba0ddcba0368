import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { OffsetClock } from '../../common/clock';
import { startDevInitSim, type DevInitSim } from '../../sim/devinit/device';
import type { DevInitFirmware } from '../../sim/devinit/firmware';
import { CredentialGate } from '../core/credential-gate';
import { DevInitClient, DevInitError, initialiseDevice, settleLostAccount, type WizardHooks } from './devinit';
import { dahuaDefaultHash, dahuaOldDigest } from './hash';

// Socket test: run inside `unshare -n` (scripts/sandbox.sh). Block 127.72.1.0/24.
// The simulated camera (sim/devinit) is an independent reading of DOMAIN.md; each shape's public source is named
// beside sim/devinit/device.test.ts.

const ADDRESS = '127.72.1.5';
const NEW = 'Site-pass-2024';
const MAIL = 'owner@example.com';

let sim: DevInitSim | undefined;
let fake: Server | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
  await new Promise<void>((r) => (fake ? fake.close(() => r()) : r()));
  fake = undefined;
});

async function camera(firmware: Partial<DevInitFirmware> = {}): Promise<DevInitSim> {
  sim = await startDevInitSim({ address: ADDRESS, serial: '6J0CLIENTTEST001', firmware });
  return sim;
}

function wizard(url: string, over: { password?: string; gate?: CredentialGate; methods?: string[] } = {}) {
  const clock = new OffsetClock(0);
  const journal: string[] = [];
  const hooks: WizardHooks = {
    beforeAccount: async () => void journal.push('account-sent'),
    afterAccount: async (taken) => void journal.push(taken ? 'account-taken' : 'account-refused'),
  };
  const client = new DevInitClient({ url, timeoutMs: 2000, onRequest: (m) => over.methods?.push(m) });
  const o = { client, gate: over.gate ?? new CredentialGate({ clock }), clock, password: over.password ?? NEW, email: MAIL, retryMs: 10 };
  return { o, hooks, journal, run: () => initialiseDevice(o, hooks) };
}

const bodies = () => sim!.requests().map((r) => r.body).join('\n');

describe('the init wizard against a factory-fresh camera', () => {
  it('newer firmware: status, agreement, key, sealed account, sealed access, one proving sign-in; the password only sealed', async () => {
    const { url } = await camera();
    const methods: string[] = [];
    const w = wizard(url, { methods });
    expect(await w.run()).toMatchObject({ outcome: 'initialised', step: 'done', agreement: 'agreed', access: 'set' });
    expect(methods).toEqual(['DevInit.getStatus', 'DevInit.setProtocolAgree', 'Security.getEncryptInfo', 'DevInit.account', 'DevInit.access', 'global.login', 'global.login', 'global.logout']);
    expect(w.journal).toEqual(['account-sent', 'account-taken']);
    // Judged from the device: it holds the password and the e-mail, and took one account.
    expect(sim!.state()).toMatchObject({ initialised: true, password: NEW, email: MAIL, access: { NetAccess: 0, UpgradeCheck: 2 } });
    expect(sim!.stats()).toMatchObject({ accountCalls: 1, logins: 1, sessionMisuse: 0, weakKeyAccounts: 0 });
    expect(bodies()).not.toContain(NEW);
    expect(bodies()).not.toContain(MAIL);
  });

  it('older firmware: no agreement offered, initialised all the same', async () => {
    const { url } = await camera({ generation: 'older' });
    expect(await wizard(url).run()).toMatchObject({ outcome: 'initialised', agreement: 'not-offered' });
  });

  it('a refused DevInit.access is tolerated', async () => {
    const { url } = await camera({ refuseAccess: true });
    expect(await wizard(url).run()).toMatchObject({ outcome: 'initialised', access: 'refused' });
  });

  it('already initialised: nothing is sent after the status', async () => {
    const { url } = await camera({ initialised: true });
    const methods: string[] = [];
    expect(await wizard(url, { methods }).run()).toMatchObject({ outcome: 'already-initialised', step: 'status' });
    expect(methods).toEqual(['DevInit.getStatus']);
  });

  it("a password the app's rule refuses is never sent anywhere (not even a status request)", async () => {
    const { url } = await camera();
    for (const bad of ['short1', 'Pass word1x', 'Pass;word1x', 'abcdefghij']) expect(await wizard(url, { password: bad }).run()).toMatchObject({ outcome: 'refused', step: 'pending' });
    expect(sim!.stats().requests).toBe(0);
  });

  it("the device's own stricter rule: refused in the device's words, the account sent once", async () => {
    const { url } = await camera({ passwordRule: 'strict' });
    const w = wizard(url, { password: 'sitepass2024' });
    const r = await w.run();
    expect(r).toMatchObject({ outcome: 'refused', step: 'account', deviceWords: 'Password is too simple: use more kinds of characters', deviceCode: 268632094 });
    expect(w.journal).toEqual(['account-sent', 'account-refused']);
    expect(sim!.stats().accountCalls).toBe(1);
  });

  it('the answer to the account is lost: settled from the device, proved with the password that was sent, never resent', async () => {
    const { url } = await camera({ dropAfterAccount: true });
    const w = wizard(url);
    expect(await w.run()).toMatchObject({ outcome: 'initialised' });
    expect(w.journal).toEqual(['account-sent']);
    expect(sim!.stats()).toMatchObject({ accountCalls: 1, logins: 1 });
  });

  it('the account request leaves only after the caller journalled it, and not at all when that fails', async () => {
    const order: string[] = [];
    const client = Object.assign(Object.create(DevInitClient.prototype) as DevInitClient, {
      base: new URL('http://127.72.1.9/'),
      getStatus: async () => ({ init: 1 }),
      agree: async () => 'agreed' as const,
      encryptInfo: async () => ({}),
      sealAccount: () => (order.push('sealed'), { salt: '', cipher: '', content: '' }),
      account: async () => void order.push('account sent'),
      access: async () => undefined,
      signIn: async () => undefined,
    });
    const clock = new OffsetClock(0);
    const o = { client, gate: new CredentialGate({ clock }), clock, password: NEW, email: MAIL };
    const journalled = { beforeAccount: async () => void order.push('journalled'), afterAccount: async () => undefined };
    expect(await initialiseDevice(o, journalled)).toMatchObject({ outcome: 'initialised' });
    expect(order).toEqual(['sealed', 'journalled', 'account sent']);
    order.length = 0;
    const diskFull = { beforeAccount: () => Promise.reject(new Error('ENOSPC')), afterAccount: async () => undefined };
    await expect(initialiseDevice(o, diskFull)).rejects.toThrow('ENOSPC');
    expect(order).toEqual(['sealed']);
  });

  it('settling a lost account on a device that did not take it says so and sends nothing more', async () => {
    const { url } = await camera();
    const methods: string[] = [];
    expect(await settleLostAccount(wizard(url, { methods }).o)).toMatchObject({ outcome: 'not-reachable', step: 'account' });
    expect(methods).toEqual(['DevInit.getStatus']);
  });

  it('the proving sign-in goes through the credential gate: a refusal is spent, an exhausted budget is not tried', async () => {
    const { url } = await camera({ initialised: true });
    const clock = new OffsetClock(0);
    const gate = new CredentialGate({ clock, maxFailures: 1 });
    const { o } = wizard(url, { gate });
    expect(await settleLostAccount(o)).toMatchObject({ outcome: 'refused', step: 'sign-in', deviceCode: 268632085 });
    expect(gate.status(url).failures).toBe(1);
    expect(await settleLostAccount(o)).toMatchObject({ outcome: 'refused', detail: expect.stringMatching(/will not try again/) });
    expect(sim!.stats().loginFailures).toBe(1);
  });

  // The weak keys of DOMAIN.md ("The seal"); sec-envelope.ts refuses them before anything is sealed.
  it.each(['rsa-1024', 'rsa-512-padded', 'e1', 'e3'] as const)('a weak key (%s) is refused: unsupported firmware, the account never sent', async (key) => {
    const { url } = await camera({ key });
    const methods: string[] = [];
    const w = wizard(url, { methods });
    expect(await w.run()).toMatchObject({ outcome: 'unsupported-firmware', step: 'key', detail: expect.stringMatching(/too weak.*not sent/) });
    expect(methods).not.toContain('DevInit.account');
    expect(w.journal).toEqual([]);
    expect(sim!.stats()).toMatchObject({ accountCalls: 0, weakKeyAccounts: 0 });
    expect(sim!.state().initialised).toBe(false);
  });

  it('firmware without the wizard is unsupported; a camera that resets connections or is not there is not reachable', async () => {
    const { url } = await camera({ outsideCmd: false });
    expect(await wizard(url).run()).toMatchObject({ outcome: 'unsupported-firmware', step: 'status' });
    sim!.setFirmware({ down: true, outsideCmd: true });
    expect(await wizard(url).run()).toMatchObject({ outcome: 'not-reachable', step: 'status' });
    await sim!.stop();
    expect(await wizard(url).run()).toMatchObject({ outcome: 'not-reachable', step: 'status' });
  });
});

describe('hostile answers', () => {
  async function answering(handler: (path: string, body: string) => { status?: number; headers?: Record<string, string>; body: string }): Promise<string> {
    fake = createServer((req, res) => {
      let raw = '';
      req.on('data', (c: Buffer) => (raw += c.toString()));
      req.on('end', () => {
        const a = handler(req.url ?? '', raw);
        res.writeHead(a.status ?? 200, { 'Content-Type': 'application/json', ...a.headers });
        res.end(a.body);
      });
    });
    await new Promise<void>((r) => fake!.listen(0, ADDRESS, () => r()));
    return `http://${ADDRESS}:${(fake.address() as AddressInfo).port}`;
  }

  it.each([
    ['not JSON', () => ({ body: '<html>login</html>' }), 'unsupported-firmware'],
    ['a JSON array', () => ({ body: '[1,2]' }), 'unsupported-firmware'],
    ['no Init', () => ({ body: '{"result":true,"params":{}}' }), 'unsupported-firmware'],
    ['Init as text', () => ({ body: '{"result":true,"params":{"Init":"two"}}' }), 'unsupported-firmware'],
    ['an unknown Init', () => ({ body: '{"result":true,"params":{"Init":7}}' }), 'unsupported-firmware'],
    ['a redirect', () => ({ status: 302, headers: { Location: 'https://evil.example/' }, body: '' }), 'unsupported-firmware'],
    ['HTTP 500', () => ({ status: 500, body: 'oops' }), 'unsupported-firmware'],
    ['a huge answer', () => ({ body: `{"result":true,"params":{"Init":1,"x":"${'a'.repeat(300 * 1024)}"}}` }), 'unsupported-firmware'],
    ['an error with hostile words', () => ({ body: '{"result":false,"error":{"code":1,"message":"no\\u0000\\nway"}}' }), 'refused'],
    ['neither result nor error', () => ({ body: '{"id":1}' }), 'unsupported-firmware'],
  ] as const)('%s: a clear outcome, no crash, nothing sealed', async (_name, handler, outcome) => {
    const url = await answering(handler);
    const r = await wizard(url).run();
    expect(r.outcome).toBe(outcome);
    if (r.deviceWords) expect(r.deviceWords).toBe('no  way');
  });

  it('a huge answer is cut at the cap, declared or streamed: the wizard stops at the status, saying why', async () => {
    const huge = `{"result":true,"params":{"Init":1,"x":"${'a'.repeat(300 * 1024)}"}}`;
    for (const headers of [{}, { 'Content-Length': String(huge.length) }] as Record<string, string>[]) {
      await new Promise<void>((r) => (fake ? fake.close(() => r()) : r()));
      const url = await answering(() => ({ headers, body: huge }));
      expect(await wizard(url).run()).toMatchObject({ outcome: 'unsupported-firmware', step: 'status', detail: expect.stringMatching(/larger than 256 KB/) });
    }
  });

  it("a getEncryptInfo of an unknown shape stops before the account (the password is not sent)", async () => {
    const seen: string[] = [];
    const url = await answering((_p, body) => {
      const m = (JSON.parse(body) as { method: string }).method;
      seen.push(m);
      if (m === 'DevInit.getStatus') return { body: '{"result":true,"params":{"Init":1}}' };
      if (m === 'Security.getEncryptInfo') return { body: '{"result":true,"params":{"cipher":"RPAC","pub":"N:zz"}}' };
      return { body: '{"result":true,"params":null}' };
    });
    expect(await wizard(url).run()).toMatchObject({ outcome: 'unsupported-firmware', step: 'key' });
    expect(seen).not.toContain('DevInit.account');
  });

  // The login variants of DOMAIN.md ("Login variants"): the proving sign-in makes the same proof as the NVR client (hash.ts).
  it.each([
    ['Default', (pw: string) => dahuaDefaultHash('admin', pw, 'r', 'rnd'), true],
    ['OldDigest', (pw: string) => dahuaOldDigest(pw), true],
    ['Basic', () => '', false],
    ['WatchNet', () => '', false],
  ] as const)('the proving sign-in answers a %s challenge with the one login hash, or sends nothing it cannot make', async (encryption, expected, makes) => {
    const seen: string[] = [];
    const url = await answering((_p, body) => {
      const b = JSON.parse(body) as { method: string; params: { password: string }; session?: string };
      if (b.method === 'global.logout') return { body: '{"result":true}' };
      seen.push(b.params.password);
      if (b.session === undefined) return { body: JSON.stringify({ result: false, error: { code: 268632079 }, params: { realm: 'r', random: 'rnd', encryption }, session: 's1' }) };
      return { body: JSON.stringify({ result: b.params.password === expected(NEW), session: 's1', ...(b.params.password === expected(NEW) ? {} : { error: { code: 268632085 } }) }) };
    });
    const signIn = new DevInitClient({ url, timeoutMs: 2000 }).signIn(NEW);
    if (makes) {
      await signIn;
      expect(seen[1]).toBe(expected(NEW));
    } else {
      await expect(signIn).rejects.toMatchObject({ kind: 'protocol', message: expect.stringMatching(/sign-in this app does not make/) });
      expect(seen).toEqual(['']);
    }
    expect(seen.join()).not.toContain(NEW);
  });

  it('refuses https, credentials in the address and non-http schemes at construction', () => {
    for (const url of ['https://127.0.0.1', 'http://admin:x@127.0.0.1', 'ftp://127.0.0.1']) expect(() => new DevInitClient({ url })).toThrow(DevInitError);
  });
});
