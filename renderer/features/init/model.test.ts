import { describe, expect, it } from 'vitest';
import type { InitRow, InitRunState, ResetCapability } from '../../../common/contract/init';
import type { InventoryDevice } from '../../../common/domain/device';
import type { NvrChannel, NvrSnapshot } from '../../../common/contract/nvr';
import type { ResetCase } from '../../../common/reset/case';
import {
  applyInitFinished,
  applyInitProgress,
  CAPABILITY_BATCH,
  capabilitiesWanted,
  capabilityBadge,
  casesWithPassword,
  chosenDevices,
  draftProblem,
  forgetCapabilities,
  mergeCapabilities,
  nvrLinesFor,
  nvrProblem,
  settledRowOf,
  tallyInit,
  toggleChosen,
  type Capabilities,
} from './model';

const dev = (id: string, over: Partial<InventoryDevice> = {}): InventoryDevice => ({
  id,
  kind: 'camera',
  addresses: ['127.0.1.17'],
  xaddrs: [],
  protocols: ['dhip'],
  online: true,
  firstSeen: 0,
  lastSeen: 0,
  flags: [],
  ...over,
});
const fresh = (id: string, over: Partial<InventoryDevice> = {}) => dev(id, { dhip: { init: 'not-initialised' }, ...over });
const done = (id: string) => dev(id, { dhip: { init: 'initialised' } });
const cap = (deviceId: string, over: Partial<ResetCapability> = {}): ResetCapability => ({
  key: `http://x/${deviceId}`,
  deviceId,
  init: 'initialised',
  resetByEmail: 'possible',
  emailMasked: 'o***@example.com',
  dhipReset: 'supported',
  descript: 'answered',
  detail: 'A reset by e-mail is possible: the device has a registered e-mail.',
  ...over,
});
const row = (key: string, over: Partial<InitRow> = {}): InitRow => ({ key, step: 'pending', detail: '', ...over });
const run = (runId: string, rows: InitRow[], startedAt = 1): InitRunState => ({ runId, startedAt, running: true, rows });

describe('choosing devices to initialise', () => {
  it('only a not-initialised device that answers can be chosen; Space toggles it and leaves the others alone', () => {
    let chosen = toggleChosen(new Set(), fresh('a'));
    expect([...chosen]).toEqual(['a']);
    chosen = toggleChosen(chosen, done('b'));
    chosen = toggleChosen(chosen, fresh('c', { online: false }));
    chosen = toggleChosen(chosen, dev('d'));
    expect([...chosen]).toEqual(['a']);
    expect([...toggleChosen(chosen, fresh('a'))]).toEqual([]);
  });

  it('a chosen device that became initialised (the rescan after a run) or went offline drops out by itself', () => {
    const chosen = new Set(['a', 'b', 'c', 'gone']);
    const rows = [fresh('a'), done('b'), fresh('c', { online: false })];
    expect(chosenDevices(chosen, rows).map((d) => d.id)).toEqual(['a']);
  });

  it("offers the cases whose new password was saved and that were not closed without a reset, newest first", () => {
    const c = (id: string, updatedAt: number, over: Partial<ResetCase> = {}) => ({ id, updatedAt, ...over }) as ResetCase;
    const list = [c('no-pw', 9), c('old', 1, { passwordSetAt: 1, outcome: 'reset' }), c('closed', 8, { passwordSetAt: 2, outcome: 'abandoned' }), c('new', 5, { passwordSetAt: 3 })];
    expect(casesWithPassword(list).map((x) => x.id)).toEqual(['new', 'old']);
  });
});

