import { describe, expect, it } from 'vitest';
import { runSmoke, SMOKE_SCRIPT, smokeIfAsked, wantsSmoke } from './smoke';
import type { BrowserWindow } from 'electron';

// Electron's binary is missing here: the smoke logic runs against fakes of the
// window's page. The Release workflow runs the real thing on each OS.
const goodInfo = { name: 'NVR Support Console', version: '1.2.3', host: 'electron', dataDir: '/tmp/x', clockOffsetMs: 0, now: 1, testHooks: false };

function deps(answer: () => Promise<unknown>, timeoutMs?: number) {
  const lines: string[] = [];
  const scripts: string[] = [];
  return {
    lines,
    scripts,
    d: {
      evaluate: (s: string) => {
        scripts.push(s);
        return answer();
      },
      expectedVersion: '1.2.3',
      write: (l: string) => lines.push(l),
      ...(timeoutMs ? { timeoutMs } : {}),
    },
  };
}

describe('--smoke', () => {
  it('is asked for only by the flag', () => {
    expect(wantsSmoke(['/opt/app/nvr', '--smoke'])).toBe(true);
    expect(wantsSmoke(['/opt/app/nvr'])).toBe(false);
    expect(wantsSmoke(['/opt/app/nvr', '--smoke-test'])).toBe(false);
  });

  it('passes when the page gets a valid app.info from this Electron build, through window.nvr', async () => {
    const { d, lines, scripts } = deps(async () => goodInfo);
    const r = await runSmoke(d);
    expect(r.ok).toBe(true);
    expect(scripts).toEqual([SMOKE_SCRIPT]);
    expect(SMOKE_SCRIPT).toBe('window.nvr.app.info()');
    expect(JSON.parse(lines[0]!)).toMatchObject({ event: 'smoke', ok: true });
  });

  it('fails on an answer outside the contract or from the wrong host', async () => {
    for (const [answer, why] of [
      [{ ...goodInfo, now: 'soon' }, /outside the contract: now/],
      [undefined, /outside the contract/],
      [{ ...goodInfo, host: 'browser' }, /host "browser"/],
    ] as const) {
      const { d, lines } = deps(async () => answer);
      const r = await runSmoke(d);
      expect(r.ok).toBe(false);
      expect(r.message).toMatch(why);
      expect(JSON.parse(lines[0]!)).toMatchObject({ event: 'smoke', ok: false });
    }
  });

  it('reports, without failing, an app.info version that differs from the build', async () => {
    const { d } = deps(async () => ({ ...goodInfo, version: '0.1.0' }));
    const r = await runSmoke(d);
    expect(r.ok).toBe(true);
    expect(r.message).toMatch(/note: app.info reports version 0.1.0, this build is 1.2.3/);
  });

  it('fails when the page throws (no preload, IPC refused)', async () => {
    const { d } = deps(async () => {
      throw new Error("Cannot read properties of undefined (reading 'app')");
    });
    const r = await runSmoke(d);
    expect(r).toEqual({ ok: false, message: "smoke start failed: Cannot read properties of undefined (reading 'app')" });
  });

  it('fails when nothing answers in time', async () => {
    const { d } = deps(() => new Promise(() => undefined), 50);
    const r = await runSmoke(d);
    expect(r.ok).toBe(false);
    expect(r.message).toMatch(/did not answer within 50 ms/);
  });

  it('the hook exits with the verdict only when asked', async () => {
    const codes: number[] = [];
    const win = (answer: unknown) => ({ webContents: { executeJavaScript: async () => answer } }) as unknown as BrowserWindow;
    const write = process.stdout.write;
    process.stdout.write = (() => true) as typeof process.stdout.write;
    try {
      expect(smokeIfAsked(['app'], win(goodInfo), '1.2.3', (c) => codes.push(c))).toBeUndefined();
      await smokeIfAsked(['app', '--smoke'], win(goodInfo), '1.2.3', (c) => codes.push(c));
      await smokeIfAsked(['app', '--smoke'], win({ ...goodInfo, host: 'browser' }), '1.2.3', (c) => codes.push(c));
    } finally {
      process.stdout.write = write;
    }
    expect(codes.sort()).toEqual([0, 1]);
  });
});
