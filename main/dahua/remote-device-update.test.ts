import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isMaskedPassword, rewriteSlots, slotMatches, TableShapeError, updateStoredPasswords } from './remote-device-update';

const slot = (n: number, over: Record<string, unknown> = {}) => ({
  Enable: true,
  Address: `192.168.1.${100 + n}`,
  Port: 80,
  UserName: 'admin',
  Password: '******',
  ProtocolType: n % 2 ? 'Onvif' : 'Private',
  DeviceType: 'IPC-HDW1230',
  VideoInputs: [{ Name: `Cam ${n}`, ServiceType: 'AUTO' }],
  Vendor: 'General',
  ...over,
});

describe('RemoteDevice read-modify-write', () => {
  it('keyed slots: only the matching slot gets the new password; masked ones are left out; every other field stays', () => {
    const table = {
      'uuid:System_CONFIG_NETCAMERA_INFO_0': slot(0),
      'uuid:System_CONFIG_NETCAMERA_INFO_1': slot(1),
      'uuid:System_CONFIG_NETCAMERA_INFO_2': slot(2, { Password: 'plain-stored' }),
      'uuid:System_CONFIG_NETCAMERA_INFO_3': slot(3, { Enable: false, Address: '192.168.0.0' }),
    };
    const r = updateStoredPasswords(table, [{ address: '192.168.1.101', username: 'admin' }], 'New-pass1');
    expect(r.changed).toEqual([{ key: 'uuid:System_CONFIG_NETCAMERA_INFO_1', channel: 2 }]);
    const t = r.table as Record<string, Record<string, unknown>>;
    expect(t['uuid:System_CONFIG_NETCAMERA_INFO_1']).toEqual({ ...slot(1), Password: 'New-pass1' });
    expect(t['uuid:System_CONFIG_NETCAMERA_INFO_0']).toEqual(Object.fromEntries(Object.entries(slot(0)).filter(([k]) => k !== 'Password')));
    expect(t['uuid:System_CONFIG_NETCAMERA_INFO_2']).toEqual(slot(2, { Password: 'plain-stored' }));
    expect(r.maskedLeftOut).toBe(2);
    // The input is not modified: a failed write must leave what was read intact for the report.
    expect(table['uuid:System_CONFIG_NETCAMERA_INFO_1'].Password).toBe('******');
  });

  it('indexed slots (older firmware): array in, array out, channel = index + 1; several channels of one camera all change', () => {
    const table = [slot(0), slot(1, { Address: '192.168.1.100', Port: 80 }), slot(2)];
    const r = updateStoredPasswords(table, [{ address: '192.168.1.100', port: 80, username: 'admin' }], 'New-pass1');
    expect(Array.isArray(r.table)).toBe(true);
    expect(r.changed.map((c) => c.channel)).toEqual([1, 2]);
    expect((r.table as Record<string, unknown>[])[2]).not.toHaveProperty('Password');
  });

  it('a slot for another account, another port, disabled or unused is never changed', () => {
    const table = {
      'uuid:System_CONFIG_NETCAMERA_INFO_0': slot(0, { Address: '10.0.0.5', UserName: 'nvr' }),
      'uuid:System_CONFIG_NETCAMERA_INFO_1': slot(1, { Address: '10.0.0.5', Port: 8080 }),
      'uuid:System_CONFIG_NETCAMERA_INFO_2': slot(2, { Address: '10.0.0.5', Enable: false }),
      'uuid:System_CONFIG_NETCAMERA_INFO_3': slot(3, { Address: '192.168.0.0' }),
    };
    const r = updateStoredPasswords(table, [{ address: '10.0.0.5', port: 80, username: 'admin' }, { address: '192.168.0.0', username: 'admin' }], 'New-pass1');
    expect(r.changed).toEqual([]);
  });

  it('non-slot keys and non-object slots pass through untouched', () => {
    const table = { Version: 3, 'uuid:System_CONFIG_NETCAMERA_INFO_0': 'garbage', 'uuid:System_CONFIG_NETCAMERA_INFO_1': slot(1) };
    const r = updateStoredPasswords(table, [{ address: '192.168.1.101', username: 'admin' }], 'N3w-pass');
    expect((r.table as Record<string, unknown>).Version).toBe(3);
    expect((r.table as Record<string, unknown>)['uuid:System_CONFIG_NETCAMERA_INFO_0']).toBe('garbage');
  });

  it('an edit that does not set a password (pausing a channel) never writes the mask back on that slot either', () => {
    const table = { 'uuid:System_CONFIG_NETCAMERA_INFO_0': slot(0) };
    const r = rewriteSlots(table, (s) => slotMatches(s, { address: '192.168.1.100', username: 'admin' }), (s) => ({ ...s, Enable: false }));
    expect(r.changed).toHaveLength(1);
    expect((r.table as Record<string, Record<string, unknown>>)['uuid:System_CONFIG_NETCAMERA_INFO_0']).toEqual(
      Object.fromEntries(Object.entries({ ...slot(0), Enable: false }).filter(([k]) => k !== 'Password')),
    );
  });

  it('a paused (disabled) slot is still the camera\'s when asked, never otherwise', () => {
    const paused = slot(0, { Enable: false });
    expect(slotMatches(paused, { address: '192.168.1.100', username: 'admin' })).toBe(false);
    expect(slotMatches(paused, { address: '192.168.1.100', username: 'admin' }, { includeDisabled: true })).toBe(true);
  });

  it.each([[null], ['table'], [42], [true]])('refuses a table of shape %j, changing nothing', (table) => {
    expect(() => updateStoredPasswords(table, [{ address: 'a', username: 'admin' }], 'x')).toThrow(TableShapeError);
  });

  it('refuses a huge table rather than rewriting what it cannot check', () => {
    expect(() => updateStoredPasswords(Array.from({ length: 2000 }, (_, i) => slot(i)), [], 'x')).toThrow(/1024/);
  });

  it.each([['', true], ['******', true], ['●●●●', true], ['secret1', false], [undefined, false], [5, false]])('%j masked: %s', (v, masked) =>
    expect(isMaskedPassword(v)).toBe(masked),
  );

  it('property: every field but Password is kept, and only matched slots carry the new password', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ a: fc.integer({ min: 0, max: 4 }), user: fc.constantFrom('admin', 'nvr'), pw: fc.constantFrom('******', '', 'kept1') }), { maxLength: 12 }),
        fc.boolean(),
        (slots, keyed) => {
          const raw = slots.map((s, i) => slot(i, { Address: `10.0.0.${s.a}`, UserName: s.user, Password: s.pw }));
          const table = keyed ? Object.fromEntries(raw.map((s, i) => [`uuid:System_CONFIG_NETCAMERA_INFO_${i}`, s])) : raw;
          const r = updateStoredPasswords(table, [{ address: '10.0.0.1', username: 'admin' }], 'N3w-pass');
          const out = (keyed ? Object.values(r.table as object) : (r.table as object[])) as Record<string, unknown>[];
          out.forEach((s, i) => {
            const { Password: _a, ...rest } = s;
            const { Password: _b, ...was } = raw[i]!;
            expect(rest).toEqual(was);
            const hit = raw[i]!.Address === '10.0.0.1' && raw[i]!.UserName === 'admin';
            if (hit) expect(s.Password).toBe('N3w-pass');
            else if (isMaskedPassword(raw[i]!.Password)) expect(s).not.toHaveProperty('Password');
            else expect(s.Password).toBe(raw[i]!.Password);
          });
          expect(r.changed.length).toBe(raw.filter((s) => s.Address === '10.0.0.1' && s.UserName === 'admin').length);
        },
      ),
    );
  });
});