describe("the panel's form, checked before anything is sent", () => {
  const typed = { source: 'typed' as const, password: 'Site2024ab', confirm: 'Site2024ab', email: 'owner@example.com' };
  it.each([
    [typed, undefined],
    [{ ...typed, email: '' }, undefined],
    [{ ...typed, email: '  owner@example.com ' }, undefined],
    [{ source: 'case' as const, caseId: 'case-123', password: '', confirm: '', email: 'owner@example.com' }, undefined],
    [{ ...typed, source: 'case' as const }, { field: 'case' }],
    [{ ...typed, password: 'Site;2024ab', confirm: 'Site;2024ab' }, { field: 'password', text: expect.stringMatching(/[“"];[”"]/) }],
    [{ ...typed, password: 'Site 2024ab', confirm: 'Site 2024ab' }, { field: 'password', text: expect.stringContaining('No spaces') }],
    [{ ...typed, confirm: 'Site2024ac' }, { field: 'confirm' }],
    [{ ...typed, email: 'owner@example.com\r\nBcc: x@y.z' }, { field: 'email' }],
  ])('%j', (draft, want) => {
    const p = draftProblem(draft);
    if (want === undefined) expect(p).toBeUndefined();
    else expect(p).toMatchObject(want);
    // The words never repeat the password.
    if (p && draft.password) expect(p.text).not.toContain(draft.password);
  });
});

describe('reset capability at a glance', () => {
  it('asks once per Dahua-family row that answers, again only when its init state changes; never a row without DHIP', () => {
    const rows = [fresh('a'), done('b'), dev('onvif-only'), done('off')];
    rows[3]!.online = false;
    const inflight = new Set<string>();
    let known: Capabilities = new Map();
    expect(capabilitiesWanted(rows, known, inflight).map((d) => d.id)).toEqual(['a', 'b']);
    known = mergeCapabilities(known, [rows[0]!, rows[1]!], { answers: [cap('a', { init: 'not-initialised', resetByEmail: 'not-possible' }), cap('b')] });
    expect(capabilitiesWanted(rows, known, inflight)).toEqual([]);
    // Initialised meanwhile: its DHIP state changed, so what was read is old.
    expect(capabilitiesWanted([done('a'), done('b')], known, inflight).map((d) => d.id)).toEqual(['a']);
    // Already being asked: not twice at once.
    expect(capabilitiesWanted([done('a')], known, new Set(['a']))).toEqual([]);
  });

  it('a failed call is recorded for each device asked (not asked again in a loop); forgetting makes them wanted again', () => {
    const rows = [done('a'), done('b')];
    let known = mergeCapabilities(new Map(), rows, { error: 'The app is restarting.' });
    expect(known.get('a')).toEqual({ forInit: 'initialised', error: 'The app is restarting.' });
    expect(capabilitiesWanted(rows, known, new Set())).toEqual([]);
    known = forgetCapabilities(known, ['b']);
    expect(capabilitiesWanted(rows, known, new Set()).map((d) => d.id)).toEqual(['b']);
    // An answer that lacks a device counts as no answer for it.
    expect(mergeCapabilities(new Map(), rows, { answers: [cap('a')] }).get('b')?.error).toMatch(/did not get an answer/);
  });

  it('asks at most one call’s worth at a time', () => {
    const many = Array.from({ length: CAPABILITY_BATCH + 20 }, (_, i) => done(`d${i}`));
    expect(capabilitiesWanted(many, new Map(), new Set())).toHaveLength(CAPABILITY_BATCH);
  });

  it.each([
    [cap('a'), 'possible', 'o***@example.com'],
    [cap('a', { resetByEmail: 'not-possible', emailMasked: undefined }), 'not-possible', 'no e-mail reset'],
    [cap('a', { resetByEmail: 'unknown', emailMasked: undefined }), 'unknown', 'reset offered'],
    [cap('a', { resetByEmail: 'unknown', emailMasked: undefined, dhipReset: 'unknown' }), 'unknown', 'reset unknown'],
  ] as const)('badge for %#', (c, kind, text) => {
    expect(capabilityBadge({ forInit: 'initialised', cap: c })).toMatchObject({ kind, text, detail: c.detail });
  });

  it('no badge for a device not initialised (nothing to reset yet) or not asked; a failure reads as not known, with the reason', () => {
    expect(capabilityBadge({ forInit: 'not-initialised', cap: cap('a', { init: 'not-initialised', resetByEmail: 'not-possible' }) })).toBeUndefined();
    expect(capabilityBadge(undefined)).toBeUndefined();
    expect(capabilityBadge({ forInit: 'initialised', error: 'boom' })).toMatchObject({ kind: 'unknown', detail: 'Not known: boom' });
  });
});

