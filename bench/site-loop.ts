// `npm run bench -- site-loop`: close the loop on a simulated site of 64 channels (loopback 127.68.1.0/24),
// newer firmware (sealed writes), every camera chosen, through `nvr-console sync --nvr` run in-process. While it
// runs, the simulated NVR's own channel state is sampled every few milliseconds: how long each channel was
// paused (disabled on the NVR) and how long it was not recording (not connected), the longest and the total.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { runCli } from '../main/cli/program';
import { SITE_CREDENTIALS } from '../sim/identities';
import { rpcOf } from '../sim/nvr/rpc-addon';
import { startSite } from '../sim/site';

const CHANNELS = Number(process.env['SITE_BENCH_CHANNELS'] ?? 64);
/** How often the simulated NVR signs in to its cameras (its reconnect delay after a change). */
const NVR_POLL_MS = Number(process.env['SITE_BENCH_POLL_MS'] ?? 1000);
const SAMPLE_MS = 5;
const NEW = 'SiteBench2026pass';

interface Gap {
  /** Longest single stretch, and the sum of all stretches, in ms. */
  longest: number;
  total: number;
}

/** Stretches of time each channel spent in a state, sampled. */
class Stretches {
  private readonly since = new Map<number, number>();
  readonly gaps = new Map<number, Gap>();
  sample(channel: number, inState: boolean, now: number): void {
    const start = this.since.get(channel);
    if (inState && start === undefined) this.since.set(channel, now);
    if (!inState && start !== undefined) this.close(channel, now);
  }
  end(now: number): void {
    for (const c of [...this.since.keys()]) this.close(c, now);
  }
  private close(channel: number, now: number): void {
    const g = this.gaps.get(channel) ?? { longest: 0, total: 0 };
    const d = now - this.since.get(channel)!;
    this.gaps.set(channel, { longest: Math.max(g.longest, d), total: g.total + d });
    this.since.delete(channel);
  }
  summary(): { channels: number; longest: number; total: number } {
    const all = [...this.gaps.values()];
    return { channels: all.length, longest: Math.max(0, ...all.map((g) => g.longest)), total: all.reduce((a, g) => a + g.total, 0) };
  }
}

export async function benchSiteLoop(): Promise<void> {
  const site = await startSite({ block: '127.68.1', cameras: CHANNELS, behindNvr: 0, nvrPollMs: NVR_POLL_MS, nvrRpc: { firmware: 'logic-device-manager' } });
  const dir = mkdtempSync(join(tmpdir(), 'site-bench-'));
  try {
    const rpc = rpcOf(site);
    await rpc.pollNow();
    const targets = join(dir, 'targets.json');
    writeFileSync(targets, JSON.stringify(site.cameras.map((c) => ({ xaddr: c.xaddr, username: 'admin' }))));
    const paused = new Stretches();
    const dark = new Stretches();
    const t0 = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      rpc.channels.forEach((ch, i) => {
        paused.sample(i + 1, !ch.enable, now);
        dark.sample(i + 1, ch.state !== 'Connected', now);
      });
    }, SAMPLE_MS);
    let stdout = '';
    const loadBefore = loadavg()[0]!;
    const code = await runCli(
      ['sync', '--targets', targets, '--secrets-stdin', '--json', '--journal', join(dir, 'journal.jsonl'), '--nvr', rpc.url, '--nvr-username', 'admin', '--nvr-wait', '60000'],
      { stdout: (s) => void (stdout += s), stderr: () => {}, setExitCode: () => {}, stdin: async () => JSON.stringify({ currentPasswords: [SITE_CREDENTIALS.camera.password], newPassword: NEW, nvrPassword: SITE_CREDENTIALS.nvr.password }) },
      // The CLI keeps its log and the credential gate in a data folder: the bench's own, never the user's.
      { ...process.env, NVR_DATA_DIR: join(dir, 'data') },
    );
    const wall = performance.now() - t0;
    clearInterval(timer);
    paused.end(performance.now());
    dark.end(performance.now());
    report({ code, stdout, wall, paused: paused.summary(), dark: dark.summary(), refused: rpc.channels.map((_, i) => rpc.stored(i).refusedLogins).reduce((a, b) => a + b, 0), loadBefore });
  } finally {
    await site.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function report(r: { code: number; stdout: string; wall: number; paused: ReturnType<Stretches['summary']>; dark: ReturnType<Stretches['summary']>; refused: number; loadBefore: number }): void {
  const rows = JSON.parse(r.stdout) as { kind: string; outcome: string }[];
  const outcomes: Record<string, number> = {};
  for (const row of rows.filter((x) => x.kind === 'nvr-channel')) outcomes[row.outcome] = (outcomes[row.outcome] ?? 0) + 1;
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  console.log(`site-loop: ${CHANNELS} channels, newer firmware (sealed), NVR reconnect round every ${NVR_POLL_MS} ms, ${cpus().length} cores`);
  console.log(`  wall ${s(r.wall)} (exit ${r.code}); channel outcomes ${JSON.stringify(outcomes)}`);
  console.log(`  paused (disabled on the NVR): ${r.paused.channels} channels, longest ${s(r.paused.longest)}, total ${s(r.paused.total)}`);
  console.log(`  not recording (not connected): ${r.dark.channels} channels, longest ${s(r.dark.longest)}, total ${s(r.dark.total)}`);
  console.log(`  sign-ins of the NVR refused by a camera: ${r.refused}`);
  console.log(`  load average (1 min): ${r.loadBefore.toFixed(2)} before, ${loadavg()[0]!.toFixed(2)} after`);
}
