import { QueryClient } from '@tanstack/react-query';
import { describe, expect, it } from 'vitest';
import type { InventoryDevice } from '../../common/domain/device';
import type { ResetCase } from '../../common/reset/case';
import type { InitRunState } from '../../common/contract/init';
import type { Capabilities } from '../features/init/model';
import { createDataCore, keys, sessionAfterRead, type Cases, type Devices } from './data-core';

type Listener = (p: never) => void;

/** A fake of the renderer's api: lists answer when the test says so; events are pushed by hand. */
function fakeApi() {
  const listeners = new Map<string, Set<Listener>>();
  let releaseDevices!: (d: InventoryDevice[]) => void;
  let releaseCases!: (c: Cases) => void;
  const capabilityCalls: unknown[] = [];
  let answerCapability: (input: { targets: { deviceId: string }[] }) => Promise<unknown> = async () => [];
  const api = {
    on: (name: string, l: Listener) => {
      const set = listeners.get(name) ?? new Set();
      listeners.set(name, set.add(l));
      return () => set.delete(l);
    },
    devices: { list: () => new Promise<InventoryDevice[]>((r) => (releaseDevices = r)) },
    cases: { list: () => new Promise<Cases>((r) => (releaseCases = r)) },
    init: {
      capability: (input: { targets: { deviceId: string }[] }) => (capabilityCalls.push(input), answerCapability(input)),
    },
  };
  const emit = (name: string, payload: unknown) => listeners.get(name)?.forEach((l) => l(payload as never));
  return {
    api: api as never,
    emit,
    releaseDevices: (d: InventoryDevice[]) => releaseDevices(d),
    releaseCases: (c: Cases) => releaseCases(c),
    listeners,
    capabilityCalls,
    answerCapabilityWith: (f: typeof answerCapability) => (answerCapability = f),
  };
}

const dev = (id: string, model: string): InventoryDevice =>
  ({ id, kind: 'camera', model, addresses: [], xaddrs: [], protocols: ['manual'], online: true, firstSeen: 0, lastSeen: 0, flags: [] }) as InventoryDevice;
const kase = (id: string, updatedAt: number, step: ResetCase['step'] = 'forgot') => ({ id, updatedAt, step }) as ResetCase;

