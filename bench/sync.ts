// `npm run bench -- sync`: 1,000 simulated cameras on loopback, +50 ms per request.
// The engine runs in a child process (its memory measured alone, as on a technician's
// laptop); the simulated site runs here. Baseline: the onvif package's Cam, one device
// at a time, timed on a sample of devices in the same run and scaled linearly.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent as HttpAgent, createServer, request } from 'node:http';
import { createRequire } from 'node:module';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import { fileURLToPath } from 'node:url';
import { startSite, type Site } from '../sim/site';
import { SITE_CREDENTIALS } from '../sim/identities';
import { naiveSyncWithOnvifPackage } from './baseline';
import { runSync } from '../main/sync/engine';
import { onvifClientFactory } from '../main/sync/onvif-factory';
import { openJournalFileOnDisk, type OpenJournalFile } from '../main/sync/journal';

const CAMERAS = Number(process.env.SYNC_BENCH_CAMERAS ?? 1000);
const LATENCY_MS = 50;
// The app's default (16) and 32. SYNC_BENCH_CONCURRENCY=24 (or "16,32") runs others.
const CONCURRENCIES = (process.env.SYNC_BENCH_CONCURRENCY ?? '16,32').split(',').map(Number);
const CONCURRENCY = CONCURRENCIES[0]!;
/**
 * Target at the app's default (issue "four round trips a camera"): wall ≤ 1.10 × (4 requests × 50 ms ×
 * cameras ÷ 16) — a challenge, GetUsers, SetUser, one sign-in with the new password — and not one refused sign-in.
 */
const TARGET_FACTOR = 1.1;
const TARGET_REQUESTS = 4;
const BASELINE_SAMPLE = Number(process.env.SYNC_BENCH_BASELINE_SAMPLE ?? 20);
const PER_BLOCK = 200;
/** A flush this slow is the disk stalling, not its usual cost (0.2-0.3 ms alone on the bench machine). */
const SLOW_SYNC_MS = 20;
const OLD = SITE_CREDENTIALS.camera.password;
const NEW = 'BenchNew2026pass';

interface ChildResult {
  wallMs: number;
  outcomes: Record<string, number>;
  peakRssMb: number;
  peakHeapMb: number;
  cpuMs: number;
  /** Each fdatasync of the journal during the run, in ms (the engine waits on one before every SetUser). */
  syncsMs?: number[];
  /** The engine's event-loop delay during the run (p99, max), in ms: a loop that kept turning while a flush stalled says the disk held it. */
  loopDelayMs?: [number, number];
}

/** The loader the lead's runner uses (tsx) when installed, else jiti (always present via eslint). */
function tsLoader(): string {
  try {
    createRequire(import.meta.url).resolve('tsx');
    return 'tsx';
  } catch {
    return 'jiti/register';
  }
}

