import { describe, expect, it } from 'vitest';
import { hostOf } from '../discovery/net';
import { planSite, type PlanChannel, type PlanDevice } from './site-plan';

const ch = (channel: number, address: string, protocol = 'onvif', over: Partial<PlanChannel> = {}): PlanChannel => ({
  channel, address, protocol, username: 'admin', online: true, ...over,
});
const cam = (id: string, address: string, xaddr = true, over: Partial<PlanDevice> = {}): PlanDevice => ({
  id, kind: 'camera', addresses: [address], xaddrs: xaddr ? [`http://${address}:8000/onvif/device_service`] : [], model: `M-${id}`, ...over,
});

describe('site plan', () => {
  it('one decision per channel, each with its plain reason', () => {
    const plan = planSite(
      [
        ch(3, '10.0.0.3', 'private'),
        ch(1, '10.0.0.1'),
        ch(2, '10.0.0.2'),
        ch(4, '10.0.0.4'),
        ch(5, '10.0.0.5'),
        ch(6, '10.0.0.6'),
      ],
      [cam('a', '10.0.0.1'), cam('b', '10.0.0.2', false), cam('c', '10.0.0.3'), cam('e', '10.0.0.5'), cam('f', '10.0.0.6'), cam('spare', '10.0.0.9')],
      new Map([
        ['10.0.0.5', 'holds-new-password'],
        ['10.0.0.6', 'fixed-user'],
      ]),
    );
    expect(plan.rows.map((r) => [r.channel.channel, r.action.kind === 'cannot' ? `cannot:${r.action.reason}` : r.action.kind])).toEqual([
      [1, 'change-camera-then-nvr'],
      [2, 'cannot:no-onvif'],
      [3, 'nvr-own-sync'],
      [4, 'cannot:unreachable-from-laptop'],
      [5, 'update-nvr-only'],
      [6, 'cannot:fixed-user'],
    ]);
    expect(plan.rows[0]).toMatchObject({ deviceId: 'a', model: 'M-a', action: { xaddr: 'http://10.0.0.1:8000/onvif/device_service' } });
    expect(plan.rows[3]!.deviceId).toBeUndefined();
    expect(plan.rows[3]!.why).toMatch(/PoE/);
    expect(plan.unusedCameras.map((d) => d.id)).toEqual(['spare']);
    expect(plan.counts).toEqual({ 'nvr-own-sync': 1, 'change-camera-then-nvr': 1, 'update-nvr-only': 1, cannot: 3 });
  });

  it("the NVR itself is never a channel's camera and never an unused camera", () => {
    const nvr: PlanDevice = { id: 'nvr', kind: 'nvr', addresses: ['10.0.0.1'], xaddrs: ['http://10.0.0.1/onvif/device_service'] };
    const plan = planSite([ch(1, '10.0.0.1')], [nvr]);
    expect(plan.rows[0]!.action).toEqual({ kind: 'cannot', reason: 'unreachable-from-laptop' });
    expect(plan.unusedCameras).toEqual([]);
  });

  it('matches a camera by its ONVIF address too, case and port aside', () => {
    const d = cam('a', '10.0.0.1');
    d.addresses = [];
    expect(planSite([ch(1, 'CAM-1.local')], [{ ...d, xaddrs: ['http://cam-1.local:8000/onvif'] }]).rows[0]!.deviceId).toBe('a');
  });

  it.each([
    ['http://10.0.0.1:8000/onvif/device_service', '10.0.0.1'],
    ['10.0.0.1:37777', '10.0.0.1'],
    [' Cam.Local ', 'cam.local'],
    ['http://[fe80::1]:80/x', 'fe80::1'],
    ['fe80::1', 'fe80::1'],
  ])('hostOf(%s) = %s', (a, h) => expect(hostOf(a)).toBe(h));
});
