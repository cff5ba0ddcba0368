import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { buildDhipSearch, decodeDhipFrame, decodeInit, encodeDhip, isDhipRecorder, MAX_DHIP_BODY, parseDhipMessage } from './dhip';

const hex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, '0')).join('');

/** Built byte by byte from DOMAIN.md, not with the codec, so a shared mistake cannot hide. */
function handFramed(body: string, requestId: number): Uint8Array {
  const b = [...new TextEncoder().encode(body)];
  const u32 = (n: number) => [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, (n >>> 24) & 255];
  return Uint8Array.from([...u32(0x20), 0x44, 0x48, 0x49, 0x50, ...u32(0), ...u32(requestId), ...u32(b.length), ...u32(0), ...u32(b.length), ...u32(0), ...b]);
}

const NVR_ANSWER = {
  mac: '3c:ef:8c:01:02:03',
  method: 'client.notifyDevInfo',
  params: {
    deviceInfo: {
      DeviceClass: 'NVR',
      DeviceType: 'NVR4108HS-8P-4KS2',
      SerialNo: '7M0ABCDEFG0001',
      Vendor: 'Dahua',
      Version: '4.001.0000000.1',
      HttpPort: 80,
      Port: 37777,
      IPv4Address: { IPAddress: '192.168.1.108', SubnetMask: '255.255.255.0', DefaultGateway: '192.168.1.1', DhcpEnable: false },
      VideoInputChannels: 0,
      RemoteVideoInputChannels: 8,
      MachineName: 'NVR',
      Init: 0x82,
    },
  },
};

