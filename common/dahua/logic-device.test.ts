import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CameraListError, parseCameraList, parseSetCameraAnswer } from './logic-device';
import { MAX_SLOTS } from './remote-device';

// Shapes from DOMAIN.md "Newer firmware": the camera objects of getCameraAll/secGetCameraAll as DahuaConsole,
// dahua-rpc, rroller/dahua, a Python NVR tool and an iOS NVR app show them; secSetCamera's answer as the iOS
// app models it ([{UniqueChannel, failedCode}]).
const cam = (uc: number, info: Record<string, unknown> = {}, top: Record<string, unknown> = {}) => ({
  Channel: uc, UniqueChannel: uc, DeviceID: `uuid:System_CONFIG_NETCAMERA_INFO_${uc}`, Type: 'Remote', Enable: true, VideoStream: 'Main',
  DeviceInfo: { Address: `10.0.0.${uc + 10}`, Port: 37777, UserName: 'admin', Password: 'Stored-pass-1', ProtocolType: 'Private', DeviceType: 'IPC', Name: `Cam ${uc}`, VideoInputs: [{ Name: `Input ${uc}` }], ...info },
  ...top,
});

describe('the LogicDeviceManager camera list', () => {
  it('reads configured cameras in channel order (UniqueChannel + 1), disabled ones included, unused left out', () => {
    const list = parseCameraList({
      camera: [cam(2), cam(0, { ProtocolType: 'Onvif', Port: 80 }), cam(1, {}, { Enable: false }), cam(3, { Address: '' }), cam(4, { Address: '192.168.0.0' }), cam(5, { Enable: false })],
    });
    expect(list.cameras.map((c) => [c.channel, c.index, c.enabled, c.protocol])).toEqual([[1, 1, true, 'Onvif'], [2, 2, false, 'Private'], [3, 0, true, 'Private'], [6, 5, false, 'Private']]);
    expect(list).toMatchObject({ unused: 2, ignored: 0, truncated: false });
    expect(list.cameras[0]).toMatchObject({ uniqueChannel: 0, address: '10.0.0.10', port: 80, username: 'admin', name: 'Cam 0', passwordState: 'present' });
  });

  it('marks a channel this app paused (disabled and carrying the pause marker in DeviceInfo.Name), and only that', () => {
    const list = parseCameraList({
      camera: [cam(0, { Name: 'PAUSED~Cam 0' }, { Enable: false }), cam(1, { Name: 'PAUSED~Cam 1' }), cam(2, {}, { Enable: false }), cam(3, { Name: 'Cam PAUSED~' }, { Enable: false })],
    });
    expect(list.cameras.map((c) => c.pausedByApp)).toEqual([true, false, false, false]);
  });

  it('says whether a stored password is there, and never returns it', () => {
    const list = parseCameraList({ camera: [cam(0), cam(1, { Password: '******' }), cam(2, { Password: '' }), cam(3, { Password: undefined })] });
    expect(list.cameras.map((c) => c.passwordState)).toEqual(['present', 'masked', 'absent', 'absent']);
    expect(JSON.stringify(list)).not.toContain('Stored-pass-1');
  });

  it('two entries with one UniqueChannel are both left out (neither is safe to write back)', () => {
    const list = parseCameraList({ camera: [cam(0), cam(1), cam(1, { Address: '10.9.9.9' })] });
    expect(list.cameras.map((c) => c.channel)).toEqual([1]);
    expect(list.ignored).toBe(2);
  });

  it.each([
    ['no UniqueChannel', { ...cam(0), UniqueChannel: undefined }],
    ['a string UniqueChannel', { ...cam(0), UniqueChannel: '0' }],
    ['a negative UniqueChannel', { ...cam(0), UniqueChannel: -1 }],
    ['a huge UniqueChannel', { ...cam(0), UniqueChannel: 1e9 }],
    ['no DeviceInfo', { ...cam(0), DeviceInfo: undefined }],
    ['DeviceInfo a list', { ...cam(0), DeviceInfo: [] }],
    ['not an object', 'camera'],
    ['null', null],
  ])('an entry with %s is ignored, not a crash', (_what, entry) => {
    const list = parseCameraList({ camera: [entry, cam(1)] });
    expect(list.cameras.map((c) => c.channel)).toEqual([2]);
    expect(list.ignored).toBe(1);
  });

  it('refuses an answer that is not a camera list; cuts a huge one', () => {
    for (const bad of [null, 'x', 1, [], {}, { camera: 'x' }, { camera: { 0: cam(0) } }, { params: { camera: [] } }]) expect(() => parseCameraList(bad)).toThrow(CameraListError);
    const huge = parseCameraList({ camera: Array.from({ length: MAX_SLOTS + 5 }, (_, i) => cam(i % MAX_SLOTS)) });
    expect(huge.truncated).toBe(true);
    expect(huge.cameras.length).toBeLessThanOrEqual(MAX_SLOTS);
  });

  it('never throws anything but CameraListError; every camera it returns names an address and a channel in range (fuzz)', () => {
    const entry = fc.oneof(
      fc.anything(),
      fc.record({ UniqueChannel: fc.oneof(fc.integer({ min: -2, max: 600 }), fc.anything()), Enable: fc.anything(), DeviceInfo: fc.oneof(fc.anything(), fc.dictionary(fc.constantFrom('Address', 'Port', 'UserName', 'Password', 'ProtocolType', 'Name', 'Enable', 'VideoInputs'), fc.anything())) }, { requiredKeys: [] }),
    );
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.record({ camera: fc.array(entry, { maxLength: 20 }) })), (answer) => {
        try {
          const list = parseCameraList(answer);
          for (const c of list.cameras) {
            expect(c.channel).toBe(c.uniqueChannel + 1);
            expect(c.channel).toBeGreaterThanOrEqual(1);
            expect(c.channel).toBeLessThanOrEqual(MAX_SLOTS);
            expect(['', '0.0.0.0', '192.168.0.0']).not.toContain(c.address);
            expect(typeof c.enabled).toBe('boolean');
          }
          expect(new Set(list.cameras.map((c) => c.channel)).size).toBe(list.cameras.length);
        } catch (e) {
          expect(e).toBeInstanceOf(CameraListError);
        }
      }),
      { numRuns: 400 },
    );
  });
});

