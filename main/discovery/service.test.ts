import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { OffsetClock } from '../../common/clock';
import { calls } from '../../common/contract';
import type { ServiceContext } from '../core/context';
import { VerifiedCredentials } from '../core/credentials';
import { CredentialGate } from '../core/credential-gate';
import { EventBus } from '../core/events';
import { createLogger, SecretRegistry } from '../core/log';
import { SITE_CREDENTIALS } from '../../sim/identities';
import { startSite, type Site } from '../../sim/site';
import { setupDiscovery, verifiedEnricher } from './service';
import { OnvifClient } from '../onvif/client';
import { makeIdentity } from '../../sim/identities';
import { startDevice } from '../../sim/site';
import type { InventoryDevice } from '../../common/domain/device';
import { until } from '../../test/support/until';

// Socket test: run inside `unshare -n`. Block 127.35.1.0/24, discovery ports 43730/41930/43731.
const PORTS = { wsd: 43730, ssdp: 41930, dhip: 43731 };

const disposers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const d of disposers.splice(0).reverse()) await d();
});

function context(dataDir: string, interfaces: string[]) {
  const secrets = new SecretRegistry();
  const events = new EventBus();
  const seen: { name: string; payload: unknown }[] = [];
  events.subscribe((name, payload) => seen.push({ name, payload }));
  const clock = new OffsetClock();
  const ctx: ServiceContext = {
    dataDir,
    clock,
    log: createLogger({ secrets }),
    secrets,
    credentials: new VerifiedCredentials(secrets),
    gate: new CredentialGate({ clock }),
    events,
    host: { kind: 'browser', openExternal: async () => undefined, notify: () => undefined },
    testHooks: true,
    options: { dataDir, testHooks: true, clockOffsetMs: 0, interfaces, embeddedSim: false, discoveryPorts: PORTS },
  };
  return { ctx, seen };
}