describe('the run on screen', () => {
  it('progress updates its own run only, in place, and adds a row it lacks', () => {
    const prev = run('r1', [row('k1'), row('k2')]);
    expect(applyInitProgress(prev, 'r0', [row('k1', { step: 'done' })])).toBe(prev);
    const next = applyInitProgress(prev, 'r1', [row('k2', { step: 'account' }), row('k3', { step: 'status' })])!;
    expect(next.rows.map((r) => [r.key, r.step])).toEqual([
      ['k1', 'pending'],
      ['k2', 'account'],
      ['k3', 'status'],
    ]);
    expect(applyInitProgress(null, 'r1', [row('k1')])).toBeNull();
  });

  it('finished replaces its run or an older one, never a newer one', () => {
    const older = run('r0', [], 1);
    const newer = run('r2', [], 9);
    const ended = { ...run('r1', [row('k1', { outcome: 'initialised' })], 5), running: false };
    expect(applyInitFinished(undefined, ended)).toBe(ended);
    expect(applyInitFinished(older, ended)).toBe(ended);
    expect(applyInitFinished(newer, ended)).toBe(newer);
    expect(applyInitFinished(run('r1', [], 5), ended)).toBe(ended);
  });

  it('tallies outcomes in their own order with the pending ones last', () => {
    const rows = [row('a', { outcome: 'refused' }), row('b'), row('c', { outcome: 'initialised' }), row('d', { outcome: 'initialised' })];
    expect(tallyInit(rows)).toEqual([
      { key: 'initialised', label: 'Initialised', count: 2, tone: 'good' },
      { key: 'refused', label: 'Refused', count: 1, tone: 'bad' },
      { key: 'pending', label: 'in progress', count: 1, tone: 'wait' },
    ]);
  });

  it("a device's settled row is what its details panel follows up", () => {
    const r = run('r1', [row('k1', { deviceId: 'a' }), row('k2', { deviceId: 'b', outcome: 'initialised' })]);
    expect(settledRowOf(r, 'a')).toBeUndefined();
    expect(settledRowOf(r, 'b')?.key).toBe('k2');
    expect(settledRowOf(null, 'b')).toBeUndefined();
  });
});

describe("the NVR's part, before Start", () => {
  const ch = (channel: number, address: string, over: Partial<NvrChannel> = {}): NvrChannel => ({
    channel, name: `Cam ${channel}`, address, protocol: 'private', username: 'admin', model: 'IPC', online: false, enabled: true, state: 'disconnected', passwordMasked: false, ...over,
  });
  const snap = (channels: NvrChannel[]): NvrSnapshot => ({ url: 'http://127.0.1.10', username: 'admin', identity: { serial: 's', model: 'm', firmware: 'f' }, channels, readAt: 0, notes: [] });

  it('per device: admin channels get the new password, other accounts are paused, a disabled channel is left alone, none: nothing to do', () => {
    const a = fresh('a', { addresses: ['127.0.1.17'] });
    const b = fresh('b', { addresses: ['127.0.1.18'] });
    const c = fresh('c', { addresses: ['127.0.1.19'] });
    const lines = nvrLinesFor([a, b, c], snap([ch(7, '127.0.1.17'), ch(8, '127.0.1.18', { username: 'onvif' }), ch(9, '127.0.1.18'), ch(3, '127.0.1.19', { enabled: false })]));
    expect(lines?.map((l) => [l.device.id, l.stores, l.pauses])).toEqual([
      ['a', [7], []],
      ['b', [9], [{ channel: 8, username: 'onvif' }]],
      ['c', [], []],
    ]);
  });

  it('without an NVR session Start waits for a sign-in or for the technician to say no NVR records them', () => {
    expect(nvrLinesFor([fresh('a')], null)).toBeNull();
    expect(nvrProblem(null, false)).toMatchObject({ field: 'nvr', text: expect.stringMatching(/Sign in to the NVR first/) });
    expect(nvrProblem(null, true)).toBeUndefined();
    expect(nvrProblem([], false)).toBeUndefined();
  });
});