describe('renderer data core', () => {
  it('an event that arrives while the list loads is folded in, not lost; later events update the cache in place', async () => {
    const qc = new QueryClient();
    const f = fakeApi();
    const core = createDataCore(qc, f.api);
    const loading = core.fetchDevices();
    f.emit('devices.changed', { devices: [dev('b', 'booted later')] });
    f.emit('devices.changed', { devices: [dev('a', 'renamed')] });
    f.releaseDevices([dev('a', 'old')]);
    const rows = await loading;
    expect([...rows.values()].map((d) => [d.id, d.model])).toEqual([
      ['a', 'renamed'],
      ['b', 'booted later'],
    ]);
    qc.setQueryData(keys.devices, rows);
    f.emit('devices.changed', { devices: [dev('c', 'new')], removed: ['b'] });
    expect([...qc.getQueryData<Devices>(keys.devices)!.keys()]).toEqual(['a', 'c']);
  });

  it('a case change never rolls a newer case back, before or after the list', async () => {
    const qc = new QueryClient();
    const f = fakeApi();
    const core = createDataCore(qc, f.api);
    const loading = core.fetchCases();
    f.emit('cases.changed', { case: kase('x', 5, 'email') });
    f.releaseCases({ cases: [kase('x', 9, 'qr')], now: 0, storeProblems: [], keychain: { available: true } });
    const list = await loading;
    expect(list.cases.map((c) => c.step)).toEqual(['qr']);
    qc.setQueryData(keys.cases, list);
    f.emit('cases.changed', { case: kase('x', 7, 'send') });
    expect(qc.getQueryData<Cases>(keys.cases)!.cases.map((c) => c.step)).toEqual(['qr']);
    f.emit('cases.changed', { case: kase('x', 10, 'code') });
    expect(qc.getQueryData<Cases>(keys.cases)!.cases.map((c) => c.step)).toEqual(['code']);
  });

  it('sync progress touches only its own run; the clock event moves the offset; stop unsubscribes', () => {
    const qc = new QueryClient();
    const f = fakeApi();
    const core = createDataCore(qc, f.api);
    const row = (key: string, step: string) => ({ key, step }) as never;
    qc.setQueryData(keys.syncRun, { runId: 'r1', rows: [row('k1', 'queued'), row('k2', 'queued')] });
    f.emit('sync.progress', { runId: 'r0', rows: [row('k1', 'done')] });
    f.emit('sync.progress', { runId: 'r1', rows: [row('k2', 'verify')] });
    expect((qc.getQueryData(keys.syncRun) as { rows: { step: string }[] }).rows.map((r) => r.step)).toEqual(['queued', 'verify']);
    qc.setQueryData(keys.info, { clockOffsetMs: 0 });
    f.emit('app.clock', { clockOffsetMs: 3600_000, now: 1 });
    expect(qc.getQueryData(keys.info)).toEqual({ clockOffsetMs: 3600_000 });
    core.stop();
    expect([...f.listeners.values()].every((s) => s.size === 0)).toBe(true);
  });

  it('an NVR channel read marks the session signed in and keeps the snapshot (the case step and the NVR tab share it)', () => {
    const qc = new QueryClient();
    const f = fakeApi();
    createDataCore(qc, f.api);
    qc.setQueryData(keys.nvrSession, { signedIn: false, failures: 1, maxFailures: 3 });
    const snap = { url: 'http://10.0.0.5', username: 'admin', identity: { serial: 'S', model: 'M', firmware: 'F' }, channels: [], readAt: 1, notes: [] };
    f.emit('nvr.channels', snap);
    expect(qc.getQueryData(keys.nvrSession)).toEqual({ signedIn: true, failures: 1, maxFailures: 3, url: 'http://10.0.0.5', username: 'admin' });
    expect(qc.getQueryData(keys.nvrChannels)).toBe(snap);
  });

  it('init progress folds into the run on screen; a run it has not read is read whole; finished forgets what was read of its devices', async () => {
    const qc = new QueryClient();
    const f = fakeApi();
    createDataCore(qc, f.api);
    const row = (key: string, step: string, deviceId?: string) => ({ key, step, detail: '', ...(deviceId ? { deviceId } : {}) }) as never;
    qc.setQueryData(keys.initRun, { runId: 'r1', startedAt: 1, running: true, rows: [row('k1', 'pending', 'cam7')] });
    f.emit('init.progress', { runId: 'r1', rows: [row('k1', 'account', 'cam7')] });
    expect(qc.getQueryData<InitRunState>(keys.initRun)!.rows.map((r) => r.step)).toEqual(['account']);
    // Another run's progress: the screen's run is not touched, the query is marked for a fresh read.
    const state = qc.getQueryState(keys.initRun);
    f.emit('init.progress', { runId: 'r2', rows: [row('k9', 'status')] });
    expect(qc.getQueryData<InitRunState>(keys.initRun)!.runId).toBe('r1');
    expect(qc.getQueryState(keys.initRun)!.isInvalidated).toBe(true);
    expect(state!.isInvalidated).toBe(false);
    qc.setQueryData<Capabilities>(keys.capabilities, new Map([['cam7', { forInit: 'not-initialised' }], ['nvr', { forInit: 'initialised' }]]));
    f.emit('init.finished', { runId: 'r1', startedAt: 1, running: false, rows: [{ ...(row('k1', 'done', 'cam7') as object), outcome: 'initialised' }] });
    expect(qc.getQueryData<InitRunState>(keys.initRun)!.running).toBe(false);
    expect([...qc.getQueryData<Capabilities>(keys.capabilities)!.keys()]).toEqual(['nvr']);
  });

  it('asks for reset capability once per Dahua-family row, in one call, and keeps a failure as an answer', async () => {
    const qc = new QueryClient();
    const f = fakeApi();
    const core = createDataCore(qc, f.api);
    const dhip = (id: string) => ({ ...dev(id, 'IPC'), dhip: { init: 'initialised' } }) as InventoryDevice;
    let release!: () => void;
    f.answerCapabilityWith(async ({ targets }) => {
      await new Promise<void>((r) => (release = r));
      return targets.map((t) => ({ key: t.deviceId, deviceId: t.deviceId, init: 'initialised', resetByEmail: 'possible', dhipReset: 'supported', descript: 'answered', detail: '' }));
    });
    const rows = [dhip('a'), dhip('b'), dev('onvif', 'IPC')];
    const first = core.fetchCapabilities(rows);
    // While the first call runs, the same rows are not asked again.
    void core.fetchCapabilities(rows);
    expect(f.capabilityCalls).toEqual([{ targets: [{ deviceId: 'a' }, { deviceId: 'b' }] }]);
    release();
    await first;
    expect([...qc.getQueryData<Capabilities>(keys.capabilities)!.keys()]).toEqual(['a', 'b']);
    f.answerCapabilityWith(async () => {
      throw new Error('The app is restarting.');
    });
    await core.fetchCapabilities([...rows, dhip('c')]);
    await core.fetchCapabilities([...rows, dhip('c')]);
    expect(f.capabilityCalls).toHaveLength(2);
    expect(qc.getQueryData<Capabilities>(keys.capabilities)!.get('c')).toEqual({ forInit: 'initialised', error: 'The app is restarting.' });
  });
});

