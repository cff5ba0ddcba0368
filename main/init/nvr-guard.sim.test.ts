import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { OffsetClock } from '../../common/clock';
import { isPausedByApp } from '../../common/nvr/pause-marker';
import { devInitOf } from '../../sim/devinit/addon';
import type { DevInitFirmware } from '../../sim/devinit/firmware';
import { SITE_CREDENTIALS } from '../../sim/identities';
import type { NvrRpcFaultOptions } from '../../sim/nvr/rpc';
import { rpcOf } from '../../sim/nvr/rpc-addon';
import { startSite, type Site } from '../../sim/site';
import { CredentialGate } from '../core/credential-gate';
import { DahuaRpcClient } from '../dahua/client';
import { dahuaChannelStore } from '../dahua/nvr-channels';
import { nvrAction } from '../dahua/session';
import type { NvrChannelStore } from '../dahua/channel-store';
import { initTarget, InitRun } from './engine';
import { openJournalFile, readInitJournal, type OpenJournalFile } from './journal';
import { makeNvrGuard } from './nvr-guard';

// Socket test: run inside `unshare -n` (scripts/sandbox.sh). Block 127.73.9.0/24 is this file's own.
//
// The simulated site (sim/, written apart from main/ from DOMAIN.md): the NVR (sim/nvr) stores a channel for
// a factory-fresh camera (sim/devinit) and signs in to it on every round (`pollNow`, no timers). Sources for the
// shapes: DOMAIN.md "Initialising a new Dahua device" (Init 1, 268632086 "not initialised" before an account;
// whether those refusals count toward the lock is not documented, so the simulator only lets the NVR's sign-ins
// reach the camera once it has a password — from then on each refusal counts) and "Lockouts on failed logins" /
// "Other clients keep the old password" (Dahua: 3–10 refused sign-ins lock the account, 5 typical; recorders
// holding an old password keep re-triggering it). The camera's own counters and the NVR's stored channel judge.

const NEW = 'Site-pass-2024';
const OLD = SITE_CREDENTIALS.camera.password;
const NVR_PW = SITE_CREDENTIALS.nvr.password;
const ROUNDS = 7;
const dir = mkdtempSync(join(tmpdir(), 'init-nvr-guard-'));
let n = 0;

let site: Site | undefined;
afterEach(async () => {
  await site?.stop();
  site = undefined;
});

/** A site whose camera `fresh` is factory-fresh, and an open NVR session on it (the app's, through the gate). */
async function open(o: { fresh?: number; cameras?: number; nvrRpc?: NvrRpcFaultOptions; firmware?: Partial<DevInitFirmware> } = {}) {
  const fresh = o.fresh ?? 0;
  site = await startSite({ block: '127.73.9', cameras: o.cameras ?? 2, behindNvr: 0, factoryFresh: { [fresh]: o.firmware ?? {} }, ...(o.nvrRpc ? { nvrRpc: o.nvrRpc } : {}) });
  const rpc = rpcOf(site);
  const clock = new OffsetClock();
  const gate = new CredentialGate({ clock });
  const client = new DahuaRpcClient({ url: rpc.url, username: 'admin' });
  const raw = dahuaChannelStore(client);
  const act = <T>(f: () => Promise<T>) => nvrAction({ gate, client, password: NVR_PW, clock }, f);
  const store: NvrChannelStore = {
    proveWritePath: () => act(() => raw.proveWritePath()),
    readChannels: () => act(() => raw.readChannels()),
    writeChannels: (e) => act(() => raw.writeChannels(e)),
    channelStates: () => act(() => raw.channelStates()),
  };
  const camera = site.cameras[fresh]!;
  const device = devInitOf(site, fresh);
  const channel = rpc.channels.findIndex((c) => c.address === camera.address);
  return { site, rpc, camera, device, channel, clock, gate, session: () => ({ url: rpc.url, store }) };
}

type Opened = Awaited<ReturnType<typeof open>>;

/**
 * One init run. Guarded, the NVR's reconnect loop runs past the camera's threshold between the account and the
 * guard's closing step: the worst case of a busy NVR (or a slow run), so the store before the account is what is
 * tested, not the tidy-up after it.
 */
async function initialise(s: Opened, guarded: boolean, password = NEW, secrets: string[] = []) {
  const g = makeNvrGuard(s.session, password, (p) => secrets.push(p));
  const nvr = { before: g.before, after: async (host: string, ok: boolean) => (await pollPastThreshold(s), g.after(host, ok)) };
  const run = await InitRun.create({
    targets: [initTarget(s.device.url)],
    journalPath: join(dir, `j${++n}.jsonl`),
    gate: new CredentialGate({ clock: s.clock }),
    clock: s.clock,
    timeoutMs: 3000,
    retryMs: 5,
    ...(guarded ? { nvr } : {}),
  });
  const [row] = await run.run({ password, email: 'owner@example.com' });
  await run.close();
  return row!;
}

/** The NVR's reconnect loop, past the camera's lock threshold. */
async function pollPastThreshold(s: Opened): Promise<void> {
  for (let i = 0; i < ROUNDS; i++) await s.rpc.pollNow();
}

