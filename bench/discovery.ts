import { performance } from 'node:perf_hooks';
import { WebSocketServer, type WebSocket } from 'ws';
import { OffsetClock } from '../common/clock';
import type { InventoryDevice } from '../common/domain/device';
import { EventBus } from '../main/core/events';
import { Discovery } from '../main/discovery/discovery';
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FleetOptions } from '../sim/discovery';

/** A bench must fail with a reason, never hang: every wait on another process is bounded. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`bench: ${what} did not happen within ${ms} ms`)), ms);
  });
  return Promise.race([p, limit]).finally(() => clearTimeout(timer));
}

/** The simulated devices live in a child process, as real devices live on other hosts. */
async function startFleetProcess(opts: FleetOptions): Promise<{ stop(): Promise<void> }> {
  const entry = fileURLToPath(new URL('../sim/discovery/fleet-process.ts', import.meta.url));
  const child: ChildProcess = fork(entry, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const next = (type: string) =>
    new Promise<void>((resolve, reject) => {
      const onMsg = (m: { type: string; message?: string; probes?: number; lastAnswerMs?: number }) => {
        if (m.type === type) {
          if (m.lastAnswerMs !== undefined) console.log(`  fleet sent its last ProbeMatch ${m.lastAnswerMs.toFixed(0)} ms after the probe reached it`);
          // One scan sends three rounds (0 s, 1 s, 2 s), each a fresh WS-Discovery probe.
          if (m.probes !== undefined && m.probes !== 3) console.log(`  fleet saw ${m.probes} WS-Discovery probes (expected 3)`);
          child.off('message', onMsg);
          resolve();
        } else if (m.type === 'error') reject(new Error(m.message));
      };
      child.on('message', onMsg);
      child.once('exit', (code) => (code ? reject(new Error(`fleet exited ${code}`)) : undefined));
    });
  const ready = next('ready');
  child.send({ type: 'start', opts });
  await within(ready, 60_000, 'the fleet starting').catch((e: unknown) => {
    child.kill();
    throw e;
  });
  return {
    async stop() {
      const stopped = next('stopped');
      child.send({ type: 'stop' });
      await within(stopped, 30_000, 'the fleet stopping').finally(() => child.kill());
    },
  };
}

const WSD_DEVICES = 1000;
const SSDP_DEVICES = 200;
/** Every device also answers DHIP (Dahua family), half to the prober's port and half to the group. */
const DHIP_DEVICES = 1000;
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const WINDOW_MS = 3000;

interface RunResult {
  found: number;
  ssdpFound: number;
  dhipFound: number;
  lastMs: number;
  latencies: number[];
}

/**
 * Main→renderer latency proxy: the engine's change batch goes through the app's
 * EventBus, is JSON-serialised and sent over a loopback WebSocket (what the
 * browser host does) to a separate process standing in for the renderer, which
 * stamps arrival. Both sides use performance.timeOrigin + now() (a shared
 * high-resolution wall clock), so the datagram's receipt time in main and its
 * arrival in the "renderer" compare directly.
 */
const RENDERER_STANDIN = `
const { WebSocket } = require('ws');
const ws = new WebSocket(process.argv[1]);
const lat = [];
ws.on('message', (data) => {
  const now = performance.timeOrigin + performance.now();
  const msg = JSON.parse(String(data));
  if (typeof msg.receivedAtAbs === 'number') lat.push(now - msg.receivedAtAbs);
});
ws.on('close', () => { process.stdout.write(JSON.stringify(lat)); process.exit(0); });
`;

async function wsPipe(): Promise<{ send(payload: unknown, receivedAt: number): void; close(): Promise<number[]> }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  const port = (wss.address() as { port: number }).port;
  const serverSide = new Promise<WebSocket>((r) => wss.once('connection', (ws) => r(ws)));
  const child = spawn(process.execPath, ['-e', RENDERER_STANDIN, `ws://127.0.0.1:${port}`], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const server = await within(serverSide, 20_000, 'the renderer stand-in connecting').catch((e: unknown) => {
    child.kill();
    throw e;
  });
  return {
    send: (payload, receivedAt) =>
      server.send(JSON.stringify({ event: 'devices.changed', payload, receivedAtAbs: performance.timeOrigin + receivedAt })),
    close: async () => {
      server.close();
      await within(exited, 10_000, 'the renderer stand-in exiting').catch(() => child.kill());
      await new Promise<void>((r) => wss.close(() => r()));
      return JSON.parse(out || '[]') as number[];
    },
  };
}

async function oneRun(run: number): Promise<RunResult> {
  const ports = { wsdPort: 40000 + run * 3, ssdpPort: 40001 + run * 3, dhipPort: 40002 + run * 3 };
  const fleet = await startFleetProcess({ count: WSD_DEVICES, ssdpCount: SSDP_DEVICES, dhipCount: DHIP_DEVICES, block: 200 + run, ssdpHttpPort: 49152, ...ports });
  const bus = new EventBus();
  const pipe = await wsPipe();
  const firstSeen = new Map<string, number>();
  const ssdpSeen = new Set<string>();
  const dhipSeen = new Set<string>();
  let probeAt = 0;
  bus.subscribe((_name, payload) => {
    const p = payload as { devices: InventoryDevice[]; receivedAt?: number };
    if (p.receivedAt !== undefined) pipe.send({ devices: p.devices }, p.receivedAt);
  });
  const engine = new Discovery({
    interfaces: [{ address: '127.0.0.1', prefix: 8 }],
    clock: new OffsetClock(),
    listen: false,
    probeClock: false,
    ...ports,
    onChange: (devices, _removed, meta) => {
      const now = performance.now();
      for (const d of devices) {
        if (d.endpointUuid && !firstSeen.has(d.id)) firstSeen.set(d.id, now - probeAt);
        if (d.protocols.includes('ssdp') && !ssdpSeen.has(d.id)) {
          ssdpSeen.add(d.id);
          firstSeen.set(`ssdp:${d.id}`, now - probeAt);
        }
        if (d.dhip && !dhipSeen.has(d.id)) {
          dhipSeen.add(d.id);
          firstSeen.set(`dhip:${d.id}`, now - probeAt);
        }
      }
      bus.emit('devices.changed', { devices, ...(meta.firstReceivedAt !== undefined ? { receivedAt: meta.firstReceivedAt } : {}) } as never);
    },
  });
  await within(engine.start(), 10_000, 'the engine opening its sockets');
  probeAt = performance.now();
  const cpu0 = process.cpuUsage();
  await engine.scan(WINDOW_MS);
  const cpu = process.cpuUsage(cpu0);
  console.log(`  main CPU during the window: ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms`);
  engine.stop();
  const reasons = new Map<string, number>();
  for (const d of engine.diagnostics()) reasons.set(`${d.protocol}/${d.reason}`, (reasons.get(`${d.protocol}/${d.reason}`) ?? 0) + 1);
  if (reasons.size) console.log(`  diagnostics: ${[...reasons].map(([k, n]) => `${k}×${n}`).join(', ')}`);
  const latencies = await pipe.close();
  await fleet.stop();
  const wsdFound = engine.list().filter((d) => d.endpointUuid).length;
  return {
    found: wsdFound,
    ssdpFound: engine.list().filter((d) => d.protocols.includes('ssdp')).length,
    dhipFound: engine.list().filter((d) => d.protocols.includes('dhip') && d.dhip && d.serial).length,
    lastMs: Math.max(0, ...firstSeen.values()), latencies };
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
}

export async function benchDiscovery(): Promise<void> {
  const results: RunResult[] = [];
  for (let run = 0; run < RUNS; run++) {
    const r = await oneRun(run);
    results.push(r);
    console.log(
      `run ${run + 1}: WS-Discovery ${r.found}/${WSD_DEVICES}, SSDP ${r.ssdpFound}/${SSDP_DEVICES}, DHIP ${r.dhipFound}/${DHIP_DEVICES}, last device at ${r.lastMs.toFixed(0)} ms after the probe; ` +
        `main→renderer latency p50 ${pct(r.latencies, 50).toFixed(1)} ms, p99 ${pct(r.latencies, 99).toFixed(1)} ms, max ${Math.max(...r.latencies).toFixed(1)} ms (${r.latencies.length} batches)`,
    );
  }
  const allFound = results.every((r) => r.found === WSD_DEVICES && r.ssdpFound === SSDP_DEVICES && r.dhipFound === DHIP_DEVICES);
  const worstLast = Math.max(...results.map((r) => r.lastMs));
  const worstLatency = Math.max(...results.flatMap((r) => r.latencies));
  console.log(`discovery: ${allFound ? 'all found' : 'MISSING DEVICES'} in ${RUNS} runs; worst time to last device ${worstLast.toFixed(0)} ms (target ≤ 3000); worst main→renderer ${worstLatency.toFixed(1)} ms (target ≤ 100)`);
  // Thrown, not exitCode: the runner exits 0 after a bench resolves.
  if (!allFound || worstLast > 3000 || worstLatency > 100) throw new Error('discovery benchmark missed its targets');
}