async function engineInChild(targetsFile: string, journal: string, mode = '1', extraEnv: Record<string, string> = {}): Promise<ChildResult> {
  const self = fileURLToPath(import.meta.url);
  const child = spawn(process.execPath, ['--import', tsLoader(), self], {
    env: { ...process.env, SYNC_BENCH_CHILD: mode, SYNC_BENCH_TARGETS: targetsFile, SYNC_BENCH_JOURNAL: journal, ...extraEnv },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  // Passwords go over stdin, as with the CLI.
  child.stdin.end(JSON.stringify({ currentPasswords: [OLD], newPassword: NEW }));
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  const code = await new Promise<number | null>((r) => child.on('close', r));
  if (code !== 0) throw new Error(`engine child exited ${code}`);
  return JSON.parse(out.trim().split('\n').pop()!) as ChildResult;
}

/** Child side: only the engine and its clients live in this process. */
async function childMain(): Promise<void> {
  const targets = JSON.parse(readFileSync(process.env.SYNC_BENCH_TARGETS!, 'utf8')) as { xaddr: string; username: string }[];
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  const secrets = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { currentPasswords: string[]; newPassword: string };
  let peakHeap = 0;
  // v8's own figure, every 100 ms: process.memoryUsage() reads /proc each time and cost the engine's process
  // ~0.13 s of CPU at 20 ms, on the critical path of every camera it shared the core with.
  const sampler = setInterval(() => (peakHeap = Math.max(peakHeap, getHeapStatistics().used_heap_size)), 100);
  const clients = onvifClientFactory(CONCURRENCY);
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const syncsMs: number[] = [];
  const loopDelay = monitorEventLoopDelay({ resolution: 5 });
  loopDelay.enable();
  const openJournalFile: OpenJournalFile = async (path) => {
    const f = await openJournalFileOnDisk(path);
    return { ...f, sync: () => timed(syncsMs, f.sync()) };
  };
  const { rows } = await runSync({ targets, ...secrets, concurrency: CONCURRENCY, clientFactory: clients.factory, journalPath: process.env.SYNC_BENCH_JOURNAL || undefined, openJournalFile });
  const wallMs = performance.now() - t0;
  loopDelay.disable();
  const cpu = process.cpuUsage(cpu0);
  clearInterval(sampler);
  clients.dispose();
  const outcomes: Record<string, number> = {};
  for (const r of rows) outcomes[r.outcome!] = (outcomes[r.outcome!] ?? 0) + 1;
  const res: ChildResult = { wallMs, outcomes, peakRssMb: process.resourceUsage().maxRSS / 1024, peakHeapMb: peakHeap / 2 ** 20, cpuMs: (cpu.user + cpu.system) / 1000, syncsMs, loopDelayMs: [loopDelay.percentile(99) / 1e6, loopDelay.max / 1e6] };
  process.stdout.write(JSON.stringify(res) + '\n');
}

async function timed(into: number[], p: Promise<void>): Promise<void> {
  const t = performance.now();
  await p;
  into.push(performance.now() - t);
}

/** How late the simulated cameras' answers left, summed over the site (DeviceStats.lateMs). */
function lateness(cameras: Site['cameras']): { ms: number; answers: number } {
  return cameras.reduce((t, c) => {
    const { lateMs, delayedAnswers } = c.stats();
    return { ms: t.ms + lateMs, answers: t.answers + delayedAnswers };
  }, { ms: 0, answers: 0 });
}

/**
 * The machine's steal time so far, in seconds over all cores (NaN off Linux): CPU time a virtual machine's
 * host gave to other guests while this one had work. On the 2-core bench VM the same code measured
 * 1.074–1.098 × floor in every run with under 0.4 s of steal and 1.10–1.22 in all but one with more
 * (docs/PERFORMANCE.md): the wall time is not the engine's alone, and this says when.
 */
function stealSeconds(): number {
  try {
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/);
    return Number(cpu[8]) / USER_HZ;
  } catch {
    return NaN;
  }
}
/** /proc/stat's unit (USER_HZ): 100 on every Linux architecture Node runs on. */
const USER_HZ = 100;

/**
 * The journal's fdatasyncs in a run, as measured from the event loop. Every camera waits on one before its
 * SetUser (crash safety), so a disk that stalls a flush for S ms stalls every camera then at that step.
 */
function syncLine(ms: number[] | undefined): string {
  if (!ms?.length) return '  journal: none (SYNC_BENCH_NO_JOURNAL)';
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(s.length * q))]!.toFixed(1);
  const slow = s.filter((x) => x > SLOW_SYNC_MS);
  return `  journal fdatasync: ${s.length} (p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${s.at(-1)!.toFixed(0)} ms); ${slow.length} over ${SLOW_SYNC_MS} ms, ${slow.reduce((a, b) => a + b, 0).toFixed(0)} ms in all`;
}

/**
 * References taken in the same run, to tell the engine's overhead from the
 * machine's and the simulator's: the engine's request pattern (a fresh
 * keep-alive connection per camera, 6 sequential POSTs, same concurrency)
 * made with bare node:http, once against a trivial server and once against the
 * simulated cameras (GetSystemDateAndTime, no auth, no parsing on our side).
 */
