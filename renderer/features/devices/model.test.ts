import { describe, expect, it } from 'vitest';
import type { InventoryDevice } from '../../../common/domain/device';
import { applyChange, formatSkew, view } from './model';

const dev = (id: string, over: Partial<InventoryDevice> = {}): InventoryDevice => ({
  id,
  kind: 'camera',
  addresses: ['10.0.0.1'],
  xaddrs: [],
  protocols: ['ws-discovery'],
  online: true,
  firstSeen: 0,
  lastSeen: 0,
  flags: [],
  ...over,
});

describe('device table model', () => {
  it('updates rows in place and drops folded ones', () => {
    let rows = applyChange(new Map(), [dev('a'), dev('b')]);
    rows = applyChange(rows, [dev('a', { online: false })], ['b']);
    expect([...rows.values()]).toEqual([dev('a', { online: false })]);
  });
  it('filters on every word and sorts addresses numerically', () => {
    const rows = [dev('1', { addresses: ['10.0.0.10'], model: 'IPC-X' }), dev('2', { addresses: ['10.0.0.9'], model: 'IPC-X' }), dev('3', { kind: 'nvr', model: 'NVR4108', addresses: ['10.0.0.2'] })];
    expect(view(rows, '', { key: 'address', dir: 'asc' }).map((d) => d.id)).toEqual(['3', '2', '1']);
    expect(view(rows, 'ipc 10.0.0.1', { key: 'address', dir: 'desc' }).map((d) => d.id)).toEqual(['1']);
    expect(view(rows, '', { key: 'kind', dir: 'asc' })[0]!.id).toBe('3');
    expect(view(rows, 'offline', { key: 'kind', dir: 'asc' })).toEqual([]);
  });
  it('formats clock skew for a technician', () => {
    expect(formatSkew(undefined)).toBe('');
    expect(formatSkew(400)).toBe('in sync');
    expect(formatSkew(3_600_000)).toBe('+1.0 h');
    expect(formatSkew(-90_000)).toBe('−2 min');
  });
});