describe('renderer data core: the NVR view after close-the-loop', () => {
  const snap = { url: 'http://10.0.0.5', username: 'admin', identity: { serial: 'S', model: 'M', firmware: 'F' }, channels: [], readAt: 1, notes: [] };
  const board = (running: boolean) => ({ running, results: [] });

  it('a run that ends marks the NVR channel read old, so the NVR view reads what the run left', () => {
    const qc = new QueryClient();
    const f = fakeApi();
    createDataCore(qc, f.api);
    qc.setQueryData(keys.nvrChannels, snap);
    f.emit('site.progress', board(true));
    expect(qc.getQueryState(keys.nvrChannels)!.isInvalidated).toBe(false);
    f.emit('site.progress', board(false));
    expect(qc.getQueryData(keys.siteLoop)).toEqual(board(false));
    expect(qc.getQueryState(keys.nvrChannels)!.isInvalidated).toBe(true);
  });

  it('the restore at sign-in is no run ending: the read stays, and the view says the app enabled a channel since', () => {
    const qc = new QueryClient();
    const f = fakeApi();
    createDataCore(qc, f.api);
    qc.setQueryData(keys.nvrChannels, snap);
    qc.setQueryData(keys.siteLoop, null);
    f.emit('site.progress', board(false));
    expect(qc.getQueryData(keys.siteLoop)).toEqual(board(false));
    expect(qc.getQueryState(keys.nvrChannels)!.isInvalidated).toBe(false);
  });

  it('a read signs the session in to its NVR and keeps the count of refused sign-ins; no read signs it out', () => {
    const counted = { signedIn: false, failures: 2, maxFailures: 3, url: 'http://10.0.0.9' };
    expect(sessionAfterRead(counted, snap)).toEqual({ signedIn: true, failures: 2, maxFailures: 3, url: 'http://10.0.0.5', username: 'admin' });
    expect(sessionAfterRead(undefined, snap)).toEqual({ signedIn: true, failures: 0, maxFailures: 0, url: 'http://10.0.0.5', username: 'admin' });
    expect(sessionAfterRead({ ...counted, signedIn: true }, null)).toEqual(counted);
  });
});
