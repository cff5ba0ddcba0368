// The ordering property against the real simulators (loopback 127.64.N.0/24 only): over random site
// mixes, no simulated camera ever refuses a sign-in from the simulated NVR once the run starts, while the
// NVR reconnects in the background every 100 ms. The fake-based scheduler test is close-loop.test.ts.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SITE_CREDENTIALS } from '../../sim/identities';
import { rpcOf } from '../../sim/nvr/rpc-addon';
import { startSite } from '../../sim/site';
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
