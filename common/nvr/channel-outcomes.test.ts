import { describe, expect, it } from 'vitest';
import { CHANNEL_OUTCOMES, channelOutcome, ChannelOutcome, siteSummary, type ChannelFacts } from './channel-outcomes';

const base: ChannelFacts = { action: { kind: 'change-camera-then-nvr', xaddr: 'http://c/onvif' }, wasOnline: true, cameraHoldsNewPassword: true, nvrUpdated: true, connectionState: 'Connected', waitOver: false };

describe('channel outcomes', () => {
  it.each<[string, Partial<ChannelFacts>, ChannelOutcome | undefined]>([
    ['changed on both ends and connected', {}, 'recording'],
    ['not connected yet, still waiting', { connectionState: 'Connecting' }, undefined],
    ['stored, wait over, was online before', { connectionState: 'Connecting', waitOver: true }, 'updated-waiting'],
    ['wait over, never online', { connectionState: 'Offline', waitOver: true, wasOnline: false }, 'camera-offline'],
    ['NVR refused the stored password', { nvrUpdated: false }, 'nvr-refused'],
    ['camera change failed: the NVR is not touched', { cameraHoldsNewPassword: false, nvrUpdated: undefined }, 'skipped'],
    ['camera changed, NVR update never sent (cancel)', { nvrUpdated: undefined }, 'skipped'],
    ['NVR-only update, connected', { action: { kind: 'update-nvr-only' }, cameraHoldsNewPassword: false }, 'recording'],
    ["NVR's own sync, connected", { action: { kind: 'nvr-own-sync' }, nvrUpdated: undefined }, 'recording'],
    ["NVR's own sync, not back after the wait", { action: { kind: 'nvr-own-sync' }, nvrUpdated: undefined, connectionState: 'Unconnect', waitOver: true }, 'updated-waiting'],
    ['behind the PoE ports: connected proves nothing', { action: { kind: 'cannot', reason: 'unreachable-from-laptop' } }, 'not-reachable-from-laptop'],
    ['no ONVIF: connected with the old password is not success', { action: { kind: 'cannot', reason: 'no-onvif' } }, 'skipped'],
    ['an unknown state string is not Connected', { connectionState: 'connected ', waitOver: true }, 'updated-waiting'],
    ['disabled on the NVR at the end: records nothing, whatever else', { enabledAfter: false }, 'disabled-on-nvr'],
    ['disabled on the NVR, not a channel the app changes', { action: { kind: 'nvr-own-sync' }, enabledAfter: false }, 'disabled-on-nvr'],
    ['the NVR refused, the camera was put back', { rolledBack: true, nvrUpdated: false }, 'rolled-back'],
    ['the NVR refused the pause: the camera was never changed', { cameraHoldsNewPassword: false, nvrUpdated: false }, 'nvr-refused'],
    ['cameras only: the camera changed, the NVR was never asked (not "refused")', { nvrNotWritten: true, nvrUpdated: false }, 'nvr-not-updated'],
    ['cameras only, but the camera did not change: the channel is as it was', { nvrNotWritten: true, cameraHoldsNewPassword: false, nvrUpdated: false }, 'skipped'],
  ])('%s', (_name, over, want) => {
    expect(channelOutcome({ ...base, ...over })).toBe(want);
  });

  it('every outcome has a label, explanation and next step; only recording counts as success', () => {
    for (const o of ChannelOutcome.options) {
      const info = CHANNEL_OUTCOMES[o];
      expect(info.label && info.explanation && info.nextStep).toBeTruthy();
      expect(info.success).toBe(o === 'recording');
    }
  });

  it('summarises the site', () => {
    expect(siteSummary(['recording', 'recording', 'camera-offline'])).toBe('2 of 3 channels recording with the new password');
    expect(siteSummary(['recording'])).toBe('1 of 1 channel recording with the new password');
  });
});
