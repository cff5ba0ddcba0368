import { describe, expect, it } from 'vitest';
import type { InventoryDevice } from '../../../common/domain/device';
import type { NvrChannel } from '../../../common/contract/nvr';
import { channelStatus, defaultNvrHost, enabledSince, inventoryLabel, inventoryRowOf, nvrHostOf, nvrUrlFromInput, nvrUrlOf, onlineSummary, shownName } from './model';

const dev = (o: Partial<InventoryDevice>): InventoryDevice => ({ id: 'x', kind: 'camera', addresses: [], xaddrs: [], protocols: [], online: true, firstSeen: 0, lastSeen: 0, flags: [], ...o });
const ch = (o: Partial<NvrChannel>): NvrChannel => ({ channel: 1, name: '', address: '10.0.0.1', protocol: 'private', username: 'admin', model: '', online: true, state: 'connected', passwordMasked: false, ...o });

describe('NVR channels view model', () => {
  it('finds the inventory row by address, a camera before the NVR', () => {
    const nvrRow = dev({ id: 'n', kind: 'nvr', addresses: ['10.0.0.1'] });
    const cam = dev({ id: 'c', addresses: ['10.0.0.1'], model: 'IPC', serial: 'S1', name: 'Cam 1' });
    expect(inventoryRowOf(ch({}), [nvrRow, cam])?.id).toBe('c');
    expect(inventoryRowOf(ch({ address: '10.0.0.9' }), [cam])).toBeUndefined();
    expect(inventoryRowOf(ch({ address: '' }), [dev({ addresses: [''] })])).toBeUndefined();
    expect(inventoryLabel(cam)).toBe('Cam 1 · IPC · S1');
    expect(inventoryLabel(undefined)).toMatch(/Not seen from this laptop/);
    expect(inventoryLabel(dev({ name: 'IPC (Camera 01)', model: 'IPC', serial: 'S2' }))).toBe('IPC (Camera 01) · S2');
  });

  it('builds the NVR address and the summary line', () => {
    expect(nvrUrlOf('192.168.1.108')).toBe('http://192.168.1.108');
    expect(nvrUrlOf('http://x:81')).toBe('http://x:81');
    expect(nvrUrlOf(undefined)).toBe('');
    expect(nvrHostOf({ addresses: ['10.0.0.5'], dhip: { init: 'initialised', httpPort: 8080 } })).toBe('10.0.0.5:8080');
    expect(nvrHostOf({ addresses: ['10.0.0.5'], dhip: { init: 'initialised', httpPort: 80 } })).toBe('10.0.0.5');
    expect(nvrHostOf({ addresses: [] })).toBeUndefined();
    expect(onlineSummary([ch({}), ch({ online: false })])).toBe('1 of 2 channels online');
  });

  it.each([
    ['127.0.1.10', 'http://127.0.1.10'],
    ['  192.168.1.108:8080 ', 'http://192.168.1.108:8080'],
    ['nvr.local', 'http://nvr.local'],
    ['http://192.168.1.108', 'http://192.168.1.108'],
    ['https://192.168.1.108:8443/doc/page/login.asp?x=1', 'https://192.168.1.108:8443'],
    ['http://admin:secret@192.168.1.108/', 'http://192.168.1.108'],
  ])('takes the NVR address %j as Add by IP does → %s', (typed, url) => {
    expect(nvrUrlFromInput(typed)).toEqual({ ok: true, url });
  });

  it.each(['', '   ', 'ftp://192.168.1.108', '192.168.1.300', 'javascript:alert(1)', '10.0.0.1:99999', 'a b', 'http://[::1'])('refuses %j with a sentence, never throws', (typed) => {
    const r = nvrUrlFromInput(typed);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/\.$/);
  });

  it('starts the NVR tab from the entry point, else the inventory’s NVR (the online one first)', () => {
    const off = dev({ id: 'a', kind: 'nvr', addresses: ['10.0.0.4'], online: false });
    const on = dev({ id: 'b', kind: 'nvr', addresses: ['10.0.0.5'], dhip: { init: 'initialised', httpPort: 8080 } });
    expect(defaultNvrHost('10.0.0.9', [off, on])).toBe('10.0.0.9');
    expect(defaultNvrHost(undefined, [dev({}), off, on])).toBe('10.0.0.5:8080');
    expect(defaultNvrHost(undefined, [off])).toBe('10.0.0.4');
    expect(defaultNvrHost(undefined, [dev({})])).toBeUndefined();
  });

  it('shows a disabled channel as disabled on the NVR, never as offline or an empty slot, and says what restores a paused one', () => {
    expect(channelStatus(ch({}))).toEqual({ tone: 'good', word: 'Online' });
    expect(channelStatus(ch({ online: false, state: 'disconnected' }))).toEqual({ tone: 'bad', word: 'Offline' });
    expect(channelStatus(ch({ online: false, state: 'unknown' }))).toEqual({ tone: 'wait', word: 'Unknown' });
    const off = channelStatus(ch({ online: false, enabled: false, state: 'connected' }));
    expect(off).toMatchObject({ tone: 'bad', word: 'Disabled on the NVR', note: expect.stringMatching(/^Not by this app/) });
    const paused = channelStatus(ch({ online: false, enabled: false, pausedByApp: true }));
    expect(paused.note).toBe('Paused by an earlier run of this app — the next run, or the reset case’s last step, restores it.');
    expect(channelStatus(ch({ online: false, enabled: false, pausedByApp: true }), true).note).toMatch(/enabled it again since this read\. Refresh/);
    expect(onlineSummary([ch({}), ch({ online: false, enabled: false }), ch({ online: false })])).toBe('1 of 3 channels online, 1 disabled on the NVR');
  });

  it('knows which paused channels the last finished pass read back enabled', () => {
    const channels = [ch({ channel: 1, enabled: false, pausedByApp: true }), ch({ channel: 2, enabled: false, pausedByApp: true }), ch({ channel: 3, enabled: false })];
    const results = [{ channel: 1, detail: '', enabled: true }, { channel: 2, detail: '', enabled: false }, { channel: 3, detail: '', enabled: true }];
    expect([...enabledSince(channels, { running: false, results })]).toEqual([1]);
    expect([...enabledSince(channels, { running: true, results })]).toEqual([]);
    expect([...enabledSince(channels, null)]).toEqual([]);
  });

  it.each([
    ['PAUSED~Front door', 'Front door'],
    ['PAUSED~PAUSED~Garage', 'Garage'],
    ['Front door', 'Front door'],
    ['Cam PAUSED~', 'Cam PAUSED~'],
    ['PAUSED~', undefined],
    [undefined, undefined],
  ])('shows the stored name %j without the pause marker: %j', (stored, shown) => {
    expect(shownName(stored)).toBe(shown);
  });
});