describe('DHIP framing', () => {
  it('frames the search exactly as devices expect (known bytes)', () => {
    const body = '{"method":"DHDiscover.search","params":{"mac":"","uni":1}}\n';
    expect(hex(buildDhipSearch(7))).toBe(hex(handFramed(body, 7)));
    expect(hex(buildDhipSearch(7)).slice(0, 64)).toBe('20000000444849500000000007000000' + '3b000000000000003b00000000000000');
  });

  it('reads a recorder answer: identity, class, channels, init state', () => {
    const r = parseDhipMessage(handFramed(JSON.stringify(NVR_ANSWER), 99));
    expect(r).toEqual({
      ok: true,
      value: {
        kind: 'device',
        requestId: 99,
        device: {
          mac: '3c:ef:8c:01:02:03',
          deviceClass: 'NVR',
          model: 'NVR4108HS-8P-4KS2',
          serial: '7M0ABCDEFG0001',
          vendor: 'Dahua',
          firmware: '4.001.0000000.1',
          name: 'NVR',
          ipAddress: '192.168.1.108',
          info: { deviceClass: 'NVR', init: 'initialised', resetSupported: true, privatePort: 37777, httpPort: 80, remoteChannels: 8, videoInputs: 0 },
        },
      },
    });
    expect(r.ok && r.value.kind === 'device' && isDhipRecorder(r.value.device)).toBe(true);
  });

  it('recognises our own search looped back (not a device)', () => {
    expect(parseDhipMessage(buildDhipSearch(3))).toEqual({ ok: true, value: { kind: 'search', requestId: 3 } });
  });

  it('decodes Init: 1 not initialised, 2 initialised, anything else unknown', () => {
    expect(decodeInit(1)).toEqual({ init: 'not-initialised' });
    expect(decodeInit(2)).toEqual({ init: 'initialised' });
    expect(decodeInit(3).init).toBe('unknown');
    expect(decodeInit('2').init).toBe('initialised');
    for (const bad of [undefined, null, -1, 1.5, 'x', {}, 2 ** 40]) expect(decodeInit(bad)).toEqual({ init: 'unknown' });
  });

  // Bits 6–7 (the NetSDK's byInitStatus, DOMAIN.md): 1 = reset NOT supported, 2 = supported, 0 and 3 unknown.
  it.each([
    [0x41, { init: 'not-initialised', resetSupported: false }],
    [0x81, { init: 'not-initialised', resetSupported: true }],
    [0xc1, { init: 'not-initialised' }],
    [0x01, { init: 'not-initialised' }],
    [0x42, { init: 'initialised', resetSupported: false }],
    [0x82, { init: 'initialised', resetSupported: true }],
    // Values seen on initialised cameras in the field.
    [3210, { init: 'initialised', resetSupported: true }],
    [3222, { init: 'initialised', resetSupported: true }],
  ])('decodes reset capability from Init %i', (init, expected) => {
    expect(decodeInit(init)).toEqual(expected);
  });

  it('classes a recorder by channels or class, a camera otherwise', () => {
    expect(isDhipRecorder({ deviceClass: 'IPC', info: { init: 'unknown', remoteChannels: 4 } })).toBe(true);
    expect(isDhipRecorder({ deviceClass: 'XVR', info: { init: 'unknown' } })).toBe(true);
    expect(isDhipRecorder({ deviceClass: 'IPC', info: { init: 'unknown', remoteChannels: 0 } })).toBe(false);
  });

  it('rejects what has no valid header, wrong lengths, truncation, oversize, non-UTF-8, non-JSON', () => {
    const good = handFramed(JSON.stringify(NVR_ANSWER), 1);
    const cases: [string, Uint8Array][] = [
      ['bare JSON', new TextEncoder().encode(JSON.stringify(NVR_ANSWER))],
      ['empty', new Uint8Array(0)],
      ['31 bytes', good.slice(0, 31)],
      ['truncated body', good.slice(0, good.length - 5)],
      ['bad magic', Uint8Array.from(good, (b, i) => (i === 5 ? 0x58 : b))],
      ['bad first word', Uint8Array.from(good, (b, i) => (i === 0 ? 0x21 : b))],
      ['lengths disagree', Uint8Array.from(good, (b, i) => (i === 24 ? b + 1 : b))],
      ['oversized', encodeDhip('x'.repeat(MAX_DHIP_BODY + 1), 1)],
      ['not UTF-8', handFramedBytes([0xff, 0xfe, 0x7b])],
      ['not JSON', handFramed('{"method":', 1)],
      ['JSON array', handFramed('[1,2]', 1)],
      ['other method', handFramed('{"method":"x","params":{"deviceInfo":{}}}', 1)],
      ['no deviceInfo', handFramed('{"method":"client.notifyDevInfo","params":{}}', 1)],
    ];
    for (const [what, bytes] of cases) expect(parseDhipMessage(bytes).ok, what).toBe(false);
    // The frame itself refuses these, before any JSON is read.
    expect(decodeDhipFrame(good.slice(0, good.length - 1))).toMatchObject({ ok: false, reason: expect.stringMatching(/truncated/) });
    expect(decodeDhipFrame(encodeDhip(JSON.stringify({ ...NVR_ANSWER, pad: 'x'.repeat(MAX_DHIP_BODY) }), 1))).toMatchObject({ ok: false, reason: expect.stringMatching(/oversized/) });
    // Padding after the body is tolerated (some firmwares pad).
    expect(decodeDhipFrame(Uint8Array.from([...good, 0, 0])).ok).toBe(true);
  });

  it('drops wrong-typed and out-of-range fields instead of trusting them', () => {
    const hostile = {
      mac: 'not-a-mac',
      method: 'client.notifyDevInfo',
      params: { deviceInfo: { SerialNo: 42, DeviceType: 'x'.repeat(500), HttpPort: 70000, Port: -1, IPv4Address: { IPAddress: '999.1.1.1' }, RemoteVideoInputChannels: 1e9, MachineName: 'a\u0000b\nc', Init: 'two' } },
    };
    const r = parseDhipMessage(handFramed(JSON.stringify(hostile), 1));
    expect(r).toEqual({ ok: true, value: { kind: 'device', requestId: 1, device: { name: 'abc', info: { init: 'unknown' } } } });
  });

  it('round-trips any body and request id (fuzz)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 2000 }), fc.nat({ max: 0xffffffff }), (body, id) => {
        const f = decodeDhipFrame(encodeDhip(body, id));
        expect(f).toEqual({ ok: true, value: { session: 0, requestId: id, body } });
      }),
    );
  });

  it('never throws and never invents a device from random or mutated datagrams (fuzz)', () => {
    const good = handFramed(JSON.stringify(NVR_ANSWER), 1);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        const r = parseDhipMessage(bytes);
        // Random bytes essentially never carry the magic, the lengths and a JSON answer.
        if (r.ok) expect(bytes.length).toBeGreaterThanOrEqual(32);
      }),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat({ max: good.length - 1 }), fc.nat({ max: 255 })), { maxLength: 8 }), fc.nat({ max: good.length }), (flips, cut) => {
        const m = good.slice(0, cut);
        for (const [i, b] of flips) if (i < m.length) m[i] = b;
        const r = parseDhipMessage(m);
        if (r.ok && r.value.kind === 'device') {
          const d = r.value.device;
          if (d.mac !== undefined) expect(d.mac).toMatch(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
          if (d.info.httpPort !== undefined) expect(d.info.httpPort).toBeLessThanOrEqual(65535);
        }
      }),
    );
    fc.assert(fc.property(fc.anything(), (v) => void parseDhipMessage(encodeDhip(JSON.stringify(v) ?? 'null', 1))));
    fc.assert(
      fc.property(fc.jsonValue(), (deviceInfo) => {
        const r = parseDhipMessage(encodeDhip(JSON.stringify({ method: 'client.notifyDevInfo', mac: 'x', params: { deviceInfo } }), 1));
        if (r.ok && r.value.kind === 'device') expect(['initialised', 'not-initialised', 'unknown']).toContain(r.value.device.info.init);
      }),
    );
  });
});

function handFramedBytes(body: number[]): Uint8Array {
  const f = handFramed('', 1);
  const v = new DataView(f.buffer);
  v.setUint32(16, body.length, true);
  v.setUint32(24, body.length, true);
  return Uint8Array.from([...f, ...body]);
}
