import { describe, expect, it } from 'vitest';
import { UpdateGate, updateSettings } from './update-policy';

describe('auto-update settings', () => {
  it('is off by default, and off when not packaged', () => {
    expect(updateSettings({}, true).enabled).toBe(false);
    expect(updateSettings({ NVR_AUTO_UPDATE: '0' }, true).enabled).toBe(false);
    expect(updateSettings({ NVR_AUTO_UPDATE: 'yes' }, true).enabled).toBe(false);
    expect(updateSettings({ NVR_AUTO_UPDATE: '1' }, false)).toEqual({ enabled: false, reason: expect.stringMatching(/not a packaged app/) });
  });

  it('is on only for a packaged app started with NVR_AUTO_UPDATE=1', () => {
    expect(updateSettings({ NVR_AUTO_UPDATE: '1' }, true).enabled).toBe(true);
  });
});

describe('UpdateGate: asked before installing, never mid-sync', () => {
  it('asks once the update is downloaded, installs only after a yes', () => {
    const g = new UpdateGate();
    expect(g.syncChanged(false)).toBe('none'); // nothing downloaded yet
    expect(g.downloaded('1.2.0', false)).toBe('ask');
    expect(g.syncChanged(false)).toBe('none'); // already asking: one question at a time
    expect(g.answered(true, false)).toBe('install');
    expect(g.pendingVersion).toBe('1.2.0');
  });

  it('does not ask while a sync runs; asks when it ends', () => {
    const g = new UpdateGate();
    expect(g.downloaded('1.2.0', true)).toBe('none');
    expect(g.syncChanged(true)).toBe('none');
    expect(g.syncChanged(false)).toBe('ask');
  });

  it('a yes given as a sync starts waits for the sync, then asks again', () => {
    const g = new UpdateGate();
    expect(g.downloaded('1.2.0', false)).toBe('ask');
    expect(g.answered(true, true)).toBe('none');
    expect(g.syncChanged(true)).toBe('none');
    expect(g.syncChanged(false)).toBe('ask');
    expect(g.answered(true, false)).toBe('install');
  });

  it('"Later" is final for this run: no more questions, no install', () => {
    const g = new UpdateGate();
    expect(g.downloaded('1.2.0', false)).toBe('ask');
    expect(g.answered(false, false)).toBe('none');
    expect(g.syncChanged(false)).toBe('none');
    expect(g.downloaded('1.2.1', false)).toBe('none');
  });

  it('never returns install without a yes (any sequence of events)', () => {
    const g = new UpdateGate();
    const actions = [g.downloaded('2.0.0', false), g.syncChanged(true), g.syncChanged(false), g.downloaded('2.0.1', true), g.syncChanged(false)];
    expect(actions).not.toContain('install');
  });
});
