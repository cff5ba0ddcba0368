import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_SLOTS, parseCameraStates, parseChannelTitles, parseRemoteDeviceTable, passwordStateOf, DahuaParseError } from './remote-device';

const slot = (o: Record<string, unknown> = {}) => ({
  Enable: true, Address: '192.168.1.108', Port: 37777, UserName: 'admin', Password: 'Install2019', ProtocolType: 'Private',
  DeviceType: 'IPC-HDW2431T-AS-S2', Name: 'Cam', VideoInputs: [{ Name: 'Front door' }], ...o,
});

describe('RemoteDevice table', () => {
  it('reads uuid-keyed slots (newer firmware) in channel order, 1-based, leaving unused slots out and disabled channels in', () => {
    const t = parseRemoteDeviceTable({
      'uuid:System_CONFIG_NETCAMERA_INFO_10': slot({ Address: '10.0.0.11' }),
      'uuid:System_CONFIG_NETCAMERA_INFO_0': slot({ ProtocolType: 'Onvif', Port: 80 }),
      'uuid:System_CONFIG_NETCAMERA_INFO_1': slot({ Enable: false }),
      'uuid:System_CONFIG_NETCAMERA_INFO_2': slot({ Address: '192.168.0.0' }),
      'uuid:System_CONFIG_NETCAMERA_INFO_3': slot({ Address: '0.0.0.0', Enable: false }),
    });
    expect(t.style).toBe('uuid');
    expect(t.unused).toBe(2);
    expect(t.slots.map((s) => [s.key, s.channel, s.address, s.protocol, s.enabled])).toEqual([
      ['uuid:System_CONFIG_NETCAMERA_INFO_0', 1, '192.168.1.108', 'Onvif', true],
      ['uuid:System_CONFIG_NETCAMERA_INFO_1', 2, '192.168.1.108', 'Private', false],
      ['uuid:System_CONFIG_NETCAMERA_INFO_10', 11, '10.0.0.11', 'Private', true],
    ]);
    expect(t.slots[0]).toMatchObject({ port: 80, username: 'admin', deviceType: 'IPC-HDW2431T-AS-S2', name: 'Front door', passwordState: 'present' });
  });

  it('reads indexed slots (older firmware), as an array or numeric keys', () => {
    const arr = parseRemoteDeviceTable([slot(), slot({ Enable: false, Address: '' }), slot({ Address: '10.1.1.3', Port: '8000', Enable: 'false' })]);
    expect(arr.style).toBe('indexed');
    expect(arr.slots.map((s) => [s.key, s.channel, s.port, s.enabled])).toEqual([['0', 1, 37777, true], ['2', 3, 8000, false]]);
    const keyed = parseRemoteDeviceTable({ '1': slot(), '0': slot({ Address: '' }) });
    expect(keyed.slots.map((s) => s.channel)).toEqual([2]);
  });

  it('says a masked password is masked, never returns a password', () => {
    for (const m of ['******', '********', 'xxxxxxxx', '•••••']) expect(passwordStateOf(m)).toBe('masked');
    expect(passwordStateOf('')).toBe('absent');
    expect(passwordStateOf(undefined)).toBe('absent');
    expect(passwordStateOf('Install2019')).toBe('present');
    const t = parseRemoteDeviceTable([slot({ Password: '******' }), slot({ Password: 'Secret-77x' })]);
    expect(t.slots.map((s) => s.passwordState)).toEqual(['masked', 'present']);
    expect(JSON.stringify(t)).not.toContain('Secret-77x');
  });

  it('survives wrong types, unknown keys and huge tables', () => {
    const t = parseRemoteDeviceTable({ foo: slot(), 'uuid:System_CONFIG_NETCAMERA_INFO_3': 'nope', 'uuid:System_CONFIG_NETCAMERA_INFO_4': slot({ Port: 'x', UserName: 7, ProtocolType: null, VideoInputs: 'x' }) });
    expect(t.ignored).toBe(2);
    expect(t.slots[0]).toMatchObject({ channel: 5, username: '7', protocol: '', name: 'Cam' });
    expect(t.slots[0]!.port).toBeUndefined();
    const huge = parseRemoteDeviceTable(Array.from({ length: MAX_SLOTS + 100 }, () => slot()));
    expect(huge.slots).toHaveLength(MAX_SLOTS);
    expect(huge.truncated).toBe(true);
    for (const bad of [null, undefined, 'table', 42, true]) expect(() => parseRemoteDeviceTable(bad)).toThrow(DahuaParseError);
  });

  it('never throws anything but DahuaParseError, and every slot it returns names a camera (fuzz)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.array(fc.dictionary(fc.constantFrom('Enable', 'Address', 'Port', 'UserName', 'Password', 'ProtocolType', 'VideoInputs'), fc.anything()))), (input) => {
        try {
          const t = parseRemoteDeviceTable(input);
          for (const s of t.slots) {
            expect(typeof s.enabled).toBe('boolean');
            expect(['', '0.0.0.0', '192.168.0.0']).not.toContain(s.address);
            expect(s.channel).toBeGreaterThanOrEqual(1);
          }
        } catch (e) {
          expect(e).toBeInstanceOf(DahuaParseError);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('channel titles and camera state', () => {
  it('titles by index, channel = index + 1', () => {
    expect([...parseChannelTitles([{ Name: 'Front' }, {}, { Name: ' Back ' }])]).toEqual([[1, 'Front'], [3, 'Back']]);
    expect(parseChannelTitles('x').size).toBe(0);
  });

  it('states: 0-based channel, Connected or not, junk ignored', () => {
    const m = parseCameraStates({ states: [{ channel: 0, connectionState: 'Connected' }, { channel: 1, connectionState: 'Disconnected' }, { channel: 2 }, { channel: -1, connectionState: 'Connected' }, { channel: '3' }, null] });
    expect([...m]).toEqual([[1, 'connected'], [2, 'disconnected'], [3, 'unknown']]);
    expect(parseCameraStates(null).size).toBe(0);
    expect(parseCameraStates({ states: 'x' }).size).toBe(0);
  });
});