const locked = (s: Opened) => s.camera.stats().lockedUntil > s.camera.now();

describe.each(['remote-device-table', 'logic-device-manager'] as const)('initialising a camera the NVR records (%s firmware)', (firmware) => {
  it('the risk, shown: without the guard the NVR keeps the old password and its reconnects lock the camera', async () => {
    const s = await open({ nvrRpc: { firmware } });
    await pollPastThreshold(s);
    // Factory-fresh: the NVR cannot sign in, and nothing is counted on the camera.
    expect(s.rpc.stored(s.channel)).toMatchObject({ state: 'Disconnected', refusedLogins: 0 });
    expect(s.camera.stats().failedAuths).toBe(0);

    expect((await initialise(s, false)).outcome).toBe('initialised');
    await pollPastThreshold(s);
    expect(s.rpc.stored(s.channel)).toMatchObject({ password: OLD, state: 'Disconnected' });
    expect(s.rpc.stored(s.channel).refusedLogins).toBeGreaterThanOrEqual(5);
    expect(locked(s)).toBe(true);
    // Locked: the new password itself is refused now, which is what stops the loop's own sign-in.
    expect(s.camera.users.checkPassword('admin', NEW)).toBe(true);
  });

  it('guarded: the channel stores the new password before the camera takes it; the NVR never signs in with a stale one and records', async () => {
    const s = await open({ nvrRpc: { firmware } });
    const secrets: string[] = [];
    const row = await initialise(s, true, NEW, secrets);
    expect(row.outcome).toBe('initialised');
    // The stored passwords the NVR showed were registered as secrets the moment they were read.
    expect(secrets).toContain(OLD);
    expect(row.nvr).toMatch(new RegExp(`^channel ${s.channel + 1} stores the new password`));
    expect(row.detail).not.toMatch(/channel|NVR/);
    expect(s.rpc.stored(s.channel)).toMatchObject({ enable: true, password: NEW });
    await pollPastThreshold(s);
    expect(s.rpc.stored(s.channel)).toMatchObject({ enable: true, password: NEW, state: 'Connected', refusedLogins: 0 });
    expect(s.camera.stats().failedAuths).toBe(0);
    expect(locked(s)).toBe(false);
    expect(s.device.stats().accountCalls).toBe(1);
  });
});

describe('the account answer lost (the camera restarts its web service)', () => {
  it('settled from the device: initialised, the channel already holds the new password, no refusal', async () => {
    const s = await open({ firmware: { dropAfterAccount: true } });
    const row = await initialise(s, true);
    expect(row.outcome).toBe('initialised');
    expect(s.rpc.stored(s.channel)).toMatchObject({ enable: true, password: NEW, state: 'Connected', refusedLogins: 0 });
    expect(locked(s)).toBe(false);
  });
});

describe('when the init does not happen, the NVR is left as it was', () => {
  it('the device refuses the password: the channel gets its old password back (read back from the NVR)', async () => {
    // 'strict' firmware wants three kinds; "sitepass2024" has two, so the device refuses it (the app's rule allows it).
    const s = await open({ firmware: { passwordRule: 'strict' } });
    const row = await initialise(s, true, 'sitepass2024');
    expect(row.outcome).toBe('refused');
    expect(row.nvr).toMatch(/put back as it was/);
    expect(s.rpc.stored(s.channel)).toMatchObject({ enable: true, password: OLD });
    expect(s.device.state().initialised).toBe(false);
  });

  it('the NVR will not take the new password: the account is not sent and the camera stays factory-fresh', async () => {
    const s = await open({ nvrRpc: { refuseStore: true } });
    const row = await initialise(s, true);
    expect(row).toMatchObject({ outcome: 'refused', step: 'account', detail: expect.stringMatching(/^Not sent/) });
    expect(s.device.stats().accountCalls).toBe(0);
    expect(s.device.state().initialised).toBe(false);
    expect(s.rpc.stored(s.channel)).toMatchObject({ enable: true, password: OLD });
  });

  it('no NVR session: the init goes on and the row says what to do, with the budget', async () => {
    const s = await open();
    const run = await InitRun.create({ targets: [initTarget(s.device.url)], journalPath: join(dir, `j${++n}.jsonl`), gate: s.gate, clock: s.clock, timeoutMs: 3000, nvr: makeNvrGuard(() => undefined, NEW, () => undefined) });
    const [row] = await run.run({ password: NEW, email: '' });
    await run.close();
    expect(row).toMatchObject({ outcome: 'initialised', nvr: expect.stringMatching(/no NVR session/), nextStep: expect.stringMatching(/close the loop right away.*5 typical/) });
  });
});

