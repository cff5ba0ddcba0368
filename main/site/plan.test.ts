import { describe, expect, it } from 'vitest';
import { PAUSE_MARK } from '../../common/nvr/pause-marker';
import type { StoredChannel, WritePathProof } from '../dahua/channel-store';
import { planLoop } from './plan';

const ok: WritePathProof = { ok: true, firmware: 'logic-device-manager', sealed: true };
const ch = (channel: number, address: string, over: Partial<StoredChannel> = {}): StoredChannel => ({
  channel, enabled: true, address, port: 80, username: 'admin', protocol: 'Onvif', name: `Cam ${channel}`, password: 'Stored-1', ...over,
});
const t = (host: string, username = 'admin') => ({ xaddr: `http://${host}/onvif/device_service`, username });
const states = new Map<number, string>();

describe('the site plan', () => {
  it("adds the account the NVR signs in with to the chosen camera's accounts, with the password the NVR stores as its known one", () => {
    const p = planLoop({ channels: [ch(1, '10.0.0.1'), ch(2, '10.0.0.1', { username: 'onvif', password: 'Nvr-onvif-1' }), ch(3, '10.0.0.2')], states, targets: [t('10.0.0.1')], proof: ok });
    expect(p.rows.map((r) => [r.channel.channel, r.action.kind, r.nvrAccountAdded ?? false])).toEqual([[1, 'change-camera-then-nvr', false], [2, 'change-camera-then-nvr', true], [3, 'cannot', false]]);
    expect(p.rows[1]!.why).toMatch(/signs in to this camera as "onvif"/);
    expect(p.targets).toEqual([t('10.0.0.1'), t('10.0.0.1', 'onvif')]);
    expect(p.cameras.find((c) => c.host === '10.0.0.1')!.accounts.map((a) => a.username)).toEqual(['admin', 'onvif']);
    expect(p.known).toEqual({ 'http://10.0.0.1/onvif/device_service admin': ['Stored-1'], 'http://10.0.0.1/onvif/device_service onvif': ['Nvr-onvif-1'] });
    // Camera 2 was not chosen: nothing to change, and its stored password is nobody's candidate.
    expect(p.cameras.find((c) => c.host === '10.0.0.2')!.accounts).toEqual([]);
  });

  it('a disabled slot is a channel: paused by this app (the marker) or by the customer, said so first', () => {
    const p = planLoop({ channels: [ch(1, '10.0.0.1', { enabled: false, name: `${PAUSE_MARK}Door` }), ch(2, '10.0.0.2', { enabled: false })], states, targets: [t('10.0.0.1')], proof: ok });
    expect(p.rows.map((r) => r.channel)).toEqual([expect.objectContaining({ enabled: false, pausedByApp: true }), expect.objectContaining({ enabled: false })]);
    expect(p.rows[1]!.channel.pausedByApp).toBeUndefined();
    expect(p.rows[0]!.why).toMatch(/^Disabled on the NVR by an earlier run of this app/);
    expect(p.rows[1]!.why).toMatch(/^Disabled on the NVR \(not by this app\)/);
  });

  it('a write path the app could not prove: no camera the NVR records is changed (why and what to do), the others are; "cameras only" warns instead', () => {
    const bad: WritePathProof = { ok: false, reason: 'The key is 512 bits.', nextStep: 'Update the firmware.' };
    const input = { channels: [ch(1, '10.0.0.1')], states, targets: [t('10.0.0.1'), t('10.0.0.9')], proof: bad };
    const p = planLoop(input);
    expect(p.rows[0]).toMatchObject({ action: { kind: 'cannot', reason: 'nvr-not-writable' }, why: expect.stringMatching(/512 bits\. Update the firmware\.$/) });
    expect(p.cameras[0]!.accounts).toEqual([]);
    expect(p.rest).toEqual([t('10.0.0.9')]);
    const only = planLoop({ ...input, camerasOnly: true });
    expect(only).toMatchObject({ camerasOnly: true, rows: [{ action: { kind: 'change-camera-then-nvr' }, why: expect.stringMatching(/STOPS RECORDING/) }] });
    // "Cameras only" means nothing where the NVR can be written.
    expect(planLoop({ ...input, proof: ok, camerasOnly: true }).camerasOnly).toBe(false);
  });

  it('a stored password the NVR does not show is nobody\'s known password', () => {
    const p = planLoop({ channels: [ch(1, '10.0.0.1', { password: undefined })], states, targets: [t('10.0.0.1')], proof: ok });
    expect(p.known).toEqual({});
  });
});
