import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cgiCameraList, cgiCameraStates, cgiTable, cgiValue, parseCgiLines } from './cgi';
import { CameraListError, parseCameraList } from './logic-device';
import { parseRemoteDeviceTable } from './remote-device';

describe('Dahua CGI key=value answers', () => {
  it('indexed RemoteDevice lines become the same table the JSON-RPC gives', () => {
    const text = [
      'table.RemoteDevice[0].Enable=true',
      'table.RemoteDevice[0].Address=10.0.0.2',
      'table.RemoteDevice[0].Port=37777',
      'table.RemoteDevice[0].UserName=admin',
      'table.RemoteDevice[0].Password=******',
      'table.RemoteDevice[0].ProtocolType=Private',
      'table.RemoteDevice[0].VideoInputs[0].Name=Front',
      'table.RemoteDevice[1].Enable=false',
      'table.RemoteDevice[1].Address=192.168.0.0',
    ].join('\r\n');
    const t = parseRemoteDeviceTable(cgiTable(text, 'RemoteDevice'));
    expect(t.slots).toEqual([expect.objectContaining({ channel: 1, address: '10.0.0.2', port: 37777, username: 'admin', protocol: 'Private', name: 'Front', passwordState: 'masked' })]);
    expect(t.unused).toBe(1);
  });

  it('uuid-keyed lines too', () => {
    const t = parseRemoteDeviceTable(cgiTable('table.RemoteDevice.uuid:System_CONFIG_NETCAMERA_INFO_3.Enable=true\ntable.RemoteDevice.uuid:System_CONFIG_NETCAMERA_INFO_3.Address=10.0.0.9\n', 'RemoteDevice'));
    expect(t.style).toBe('uuid');
    expect(t.slots.map((s) => [s.channel, s.address])).toEqual([[4, '10.0.0.9']]);
  });

  it('camera states and single values', () => {
    expect(cgiCameraStates('states[0].channel=0\nstates[0].connectionState=Connected\nstates[1].channel=x\n')).toEqual({ states: [{ channel: 0, connectionState: 'Connected' }] });
    expect(cgiValue('sn=7M0ABC\n', 'sn')).toBe('7M0ABC');
    expect(cgiValue('Error\nBad Request!', 'sn')).toBe('');
  });

  it("LogicDeviceManager.cgi?action=getCameraAll lines become the RPC's camera list, numbers restored", () => {
    const text = ['camera[1].UniqueChannel=1', 'camera[1].DeviceInfo.Address=10.0.0.3', 'camera[0].UniqueChannel=0', 'camera[0].Enable=false', 'camera[0].DeviceInfo.Address=10.0.0.2',
      'camera[0].DeviceInfo.Port=80', 'camera[0].DeviceInfo.VideoInputs[0].Name=Gate', 'camera[x].UniqueChannel=5'].join('\n');
    const list = parseCameraList(cgiCameraList(text));
    expect(list.cameras.map((c) => [c.channel, c.address, c.port, c.enabled, c.name])).toEqual([[1, '10.0.0.2', 80, false, 'Gate'], [2, '10.0.0.3', undefined, true, '']]);
    expect(cgiCameraList('Error\nBad Request!')).toBeUndefined();
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.stringMatching(/^camera(\[\d\])?(\.(UniqueChannel|Enable|DeviceInfo(\.(Address|Port|VideoInputs\[0\]\.Name))?))?$/), fc.string({ maxLength: 12 }))), (pairs) => {
        try {
          parseCameraList(cgiCameraList(pairs.map(([k, v]) => `${k}=${v}`).join('\n')));
        } catch (e) {
          expect(e).toBeInstanceOf(CameraListError);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('never pollutes prototypes and survives junk (fuzz)', () => {
    const out = parseCgiLines('__proto__.polluted=yes\ntable.constructor.prototype.x=1\na[0].__proto__.b=1');
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    // Nor the parsed objects' own prototypes or constructors.
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(out).toEqual({});
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.stringMatching(/^[a-z_.[\]0-9:]{0,30}$/), fc.string({ maxLength: 20 }))), (pairs) => {
        const out = parseCgiLines(pairs.map(([k, v]) => `${k}=${v}`).join('\n'));
        expect(typeof out).toBe('object');
        expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
      }),
      { numRuns: 300 },
    );
  });
});