describe("secSetCamera's opened answer", () => {
  it('per camera: failedCode 0 or false is taken, anything else refused; channel = UniqueChannel + 1', () => {
    const m = parseSetCameraAnswer([{ UniqueChannel: 0, failedCode: 0 }, { UniqueChannel: 1, failedCode: false }, { UniqueChannel: 2, failedCode: 1 }, { UniqueChannel: 3, failedCode: true }, { UniqueChannel: 4, failedCode: 'InUse' }]);
    expect([...m!]).toEqual([
      [1, { taken: true }],
      [2, { taken: true }],
      [3, { taken: false, detail: 'the NVR refused this camera (failedCode 1)' }],
      [4, { taken: false, detail: 'the NVR refused this camera (failedCode true)' }],
      [5, { taken: false, detail: 'the NVR refused this camera (failedCode InUse)' }],
    ]);
    expect([...parseSetCameraAnswer({ cameras: [{ UniqueChannel: 0, failedCode: 0 }] })!]).toEqual([[1, { taken: true }]]);
  });

  it('a camera answered twice is refused (the NVR contradicts itself)', () => {
    expect(parseSetCameraAnswer([{ UniqueChannel: 0, failedCode: 0 }, { UniqueChannel: 0, failedCode: 0 }])!.get(1)).toMatchObject({ taken: false });
  });

  it.each([
    ['result:true alone', { result: true }],
    ['an empty list', []],
    ['entries without failedCode', [{ UniqueChannel: 0 }]],
    ['entries without UniqueChannel', [{ failedCode: 0 }]],
    ['a string', 'ok'],
    ['null', null],
  ])('%s proves nothing', (_what, answer) => {
    expect(parseSetCameraAnswer(answer)).toBeUndefined();
  });

  it('never throws, and says "taken" only for failedCode 0 or false (fuzz)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.array(fc.record({ UniqueChannel: fc.oneof(fc.integer({ min: -1, max: 600 }), fc.anything()), failedCode: fc.anything() }, { requiredKeys: [] }))), (answer) => {
        const m = parseSetCameraAnswer(answer);
        if (!m) return;
        for (const [channel, v] of m) {
          expect(channel).toBeGreaterThanOrEqual(1);
          if (v.taken) {
            const entries = (Array.isArray(answer) ? answer : []) as { UniqueChannel?: unknown; failedCode?: unknown }[];
            expect(entries.some((e) => e && e.UniqueChannel === channel - 1 && (e.failedCode === 0 || e.failedCode === false))).toBe(true);
          }
        }
      }),
      { numRuns: 400 },
    );
  });
});
