// The ordering property against the real simulators (loopback 127.64.N.0/24 only): over random site
// mixes, no simulated camera ever refuses a sign-in from the simulated NVR once the run starts, while the
// NVR reconnects in the background every 100 ms. The fake-based scheduler test is close-loop.test.ts.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SITE_CREDENTIALS } from '../../sim/identities';
import { rpcOf } from '../../sim/nvr/rpc-addon';
import { startSite } from '../../sim/site';
import { runCliCaptured } from '../../test/support/cli';
import { runCli } from '../cli/program';

const NEW = 'Order-new-pass-3';
const dir = mkdtempSync(join(tmpdir(), 'close-loop-sim-'));

const Camera = fc.record({
  protocol: fc.constantFrom('Onvif', 'Private'),
  /** Applies the new password this late (the window the pause exists for). */
  lateMs: fc.constantFrom(0, 0, 1200),
  refuses: fc.constantFrom(false, false, false, false, true),
  listed: fc.constantFrom(true, true, true, true, true, false),
});
// Every mix holds at least one listed camera that applies late: the case the ordering exists for.
const SiteMix = fc.record({
  cameras: fc.array(Camera, { minLength: 1, maxLength: 3 }).map((cs) => [{ protocol: 'Onvif', lateMs: 1200, refuses: false, listed: true }, ...cs]),
  behindProtocol: fc.constantFrom('Onvif', 'Private'),
  /** How the NVR takes stored passwords: setConfig, or only sealed through secSetCamera (sim/nvr/rpc.ts). */
  firmware: fc.constantFrom('plain' as const, 'encrypted-only' as const),
});

let block = 0;

describe('close the loop against the simulated site', () => {
  it('no camera ever refuses a sign-in from the NVR after the app changed its password', async () => {
    await fc.assert(
      fc.asyncProperty(SiteMix, async (mix) => {
        const site = await startSite({
          block: `127.64.${++block}`,
          cameras: mix.cameras.length,
          faults: Object.fromEntries(mix.cameras.map((c, i) => [String(i), { setUserDelayMs: c.lateMs, fixedAdmin: c.refuses }])),
          nvrPollMs: 100,
          nvrRpc: { remoteDeviceWrite: mix.firmware },
        });
        try {
          const rpc = rpcOf(site);
          // The mix: each channel's protocol, every channel signing in as admin with the camera's current password.
          rpc.channels.forEach((ch, i) => {
            const cam = mix.cameras[i];
            ch.protocol = cam ? cam.protocol : mix.behindProtocol;
            ch.username = SITE_CREDENTIALS.camera.username;
            ch.password = SITE_CREDENTIALS.camera.password;
          });
          await rpc.pollNow();
          for (const ch of rpc.channels) ch.refusedLogins = 0;
          const listed = site.cameras.filter((_, i) => mix.cameras[i]!.listed);
          const targets = join(dir, `t${block}.json`);
          writeFileSync(targets, JSON.stringify((listed.length ? listed : site.cameras).map((c) => ({ xaddr: c.xaddr, username: 'admin' }))));
          const secrets = JSON.stringify({ currentPasswords: [SITE_CREDENTIALS.camera.password], newPassword: NEW, nvrPassword: SITE_CREDENTIALS.nvr.password });
          let stdout = '';
          let stderr = '';
          await runCli(
            ['sync', '--targets', targets, '--secrets-stdin', '--json', '--journal', join(dir, `j${block}.jsonl`), '--nvr', rpc.url, '--nvr-username', 'admin', '--nvr-wait', '6000'],
            { stdout: (s) => void (stdout += s), stderr: (s) => void (stderr += s), setExitCode: () => {}, stdin: async () => secrets },
          );
          const rows = JSON.parse(stdout) as { kind: string; channel?: number; outcome: string; xaddr?: string }[];
          // The property: the NVR never signed in with a password its camera no longer held.
          expect(rpc.channels.map((c) => c.refusedLogins ?? 0), stderr).toEqual(rpc.channels.map(() => 0));
          // And the run tells the truth about it: a changed camera's channel records, a refusing camera's keeps the old password.
          rpc.channels.forEach((ch, i) => {
            const cam = site.cameras[i];
            const row = rows.find((r) => r.kind === 'nvr-channel' && r.channel === i + 1)!;
            if (!cam || !listed.includes(cam)) return;
            const camRow = rows.find((r) => r.kind === 'camera' && r.xaddr === cam.xaddr)!;
            if (mix.cameras[i]!.refuses) {
              expect(camRow.outcome).toBe('rejected');
              expect(ch.password).toBe(SITE_CREDENTIALS.camera.password);
              expect(row.outcome).toBe('skipped');
            } else {
              expect(camRow.outcome).toBe('updated');
              expect(ch.password).toBe(NEW);
              expect(row.outcome).toBe('recording');
            }
            expect(ch.enable).toBe(true);
          });
        } finally {
          await site.stop();
        }
      }),
      { numRuns: 4, seed: Number(process.env['FC_SEED'] ?? Date.now() % 2 ** 31) },
    );
  }, 60_000);
});

