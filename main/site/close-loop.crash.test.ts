// Real kill -9: `nvr-console sync --nvr …` in its own process (loopback 127.67.N.0/24 only), killed right after
// the simulated NVR took one of its writes, then run again to the end. The channels are judged from the
// simulated NVR and cameras themselves. (The in-process fault mixes are close-loop.sim.test.ts.)
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { isPausedName } from '../../common/nvr/pause-marker';
import { prng, SITE_CREDENTIALS } from '../../sim/identities';
import { rpcOf } from '../../sim/nvr/rpc-addon';
import { startSite, type Site } from '../../sim/site';
import { until } from '../../test/support/until';

const OLD = SITE_CREDENTIALS.camera.password;
const NEW = 'Killed-loop-2026';
const ROOT = join(import.meta.dirname, '..', '..');
const RUNS = 3;
const work = mkdtempSync(join(tmpdir(), 'loop-kill-'));
const bundle = join(work, 'nvr-console.cjs');

/** The command in its own process; the killed one and its resume share the run's data folder (the gate's file), as on one laptop. */
function cli(site: Site, targets: string, journal: string, dataDir: string) {
  const args = ['sync', '--targets', targets, '--secrets-stdin', '--json', '--journal', journal, '--nvr', rpcOf(site).url, '--nvr-username', 'admin', '--nvr-wait', '10000'];
  const child = spawn(process.execPath, [bundle, ...args], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, NVR_DATA_DIR: dataDir } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  child.stdin.end(JSON.stringify({ currentPasswords: [OLD], newPassword: NEW, nvrPassword: SITE_CREDENTIALS.nvr.password }));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return { child, done };
}

async function oneRun(run: number, seed: number): Promise<void> {
  const rnd = prng(seed);
  const ctx = `run ${run} (seed ${seed})`;
  const site = await startSite({ block: `127.67.${run + 1}`, cameras: 3, nvrPollMs: 100, nvrRpc: { firmware: 'logic-device-manager' } });
  try {
    const rpc = rpcOf(site);
    const targets = join(work, `t${run}.json`);
    const journal = join(work, `j${run}.jsonl`);
    const dataDir = join(work, `data${run}`);
    writeFileSync(targets, JSON.stringify(site.cameras.map((c) => ({ xaddr: c.xaddr, username: 'admin' }))));
    // Killed right after the NVR took its k-th write: a pause, or a store (two per camera).
    const k = 1 + Math.floor(rnd() * 6);
    const p = cli(site, targets, journal, dataDir);
    let ended = false;
    void p.done.then(() => (ended = true));
    await until(() => ended || rpc.stats().secSetCameras >= k, `${ctx}: write ${k}`, 30_000);
    p.child.kill('SIGKILL');
    await p.done;
    const last = await cli(site, targets, journal, dataDir).done;
    expect(last.code, `${ctx}: killed after write ${k}\n${last.stderr}`).toBe(0);
    const rows = JSON.parse(last.stdout) as { kind: string; outcome: string }[];
    expect(rows.filter((r) => r.kind === 'nvr-channel').map((r) => r.outcome), ctx).toEqual(['recording', 'recording', 'recording', 'recording']);
    await rpc.pollNow();
    rpc.channels.forEach((ch, i) => {
      const st = rpc.stored(i);
      expect({ i, enable: st.enable, marked: isPausedName(ch.name), refused: st.refusedLogins }, ctx).toEqual({ i, enable: true, marked: false, refused: 0 });
      if (i < site.cameras.length) expect(site.cameras[i]!.users.checkPassword(st.username, st.password), `${ctx}: channel ${i + 1}`).toBe(true);
    });
    for (const c of site.cameras) expect(c.stats().maxConsecutiveFailures, ctx).toBeLessThan(3);
  } finally {
    await site.stop();
  }
}

describe('kill -9 right after an NVR write, then the same command again', () => {
  beforeAll(async () => {
    await build({ entryPoints: [join(ROOT, 'main/cli/index.ts')], outfile: bundle, bundle: true, platform: 'node', format: 'cjs', target: 'node20', logLevel: 'error', external: ['keytar', 'electron'] });
  }, 60_000);

  it(`${RUNS} runs: every channel enabled, unmarked, recording with a password its camera accepts`, async () => {
    const base = Number(process.env['LOOP_KILL_SEED'] ?? Date.now() % 1_000_000);
    for (let run = 0; run < RUNS; run++) await oneRun(run, base + run);
  }, 180_000);
});
