// The budget across an app restart: the app's services built twice on one data folder, against a simulated
// camera that locks after 3 refused sign-ins (loopback 127.55.11.0/24 only).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { calls, type EventName } from '../../common/contract';
import { createMemoryKeychain } from '../core/keychain';
import { createContext, type AppOptions } from '../core/context';
import { simCameras } from '../../test/support/sim-cameras';
import { setupSync } from './service';

const sims = simCameras({ block: '127.55.11', seed: 31 });

/** The app's services as a launch builds them (createContext: logger, clock, the gate and its file), on `dataDir`. */
async function launch(dataDir: string) {
  const options: AppOptions = { dataDir, testHooks: true, clockOffsetMs: 0, interfaces: [], embeddedSim: false };
  const ctx = createContext(options, { kind: 'browser', openExternal: async () => undefined, notify: () => undefined });
  const finished = new Promise<void>((resolve) => ctx.events.subscribe((name: EventName) => name === 'sync.finished' && resolve()));
  const sync = await setupSync(ctx, { keychain: createMemoryKeychain(), engine: { timeoutMs: 2000, retryBaseMs: 5 } });
  return { ctx, sync, finished, async quit() {
    await sync.dispose?.();
    ctx.log.close();
  } };
}

describe('the credential budget across an app restart', () => {
  it('a second run after a restart stops before a camera that locks after 3 failures is locked', async () => {
    const cam = await sims.camera({ lockout: { afterFailures: 3, lockMs: 30 * 60_000 } });
    const dataDir = mkdtempSync(join(tmpdir(), 'sync-restart-'));
    const input = calls['sync.start'].input.parse({ targets: [{ xaddr: cam.xaddr, username: 'admin' }], currentPasswords: ['Wrong-one-1', 'Wrong-two-2'], newPassword: 'Fresh2026pass' });

    const first = await launch(dataDir);
    await first.sync.handlers['sync.start'](input, { host: 'test' });
    await first.finished;
    const one = (await first.sync.handlers['sync.status'](undefined, { host: 'test' }))!;
    expect(one.rows[0]).toMatchObject({ outcome: 'auth-failed', failedAuths: 2 });
    await first.quit();
    expect(cam.stats().failedAuths).toBe(2);

    // The app restarts; the technician tries again with other guesses.
    const second = await launch(dataDir);
    await second.sync.handlers['sync.start']({ ...input, currentPasswords: ['Wrong-three-3', 'Wrong-four-4'] }, { host: 'test' });
    await second.finished;
    const two = (await second.sync.handlers['sync.status'](undefined, { host: 'test' }))!;
    expect(two.runId).not.toBe(one.runId);
    expect(two.rows[0]).toMatchObject({ outcome: 'skipped', failedAuths: 2 });
    expect(two.rows[0]!.detail).toMatch(/used up/);
    await second.quit();
    expect(cam.stats().failedAuths).toBe(2);
    expect(cam.stats().lockedUntil).toBe(0);
  });
});