async function rawReferences(cameraXaddrs: string[], perCamera: number, dir: string, concurrency: number): Promise<{ trivialMs: number; simMs: number }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => setTimeout(() => res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': '2' }).end('ok'), LATENCY_MS));
  });
  await new Promise<void>((r) => server.listen(0, '127.56.250.1', r));
  try {
    const trivialUrl = `http://127.56.250.1:${(server.address() as { port: number }).port}/onvif/device_service`;
    const run = async (urls: string[], name: string) => {
      const f = join(dir, `${name}.json`);
      writeFileSync(f, JSON.stringify(urls));
      return (await engineInChild(f, '', 'raw', { SYNC_BENCH_PER_CAMERA: String(perCamera), SYNC_BENCH_CONCURRENCY: String(concurrency) })).wallMs;
    };
    return { trivialMs: await run(cameraXaddrs.map(() => trivialUrl), 'trivial'), simMs: await run(cameraXaddrs, 'sim') };
  } finally {
    server.closeAllConnections();
    server.close();
  }
}

const SDT = '<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:tds="http://www.onvif.org/ver10/device/wsdl"><s:Body><tds:GetSystemDateAndTime/></s:Body></s:Envelope>';

async function rawChild(): Promise<void> {
  const urls = JSON.parse(readFileSync(process.env.SYNC_BENCH_TARGETS!, 'utf8')) as string[];
  const per = Number(process.env.SYNC_BENCH_PER_CAMERA);
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < urls.length) {
        const url = urls[next++]!;
        const agent = new HttpAgent({ keepAlive: true, maxSockets: 1 });
        for (let k = 0; k < per; k++) {
          await new Promise<void>((resolve, reject) => {
            const req = request(url, { method: 'POST', agent, headers: { 'Content-Type': 'application/soap+xml', 'Content-Length': String(Buffer.byteLength(SDT)) } }, (res) =>
              res.resume().on('end', resolve),
            );
            req.on('error', reject);
            req.end(SDT);
          });
        }
        agent.destroy();
      }
    }),
  );
  const res: ChildResult = { wallMs: performance.now() - t0, outcomes: {}, peakRssMb: 0, peakHeapMb: 0, cpuMs: 0 };
  process.stdout.write(JSON.stringify(res) + '\n');
}