// Newer firmware (loopback 127.66.1.0/24 and .2): stored passwords only through LogicDeviceManager.secSetCamera.
describe("close the loop with firmware that takes passwords only sealed ('encrypted-only')", () => {
  it('every reachable channel records with the new password, no camera refuses the NVR, and a resumed run writes nothing twice', async () => {
    const NEW2 = 'Sealed-loop-pass-7';
    const site = await startSite({ block: '127.66.1', cameras: 3, nvrPollMs: 100, nvrRpc: { remoteDeviceWrite: 'encrypted-only' } });
    try {
      const rpc = rpcOf(site);
      for (const ch of rpc.channels) Object.assign(ch, { username: SITE_CREDENTIALS.camera.username, password: SITE_CREDENTIALS.camera.password });
      await rpc.pollNow();
      for (const ch of rpc.channels) ch.refusedLogins = 0;
      const targets = join(dir, 'sealed-targets.json');
      writeFileSync(targets, JSON.stringify(site.cameras.map((c) => ({ xaddr: c.xaddr, username: 'admin' }))));
      const journal = join(dir, 'sealed.jsonl');
      const loopJournal = join(dir, 'sealed.nvr-loop.jsonl');
      const secrets = JSON.stringify({ currentPasswords: [SITE_CREDENTIALS.camera.password], newPassword: NEW2, nvrPassword: SITE_CREDENTIALS.nvr.password });
      const argv = ['sync', '--targets', targets, '--secrets-stdin', '--json', '--journal', journal, '--nvr', rpc.url, '--nvr-username', 'admin', '--nvr-wait', '8000'];

      let r = await runCliCaptured(argv, secrets);
      expect(r.code, r.stderr + r.stdout).toBe(0);
      let rows = JSON.parse(r.stdout) as { kind: string; channel?: number; outcome: string }[];
      expect(rows.filter((x) => x.kind === 'camera').map((x) => x.outcome)).toEqual(['updated', 'updated', 'updated']);
      // Channel 4 is the camera behind the NVR's PoE port: the laptop leaves it alone, and it keeps recording.
      expect(rows.filter((x) => x.kind === 'nvr-channel').map((x) => x.outcome)).toEqual(['recording', 'recording', 'recording', 'recording']);
      // The stored passwords really changed, sealed: each camera's pause went plain, its store was refused plain and went sealed.
      expect(rpc.channels.map((c) => c.password)).toEqual([NEW2, NEW2, NEW2, SITE_CREDENTIALS.camera.password]);
      expect(rpc.channels.every((c) => c.enable)).toBe(true);
      const stats = rpc.stats();
      expect(stats).toMatchObject({ setConfigs: 3, plainPasswordRefusals: 3, secSetCameras: 3, secSetCameraRefusals: 0, maskWrites: 0 });
      // The NVR reconnected with what secSetCamera stored, and never signed in with a password its camera no longer held.
      await rpc.pollNow();
      expect(rpc.channels.map((c) => c.state)).toEqual(['Connected', 'Connected', 'Connected', 'Connected']);
      expect(rpc.channels.map((c) => c.refusedLogins ?? 0)).toEqual([0, 0, 0, 0]);

      // The loop journal holds each store once; no secret in it, the sync journal or the output.
      const text = readFileSync(loopJournal, 'utf8');
      expect(text.match(/"t":"nvr-write","step":"store"/g)).toHaveLength(3);
      const disk = readdirSync(dir).filter((f) => f.startsWith('sealed.')).map((f) => readFileSync(join(dir, f), 'utf8')).join('\n');
      expect(disk).toContain(text);
      for (const secret of [NEW2, SITE_CREDENTIALS.camera.password, SITE_CREDENTIALS.nvr.password]) expect(disk + r.stdout + r.stderr).not.toContain(secret);

      // A crash just before the end, with one store's answer lost: the resumed run reads the table, finds the
      // store in place, and sends nothing (plain or sealed) again.
      const lines = text.trimEnd().split('\n').filter((l) => !l.includes('"loop-end"'));
      const lost = lines.findIndex((l) => l.includes('"t":"nvr-written","step":"store"'));
      writeFileSync(loopJournal, lines.filter((_, i) => i !== lost).join('\n') + '\n');
      r = await runCliCaptured(argv, secrets);
      expect(r.code, r.stderr + r.stdout).toBe(0);
      rows = JSON.parse(r.stdout) as { kind: string; channel?: number; outcome: string }[];
      expect(rows.filter((x) => x.kind === 'nvr-channel').map((x) => x.outcome)).toEqual(['recording', 'recording', 'recording', 'recording']);
      expect(rpc.stats()).toMatchObject({ setConfigs: stats.setConfigs, plainPasswordRefusals: stats.plainPasswordRefusals, secSetCameras: stats.secSetCameras });
      expect(readFileSync(loopJournal, 'utf8')).toMatch(/found in place after a restart/);
      expect(rpc.channels.map((c) => c.refusedLogins ?? 0)).toEqual([0, 0, 0, 0]);
    } finally {
      await site.stop();
    }
  }, 60_000);

  it('firmware whose secSetCamera refuses too: the channel says nvr-refused with its next step and stays paused, so the NVR never signs in with the old password', async () => {
    const site = await startSite({ block: '127.66.2', cameras: 1, behindNvr: 0, nvrPollMs: 100, nvrRpc: { remoteDeviceWrite: 'encrypted-only', missingMethods: ['LogicDeviceManager.secSetCamera'] } });
    try {
      const rpc = rpcOf(site);
      const targets = join(dir, 'sealed-refused.json');
      writeFileSync(targets, JSON.stringify([{ xaddr: site.cameras[0]!.xaddr, username: 'admin' }]));
      const secrets = JSON.stringify({ currentPasswords: [SITE_CREDENTIALS.camera.password], newPassword: 'Sealed-refused-8', nvrPassword: SITE_CREDENTIALS.nvr.password });
      const r = await runCliCaptured(['sync', '--targets', targets, '--secrets-stdin', '--json', '--journal', join(dir, 'sealed-refused.jsonl'), '--nvr', rpc.url, '--nvr-username', 'admin', '--nvr-wait', '3000'], secrets);
      expect(r.code, r.stderr).toBe(1);
      const rows = JSON.parse(r.stdout) as { kind: string; outcome: string; detail: string; nextStep: string }[];
      expect(rows.find((x) => x.kind === 'camera')).toMatchObject({ outcome: 'updated' });
      expect(rows.find((x) => x.kind === 'nvr-channel')).toMatchObject({ outcome: 'nvr-refused', detail: expect.stringMatching(/secSetCamera/), nextStep: expect.stringMatching(/Remote Device page/) });
      expect(rpc.channels[0]).toMatchObject({ enable: false, password: SITE_CREDENTIALS.camera.password });
      expect(rpc.channels[0]!.refusedLogins ?? 0).toBe(0);
    } finally {
      await site.stop();
    }
  }, 30_000);
});