describe('a channel that signs in with another account than admin', () => {
  it('is paused (disabled, marked) so it cannot lock the new camera, and the row says what to do', async () => {
    // The site's fourth camera is recorded through its separate "onvif" account (sim/nvr/rpc-addon.ts).
    const s = await open({ fresh: 3, cameras: 4 });
    expect(s.rpc.stored(s.channel).username).toBe(SITE_CREDENTIALS.cameraOperator.username);
    const row = await initialise(s, true);
    expect(row.outcome).toBe('initialised');
    expect(row.nextStep).toMatch(/Create the “onvif” account/);
    const stored = s.rpc.stored(s.channel);
    expect(stored.enable).toBe(false);
    expect(isPausedByApp({ enabled: stored.enable, name: s.rpc.channels[s.channel]!.name })).toBe(true);
    await pollPastThreshold(s);
    expect(s.rpc.stored(s.channel).refusedLogins).toBe(0);
    expect(locked(s)).toBe(false);
  });
});

// Every NVR fault the simulator has for a write, on both firmwares, against a device that takes the account, drops
// its answer, or refuses the password. One invariant, judged from the NVR's and the camera's own state after the
// NVR's reconnects ran past the camera's threshold: the camera is never locked and the NVR never refused; the channel
// is enabled; it stores the new password and records when the device took it, else the camera is still factory-fresh.
const NVR_FAULTS: [string, NvrRpcFaultOptions][] = [
  ['table, no fault', {}],
  ['table, store refused', { refuseStore: true }],
  ['table, every setConfig refused', { refuseSetConfig: true }],
  ['table, write applied and its answer dropped', { dropAnswer: ['configManager.setConfig'] }],
  ['table, passwords masked', { maskPasswords: true }],
  ['sealed, no fault', { firmware: 'logic-device-manager' }],
  ['sealed, store refused', { firmware: 'logic-device-manager', refuseStore: true }],
  ['sealed, write applied and its answer dropped', { firmware: 'logic-device-manager', dropAnswer: ['LogicDeviceManager.secSetCamera'] }],
  ['sealed, an answer of the wrong shape', { firmware: 'logic-device-manager', wrongShape: ['LogicDeviceManager.secSetCamera'] }],
  ['sealed, the camera refused inside the answer', { firmware: 'logic-device-manager', cameraRefusals: { 0: 1 } }],
  ['sealed, a weak key', { firmware: 'logic-device-manager', key: 'rsa-1024' }],
];
const DEVICES: [string, Partial<DevInitFirmware>, string][] = [
  ['takes it', {}, NEW],
  ['drops the answer', { dropAfterAccount: true }, NEW],
  ['refuses the password', { passwordRule: 'strict' }, 'sitepass2024'],
];

describe.each(NVR_FAULTS)('NVR: %s', (_, nvrRpc) => {
  it.each(DEVICES)('device %s: never locked, the channel enabled, in step with the camera', async (_d, firmware, password) => {
    const s = await open({ nvrRpc, firmware });
    const row = await initialise(s, true, password);
    await pollPastThreshold(s);
    const stored = s.rpc.stored(s.channel);
    expect(locked(s)).toBe(false);
    expect(stored.refusedLogins).toBe(0);
    expect(stored.enable).toBe(true);
    if (s.device.state().initialised) {
      expect(row.outcome).toBe('initialised');
      expect(stored).toMatchObject({ password, state: 'Connected' });
    } else {
      expect(row.outcome).not.toBe('initialised');
      expect(stored.password).toBe(OLD);
    }
  });
});

/** A journal file that dies after `n` writes, like a process killed there: nothing after it reaches the disk. */
const dyingAfter =
  (n: number): OpenJournalFile =>
  async (path) => {
    const real = await openJournalFile(path);
    let writes = 0;
    return {
      async write(line) {
        if (++writes > n) throw new Error('killed');
        await real.write(line);
      },
      close: () => real.close(),
    };
  };

// A run killed at each of its journal writes, then resumed by a new process: a new credential gate and a new guard
// whose memory (what the NVR stored before) died with the first. The NVR's own state decides what is left to do.
describe('killed at any journal write and resumed by a new process', () => {
  it.each([1, 2, 3, 4, 5, 6, 7])('killed after write %i: the camera initialised once, never locked, its channel on the new password', async (kill) => {
    const s = await open();
    const journalPath = join(dir, `kill${kill}-${++n}.jsonl`);
    const once = async (openFile?: OpenJournalFile) => {
      const run = await InitRun.create({ targets: [initTarget(s.device.url)], journalPath, gate: new CredentialGate({ clock: s.clock }), clock: s.clock, timeoutMs: 3000, retryMs: 5, nvr: makeNvrGuard(s.session, NEW, () => undefined), ...(openFile ? { openJournalFile: openFile } : {}) });
      try {
        return (await run.run({ password: NEW, email: '' }))[0]!;
      } finally {
        await run.close();
      }
    };
    await once(dyingAfter(kill));
    await pollPastThreshold(s);
    const row = readInitJournal(journalPath)?.ended ? undefined : await once();
    await pollPastThreshold(s);
    expect(s.device.stats().accountCalls).toBe(1);
    expect(s.device.state().initialised).toBe(true);
    if (row) expect(row.outcome).toBe('initialised');
    expect(locked(s)).toBe(false);
    expect(s.rpc.stored(s.channel)).toMatchObject({ enable: true, password: NEW, state: 'Connected', refusedLogins: 0 });
  });
});