export async function benchSync(): Promise<void> {
  const sites: Site[] = [];
  // Each run's journals (1.5 MB) and target list; removed afterwards (138 were left in /tmp before).
  const dir = mkdtempSync(join(tmpdir(), 'sync-bench-'));
  try {
    const blocks = Math.ceil(CAMERAS / PER_BLOCK);
    for (let b = 0; b < blocks; b++) {
      const n = Math.min(PER_BLOCK, CAMERAS - b * PER_BLOCK);
      const faults = Object.fromEntries(Array.from({ length: n }, (_, i) => [String(i), { latencyMs: LATENCY_MS }]));
      // ONVIF device services only: the discovery responders and the NVR's reset page are not part of sync.
      sites.push(await startSite({ block: `127.56.${b}`, cameras: n, faults, seed: b + 1 }, []));
    }
    const cameras = sites.flatMap((s) => s.cameras);
    console.log(`sync bench: ${cameras.length} simulated cameras, +${LATENCY_MS} ms per request, concurrency ${CONCURRENCIES.join(' and ')}`);
    const targetsFile = join(dir, 'targets.json');
    writeFileSync(targetsFile, JSON.stringify(cameras.map((c) => ({ xaddr: c.xaddr, username: 'admin' }))));
    if (!process.env.SYNC_BENCH_NO_WARMUP) await warmUp(cameras, dir);
    const walls: [number, number][] = [];
    const missed: string[] = [];
    for (const concurrency of CONCURRENCIES) {
      const r = await engineRun(cameras, concurrency, targetsFile, dir);
      walls.push([concurrency, r.wallMs]);
      if (r.missed) missed.push(`concurrency ${concurrency}: ${r.missed}`);
    }
    // The baseline last: the onvif package's Cam left the simulated cameras' process slower for the next run
    // (16: 1.34 × floor right after a 20-camera baseline, 1.15 without one, same minute, load 4-5).
    for (const c of cameras) c.users.setPassword('admin', OLD);
    const baselineMs = await baseline(cameras);
    for (const [concurrency, wallMs] of walls) console.log(`  speed-up over the naive baseline at concurrency ${concurrency}: ${(baselineMs / wallMs).toFixed(1)}×`);
    // bench/run.ts exits 0 once the bench returns: a miss has to throw to fail it.
    if (missed.length) throw new Error(`sync bench missed: ${missed.join('; ')}`);
  } finally {
    for (const s of sites) await s.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Not measured: the engine once over the first cameras, each set back to the old password afterwards. The
 * simulated site's process is the cameras' firmware: its first requests ran unoptimised code (V8 compiles
 * hot code as it goes), which a camera never does, and that landed on the first measured run alone.
 */
async function warmUp(cameras: Site['cameras'], dir: string): Promise<void> {
  const some = cameras.slice(0, 64);
  const f = join(dir, 'warm-up.json');
  writeFileSync(f, JSON.stringify(some.map((c) => ({ xaddr: c.xaddr, username: 'admin' }))));
  await engineInChild(f, '', '1', { SYNC_BENCH_CONCURRENCY: '16' });
  for (const c of some) c.users.setPassword('admin', OLD);
}

/** The onvif package's Cam, one camera at a time, on a sample; scaled to every camera. */
async function baseline(cameras: Site['cameras']): Promise<number> {
  const sample = cameras.slice(0, BASELINE_SAMPLE);
  const tb = performance.now();
  for (const c of sample) await naiveSyncWithOnvifPackage(c.xaddr, 'admin', OLD, NEW);
  const sampleMs = performance.now() - tb;
  const ok = sample.filter((c) => c.users.checkPassword('admin', NEW)).length;
  const scaledMs = (sampleMs / sample.length) * cameras.length;
  console.log(`naive baseline (onvif Cam, one at a time): ${(sampleMs / 1000).toFixed(2)} s for ${sample.length} cameras (${ok} ok) → ${(scaledMs / 1000).toFixed(1)} s scaled to ${cameras.length}`);
  return scaledMs;
}

/** One engine run over every camera from the old password; prints its figures; returns its wall time and what it missed. */
async function engineRun(cameras: Site['cameras'], concurrency: number, targetsFile: string, dir: string): Promise<{ wallMs: number; missed?: string }> {
  for (const c of cameras) c.users.setPassword('admin', OLD);
  const before = cameras.reduce((n, c) => n + c.stats().requests, 0);
  const failedBefore = cameras.map((c) => c.stats().failedAuths);
  const late0 = lateness(cameras);
  const load = loadavg().map((l) => l.toFixed(1)).join(' ');
  const simCpu0 = process.cpuUsage();
  const steal0 = stealSeconds();
  const res = await engineInChild(targetsFile, process.env.SYNC_BENCH_NO_JOURNAL ? '' : join(dir, `journal-${concurrency}.jsonl`), '1', { SYNC_BENCH_CONCURRENCY: String(concurrency) });
  const simCpu = process.cpuUsage(simCpu0);
  const steal = stealSeconds() - steal0;
  const late1 = lateness(cameras);
  const requests = cameras.reduce((n, c) => n + c.stats().requests, 0) - before;
  const verified = cameras.filter((c) => c.users.checkPassword('admin', NEW)).length;
  const refused = cameras.map((c, i) => c.stats().failedAuths - (failedBefore[i] ?? 0));
  const maxFailed = Math.max(...refused);
  const floorMs = (requests * LATENCY_MS) / concurrency;
  const targetMs = (TARGET_FACTOR * TARGET_REQUESTS * LATENCY_MS * cameras.length) / concurrency;
  console.log(`concurrency ${concurrency} (load average before: ${load} on ${cpus().length} cores)`);
  console.log(`  outcomes: ${JSON.stringify(res.outcomes)}; cameras holding the new password: ${verified}/${cameras.length}`);
  console.log(`  requests: ${requests} (${(requests / cameras.length).toFixed(2)} per camera); refused sign-ins the engine caused: ${(refused.reduce((a, b) => a + b, 0) / cameras.length).toFixed(2)} per camera, at most ${maxFailed} on one`);
  // The target is set at the app's default concurrency (16); other settings print the ratio only.
  const met = res.wallMs <= targetMs;
  const target = concurrency === 16 ? `; target ${TARGET_FACTOR} × (${TARGET_REQUESTS} × ${LATENCY_MS} ms × ${cameras.length} ÷ 16) = ${(targetMs / 1000).toFixed(2)} s: ${met ? 'met' : 'MISSED'}` : '';
  console.log(`  wall: ${(res.wallMs / 1000).toFixed(2)} s; floor (requests × ${LATENCY_MS} ms ÷ ${concurrency}): ${(floorMs / 1000).toFixed(2)} s; ratio to floor ${(res.wallMs / floorMs).toFixed(3)}${target}`);
  if (process.env.SYNC_BENCH_REFERENCES) {
    const raw = await rawReferences(cameras.map((c) => c.xaddr), Math.round(requests / cameras.length), dir, concurrency);
    console.log(`  references, same pattern with bare node:http: trivial server ${(raw.trivialMs / 1000).toFixed(2)} s (ratio ${(raw.trivialMs / floorMs).toFixed(3)}); the simulated cameras ${(raw.simMs / 1000).toFixed(2)} s (ratio ${(raw.simMs / floorMs).toFixed(3)}); engine ÷ bare-HTTP-on-the-sim: ${(res.wallMs / raw.simMs).toFixed(3)}`);
  }
  console.log(`  CPU during the run: engine ${(res.cpuMs / 1000).toFixed(2)} s (${((res.cpuMs / res.wallMs) * 100).toFixed(0)}% of one core), simulated site ${((simCpu.user + simCpu.system) / 1e6).toFixed(2)} s; load average after: ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  console.log(`  the simulated cameras' answers left ${((late1.ms - late0.ms) / (late1.answers - late0.answers)).toFixed(2)} ms after their ${LATENCY_MS} ms on average (timers and the simulator's own work; the floor counts none of it)`);
  if (Number.isFinite(steal)) console.log(`  CPU time the host gave other guests while this machine wanted it (steal, /proc/stat): ${steal.toFixed(2)} s over ${cpus().length} cores during the run`);
  console.log(`${syncLine(res.syncsMs)}; the engine's event-loop delay meanwhile p99 ${res.loopDelayMs?.[0].toFixed(1)} ms, max ${res.loopDelayMs?.[1].toFixed(0)} ms`);
  console.log(`  engine process peak RSS: ${res.peakRssMb.toFixed(0)} MB (includes Node and the TS loader); peak JS heap ${res.peakHeapMb.toFixed(0)} MB (target ≤ 250 MB)`);
  const correct = verified === cameras.length && res.outcomes.updated === cameras.length && maxFailed === 0 && requests === TARGET_REQUESTS * cameras.length;
  const missed = !correct ? 'not every camera updated in 4 requests without a refused sign-in' : concurrency === 16 && !met ? 'wall time over its target' : undefined;
  return { wallMs: res.wallMs, ...(missed ? { missed } : {}) };
}

if (process.env.SYNC_BENCH_CHILD === '1' || process.env.SYNC_BENCH_CHILD === 'raw') {
  (process.env.SYNC_BENCH_CHILD === 'raw' ? rawChild() : childMain()).then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
} else if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  void benchSync();
}