describe('discovery service', () => {
  it('scans at launch and streams the site as devices.changed events', async () => {
    const site: Site = await startSite({ block: '127.35.1', cameras: 2, seed: 5, discovery: { wsdPort: 43730, ssdpPort: 41930, dhipPort: 43731, ssdpHttpPort: 49170 } });
    disposers.push(() => site.stop());
    const { ctx, seen } = context(mkdtempSync(join(tmpdir(), 'disc-svc-')), ['127.0.0.1']);
    const feature = await setupDiscovery(ctx);
    disposers.push(() => feature.dispose?.());
    await feature.start?.();
    const serials = site.devices.map((d) => d.identity.serialNumber);
    const rows = await until(() => {
      const list = feature.handlers['devices.list'](undefined as never, { host: 'test' }) as { serial?: string; model?: string; mac?: string }[];
      return serials.every((s) => list.some((d) => d.serial === s && d.model && d.mac)) && list;
    }, 'every site device with serial, model and MAC');
    expect(rows).toHaveLength(3);
    const changed = seen.filter((e) => e.name === 'devices.changed');
    expect(changed.length).toBeGreaterThan(0);
    // Every event payload satisfies the contract (the renderer trusts it).
    for (const e of changed) expect(() => calls['devices.list'].output.parse((e.payload as { devices: unknown }).devices)).not.toThrow();
    expect(seen.some((e) => e.name === 'devices.scanState')).toBe(true);
  });

  it('reads firmware with credentials proven this session, and drops one that stopped working', async () => {
    const site: Site = await startSite({ block: '127.35.2', cameras: 2, seed: 6, discovery: { wsdPort: 43730, ssdpPort: 41930, dhipPort: 43731, ssdpHttpPort: 49171, devices: { nvr: { dhip: false }, '0': { dhip: false }, '1': { dhip: false } } } });
    disposers.push(() => site.stop());
    const { ctx } = context(mkdtempSync(join(tmpdir(), 'disc-svc-')), ['127.0.0.1']);
    const feature = await setupDiscovery(ctx);
    disposers.push(() => feature.dispose?.());
    await feature.start?.();
    const list = () => feature.handlers['devices.list'](undefined as never, { host: 'test' }) as { serial?: string; firmware?: string }[];
    const [good, stale] = site.cameras as [Site['cameras'][number], Site['cameras'][number]];
    await until(() => site.cameras.every((c) => list().some((d) => d.serial === c.identity.serialNumber)), 'both cameras listed');
    // Nothing is tried without a proven credential: no firmware, no failed login (DHIP is off here: it reports firmware unauthenticated).
    expect(list().find((d) => d.serial === good.identity.serialNumber)?.firmware).toBeUndefined();

    ctx.credentials.set(good.xaddr, SITE_CREDENTIALS.camera);
    await until(() => list().find((d) => d.serial === good.identity.serialNumber)?.firmware === good.identity.firmwareVersion, 'firmware from GetDeviceInformation');
    expect(good.stats().failedAuths).toBe(0);

    ctx.credentials.set(stale.xaddr, { username: 'admin', password: 'ChangedElsewhere9' });
    await until(() => ctx.credentials.get(stale.xaddr) === undefined, 'stale credential forgotten');
    expect(stale.stats().failedAuths).toBe(1);
  });

  it('remembers the adapter choice, refuses addresses the laptop does not have, and validates inputs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'disc-svc-'));
    const first = context(dir, []);
    const feature = await setupDiscovery(first.ctx);
    disposers.push(() => feature.dispose?.());
    const chosen = await feature.handlers['devices.setInterfaces']({ addresses: ['127.0.0.1'] }, { host: 'test' });
    expect(chosen.selected).toEqual(['127.0.0.1']);
    expect(chosen.available.some((a) => a.address === '127.0.0.1' && a.internal)).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, 'discovery-settings.json'), 'utf8'))).toEqual({ interfaces: ['127.0.0.1'] });
    await expect(Promise.resolve().then(() => feature.handlers['devices.setInterfaces']({ addresses: ['192.0.2.77'] }, { host: 'test' }))).rejects.toThrow(/no adapter/);

    const again = await setupDiscovery(context(dir, []).ctx);
    expect((await again.handlers['devices.interfaces'](undefined as never, { host: 'test' })).selected).toEqual(['127.0.0.1']);
    // A damaged settings file is ignored, not fatal.
    writeFileSync(join(dir, 'discovery-settings.json'), '{"interfaces": ["not an ip"]}');
    const third = await setupDiscovery(context(dir, []).ctx);
    expect((await third.handlers['devices.interfaces'](undefined as never, { host: 'test' })).selected).not.toContain('not an ip');

    const sweep = calls['devices.sweep'].input;
    expect(sweep.safeParse({ range: '10.0.0.0/16' }).success).toBe(true);
    expect(sweep.safeParse({ range: '10.0.0.0/15' }).success).toBe(false);
    expect(sweep.safeParse({ range: '10.0.0.0/24', ports: [0] }).success).toBe(false);
    const add = calls['devices.addManual'].input;
    expect(add.safeParse({ target: 'cam-1.site.local:8080' }).success).toBe(true);
    expect(add.safeParse({ target: 'http://1.2.3.4/' }).success).toBe(false);
    expect(calls['devices.setInterfaces'].input.safeParse({ addresses: ['1.2.3'] }).success).toBe(false);
  });

  it('sweeps only the chosen adapters\' networks unless the technician confirms a wider range', async () => {
    // No adapter chosen: every range is outside; nothing is probed before the refusal.
    const { ctx } = context(mkdtempSync(join(tmpdir(), 'disc-svc-')), []);
    const feature = await setupDiscovery(ctx);
    disposers.push(() => feature.dispose?.());
    const sweep = (input: { range: string; confirmWide?: boolean }) => Promise.resolve().then(() => feature.handlers['devices.sweep'](input, { host: 'test' }));
    await expect(sweep({ range: '127.35.4.0/30' })).rejects.toMatchObject({ code: 'confirm-wide-range', params: { range: '127.35.4.0/30' }, message: expect.stringMatching(/127\.35\.4\.0\/30 is outside the networks of the chosen adapters/) });
    await feature.start?.();
    // Confirmed: it runs (loopback only here).
    await expect(sweep({ range: '127.35.4.0/30', confirmWide: true })).resolves.toEqual({ probed: 2, found: 0 });
  });

  it('the demo never leaves loopback: sweeps, manual adds and factory defaults elsewhere are refused with the reason', async () => {
    const { ctx } = context(mkdtempSync(join(tmpdir(), 'disc-svc-')), ['127.0.0.1']);
    ctx.options = { ...ctx.options, embeddedSim: true };
    const feature = await setupDiscovery(ctx);
    disposers.push(() => feature.dispose?.());
    // Not started: were a guard missing, the call would fail as "unavailable" instead, still without a packet.
    const call = <T>(f: () => T) => Promise.resolve().then(f);
    const demo = { code: 'refused', message: expect.stringMatching(/demo's simulated site is running, and while it runs the app does not .* beyond this computer/) };
    await expect(call(() => feature.handlers['devices.sweep']({ range: '192.168.1.0/24', confirmWide: true }, { host: 'test' }))).rejects.toMatchObject(demo);
    await expect(call(() => feature.handlers['devices.sweep']({ range: '127.255.255.250-128.0.0.5', confirmWide: true }, { host: 'test' }))).rejects.toMatchObject(demo);
    await expect(call(() => feature.handlers['devices.addManual']({ target: '192.168.1.108' }, { host: 'test' }))).rejects.toMatchObject(demo);
    await expect(call(() => feature.handlers['devices.checkFactoryDefaults'](undefined as never, { host: 'test' }))).rejects.toMatchObject(demo);
    await expect(call(() => feature.handlers['devices.addManual']({ target: '127.35.4.9:1' }, { host: 'test' }))).rejects.toMatchObject({ code: 'unavailable' });
  });

  describe('enrichment through the credential gate', () => {
    async function camera(host: number) {
      const dev = await startDevice({ identity: makeIdentity('camera', host, 9), address: `127.35.3.${host}`, users: [{ ...SITE_CREDENTIALS.camera, userLevel: 'Administrator' }] });
      disposers.push(() => dev.stop());
      const row: InventoryDevice = { id: `t${host}`, kind: 'camera', addresses: [dev.address], xaddrs: [dev.xaddr], protocols: ['manual'], online: true, firstSeen: 0, lastSeen: 0, flags: [] };
      return { dev, row };
    }

    it('two enrichments racing with a stale credential cost the camera one failed sign-in, not two', async () => {
      const { dev, row } = await camera(11);
      const { ctx } = context(mkdtempSync(join(tmpdir(), 'disc-svc-')), []);
      const enrich = verifiedEnricher(ctx);
      ctx.credentials.set(dev.xaddr, { username: 'admin', password: 'ChangedElsewhere9' });
      // The launch scan's clock probe and the credential listener both enrich the same row at once.
      const results = await Promise.allSettled([enrich(row), enrich(row), enrich(row)]);
      expect(results.filter((r) => r.status === 'rejected')).toHaveLength(1);
      expect(dev.stats().failedAuths).toBe(1);
      expect(ctx.credentials.get(dev.xaddr)).toBeUndefined();
      expect(ctx.gate.status(dev.xaddr).failures).toBe(1);
    });

    it('a camera locked by someone else: the lock goes to the gate, the proven credential stays for when it ends', async () => {
      const { dev, row } = await camera(13);
      const { ctx } = context(mkdtempSync(join(tmpdir(), 'disc-svc-')), []);
      const enrich = verifiedEnricher(ctx);
      dev.setFaults({ lockout: { afterFailures: 1, lockMs: 60_000 } });
      // Another client's wrong password locks the camera; ours is right, and a lock says nothing about it.
      const other = new OnvifClient({ xaddr: dev.xaddr, timeoutMs: 2000 });
      await expect(other.getDeviceInformation({ username: 'admin', password: 'Someone-else-1' })).rejects.toMatchObject({ kind: 'auth-failed' });
      other.close();
      ctx.credentials.set(dev.xaddr, SITE_CREDENTIALS.camera);
      await expect(enrich(row)).rejects.toMatchObject({ kind: 'locked' });
      expect(ctx.gate.status(dev.xaddr).lockedUntil).toBeGreaterThan(ctx.clock.now());
      expect(ctx.credentials.get(dev.xaddr)).toEqual(SITE_CREDENTIALS.camera);
      // While locked, nothing is sent.
      const before = dev.stats().requests;
      expect(await enrich(row)).toBeUndefined();
      expect(dev.stats().requests).toBe(before);
    });

    it('waits for another feature holding the device, and spends nothing once the shared budget is gone', async () => {
      const { dev, row } = await camera(12);
      const { ctx } = context(mkdtempSync(join(tmpdir(), 'disc-svc-')), []);
      const enrich = verifiedEnricher(ctx);
      ctx.credentials.set(dev.xaddr, SITE_CREDENTIALS.camera);
      // Camera sync holds the device: enrichment must not sign in until it lets go.
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      const sync = ctx.gate.withDevice(dev.xaddr, async () => {
        await held;
        return dev.stats().requests;
      });
      const asked = vi.spyOn(ctx.gate, 'withDevice');
      const pending = enrich(row);
      // The enrichment has asked the gate for this camera and waits in its queue behind camera sync, having sent nothing.
      await vi.waitFor(() => expect(asked).toHaveBeenCalledWith(dev.xaddr, expect.any(Function)));
      expect(dev.stats().requests).toBe(0);
      release();
      expect(await sync).toBe(0);
      expect((await pending)?.firmware).toBe(dev.identity.firmwareVersion);

      // Sync spent the device's budget elsewhere: enrichment does not even ask.
      ctx.credentials.set(dev.xaddr, { username: 'admin', password: 'ChangedElsewhere9' });
      await ctx.gate.withDevice(dev.xaddr, async (lease) => {
        while (lease.canTry()) lease.recordFailure();
      });
      const before = dev.stats().requests;
      expect(await enrich(row)).toBeUndefined();
      expect(dev.stats().requests).toBe(before);
      expect(dev.stats().failedAuths).toBe(0);
    });
  });
});
