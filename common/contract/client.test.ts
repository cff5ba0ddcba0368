import { describe, expect, it } from 'vitest';
import { createApi } from './client';
import { callNames, calls, events, isCallName, isEventName } from './index';

describe('the contract', () => {
  it('names every verb namespace.verb and documents it', () => {
    for (const [name, spec] of Object.entries(calls)) {
      expect(name).toMatch(/^[a-z]+\.[a-zA-Z]+$/);
      expect(spec.doc.length).toBeGreaterThan(5);
    }
    for (const [name, spec] of Object.entries(events)) {
      expect(name).toMatch(/^[a-z]+\.[a-zA-Z]+$/);
      expect(spec.doc.length).toBeGreaterThan(5);
    }
  });

  it('does not treat prototype keys as verbs or events', () => {
    for (const k of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      expect(isCallName(k)).toBe(false);
      expect(isEventName(k)).toBe(false);
    }
  });
});

describe('createApi (what the preload and the browser transport expose)', () => {
  it('exposes exactly the contract verbs, plus on()', () => {
    const api = createApi(async () => ({ ok: true, value: null }), () => () => undefined) as unknown as Record<string, unknown>;
    const exposed: string[] = [];
    for (const [ns, verbs] of Object.entries(api)) {
      if (ns === 'on') continue;
      for (const verb of Object.keys(verbs as object)) exposed.push(`${ns}.${verb}`);
    }
    expect(exposed.sort()).toEqual([...callNames].sort());
    expect(typeof api.on).toBe('function');
  });

  it('passes name and input through and unwraps envelopes', async () => {
    const seen: unknown[] = [];
    const api = createApi(
      async (name, input) => {
        seen.push([name, input]);
        return name === 'app.info' ? { ok: false, error: { code: 'refused', message: 'nope' } } : { ok: true, value: { opened: true } };
      },
      () => () => undefined,
    );
    await expect(api.app.openExternal({ url: 'mailto:x' })).resolves.toEqual({ opened: true });
    await expect(api.app.info()).rejects.toThrow('nope');
    expect(seen).toEqual([
      ['app.openExternal', { url: 'mailto:x' }],
      ['app.info', undefined],
    ]);
  });
});
