import { describe, expect, it } from 'vitest';
import type { SitePlanRow, SitePlanView } from '../../../common/contract/site';
import { actionLabel, camerasOnlyChoice, channelState, nvrAccount, rowWhy, writePathVerdict } from './plan-model';

const ch = (o: Partial<SitePlanRow['channel']> = {}): SitePlanRow['channel'] => ({ channel: 1, address: '10.0.0.1', protocol: 'onvif', username: 'admin', online: true, ...o });
const row = (o: Partial<SitePlanRow> = {}): SitePlanRow => ({ channel: ch(), action: { kind: 'change-camera-then-nvr', xaddr: 'http://10.0.0.1/onvif/device_service' }, why: 'why', ...o });
const view = (o: Partial<SitePlanView>): SitePlanView => ({ nvr: 'http://10.0.0.2', writePath: { ok: true, sealed: true }, rows: [], unusedCameras: [], ...o });
const notWritable = { kind: 'cannot', reason: 'nvr-not-writable' } as const;

describe('the plan before Save', () => {
  it('says what the app will do, and that a cameras-only change stops the channel recording', () => {
    const change = { kind: 'change-camera-then-nvr', xaddr: 'x' } as const;
    expect(actionLabel(row({ action: change }), false)).toBe('Change the camera, then the NVR');
    expect(actionLabel(row({ action: change }), true)).toBe('Change the camera only: this channel stops recording');
    expect(actionLabel(row({ action: change, channel: ch({ enabled: false }) }), true)).toBe('Change the camera only: the NVR keeps the old password');
    expect(actionLabel(row({ action: notWritable }), false)).toBe('Not changed: the app cannot write this NVR');
    for (const reason of ['unreachable-from-laptop', 'no-onvif', 'fixed-user'] as const) expect(actionLabel(row({ action: { kind: 'cannot', reason } }), false)).toMatch(/^Cannot: /);
  });

  it('says the write path’s reason once, above the table, not again in every row', () => {
    const w = { ok: false, reason: 'The key is weak.', nextStep: 'Update the firmware.' };
    expect(rowWhy(row({ action: notWritable, why: 'Disabled. The app does not change this camera. The key is weak. Update the firmware.' }), w)).toBe('Disabled. The app does not change this camera.');
    expect(rowWhy(row({ why: 'The key is weak.' }), { ok: true })).toBe('The key is weak.');
  });

  it.each([
    [ch(), 'good', 'Online', undefined],
    [ch({ online: false }), 'bad', 'Offline', undefined],
    [ch({ enabled: true, online: false }), 'bad', 'Offline', undefined],
    [ch({ enabled: false, online: false }), 'bad', 'Disabled on the NVR', /not by this app; it stays disabled/],
    [ch({ enabled: false, online: false, pausedByApp: true }), 'bad', 'Disabled on the NVR', /paused by an earlier run of this app; this run restores it/i],
  ])('reads channel %j as %s %s', (c, tone, word, note) => {
    const s = channelState(c, true);
    expect([s.tone, s.word]).toEqual([tone, word]);
    if (note) expect(s.note).toMatch(note);
    else expect(s.note).toBeUndefined();
  });

  it('does not promise to restore a paused channel where the NVR cannot be written', () => {
    expect(channelState(ch({ enabled: false, pausedByApp: true }), false).note).toBe('Paused by an earlier run of this app; the app cannot write this NVR, so it stays disabled.');
  });

  it("shows the account the NVR signs in with, and whether the plan added it to the run", () => {
    expect(nvrAccount(row())).toEqual({ username: 'admin', added: false });
    expect(nvrAccount(row({ channel: ch({ username: 'onvif' }), nvrAccountAdded: true }))).toEqual({ username: 'onvif', added: true });
  });

  it('says how the password reaches the NVR: sealed, readable with the note, or not at all with why and what to do', () => {
    expect(writePathVerdict({ ok: true, firmware: 'logic-device-manager', sealed: true }, false)).toMatchObject({ tone: 'good', word: 'Writable, sealed' });
    const plain = writePathVerdict({ ok: true, firmware: 'remote-device-table', sealed: false, note: 'The new password will cross the network over plain http.' }, false);
    expect(plain).toMatchObject({ tone: 'warn', text: 'The new password will cross the network over plain http.' });
    const no = writePathVerdict({ ok: false, reason: 'The key is weak.', nextStep: 'Update the firmware.' }, false);
    expect(no).toEqual({ tone: 'bad', word: 'The NVR cannot be written', text: 'The key is weak. No camera the NVR records is changed.', nextStep: 'Update the firmware.' });
    expect(writePathVerdict({ ok: false, reason: 'The key is weak.', nextStep: 'Update.' }, true)).toMatchObject({ word: 'Cameras only', text: 'The key is weak. You chose to change the cameras anyway.' });
  });

  it('offers "cameras only" only where the NVR cannot be written and a chosen camera is one it records, naming the channels that stop', () => {
    const blocked = { ok: false, reason: 'r', nextStep: 'n' };
    const none = { offered: false, stops: [] };
    expect(camerasOnlyChoice(view({ rows: [row()] }))).toEqual(none);
    expect(camerasOnlyChoice(view({ writePath: blocked, rows: [row({ action: { kind: 'cannot', reason: 'unreachable-from-laptop' } })] }))).toEqual(none);
    const rows = [row({ action: notWritable }), row({ channel: ch({ channel: 2 }), action: { kind: 'nvr-own-sync' } }), row({ channel: ch({ channel: 3, enabled: false }), action: notWritable })];
    expect(camerasOnlyChoice(view({ writePath: blocked, rows }))).toEqual({ offered: true, stops: [1] });
    expect(camerasOnlyChoice(view({ writePath: blocked, camerasOnly: true, rows: [row(), row({ channel: ch({ channel: 3 }) })] }))).toEqual({ offered: true, stops: [1, 3] });
    expect(camerasOnlyChoice(view({ writePath: blocked, camerasOnly: true, rows: [row({ channel: ch({ enabled: false }) })] }))).toEqual({ offered: true, stops: [] });
  });
});
