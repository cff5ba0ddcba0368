import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// scripts/sandbox.sh reserves the discovery ports in its network namespace, so no socket bound to port 0
// (a prober, an implicit bind before send, a client's connection) can take 1900, 3702 or 37810 from a simulated
// device in another test file (seen once: EADDRINUSE on 127.65.10.14:37810), nor one of the fixed ports the tests
// give their simulated sites (sim/discovery/sim.test.ts hung once in CI with its ports inside the ephemeral range).
// Where the sandbox could not set it (a user namespace, or not sandboxed at all) there is nothing to check, and
// the test says so.
const sandboxed = process.env['NVR_SANDBOXED'] === '1';
const read = (path: string) => {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
};
const reserved = read('/proc/sys/net/ipv4/ip_local_reserved_ports');
const ROOT = join(import.meta.dirname, '..');

/** "1900,41900-41999" → a membership test. */
function inList(list: string): (port: number) => boolean {
  const ranges = list.split(',').filter(Boolean).map((r) => r.split('-').map(Number) as [number, number?]);
  return (port) => ranges.some(([lo, hi]) => port >= lo && port <= (hi ?? lo));
}

/** Fixed ports written in the tests and the simulator: `wsdPort: 43703`, `PORT = 43716`, `Port ?? 49152`, `httpServer('…', 49152`. */
function fixedPorts(): Map<number, string> {
  const found = new Map<number, string>();
  const patterns = [/\b\w*(?:Port|PORT)\b\s*(?:[:=]|\?\?)\s*(\d{4,5})\b/g, /httpServer\('[\d.]+', (\d{4,5})\b/g];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, e.name);
      if (e.isDirectory()) walk(path);
      else if (/\.(test|spec)\.ts$/.test(e.name) || dir.includes(`${ROOT}/sim`) || dir.includes('test/support')) {
        for (const re of patterns) for (const m of readFileSync(path, 'utf8').matchAll(re)) found.set(Number(m[1]), path.slice(ROOT.length + 1));
      }
    }
  };
  for (const d of ['main', 'sim', 'common', 'e2e', 'test']) walk(join(ROOT, d));
  return found;
}

describe('the test sandbox', () => {
  it.skipIf(!sandboxed || process.getuid?.() !== 0)('never hands out a discovery port or a test\'s fixed port as an ephemeral port (skipped: not sandboxed as root)', () => {
    const isReserved = inList(reserved ?? '');
    for (const p of [1900, 3702, 37810]) expect(isReserved(p), `${p} reserved`).toBe(true);
    const [lo, hi] = (read('/proc/sys/net/ipv4/ip_local_port_range') ?? '32768 60999').split(/\s+/).map(Number) as [number, number];
    const ports = fixedPorts();
    // The scan itself can fail: it must find the ports this note names.
    expect([...ports.keys()]).toEqual(expect.arrayContaining([43703, 41903, 49153, 43716, 49152]));
    const exposed = [...ports].filter(([p]) => p >= lo && p <= hi && !isReserved(p)).map(([p, file]) => `${p} (${file})`);
    expect(exposed, 'fixed ports inside the ephemeral range that scripts/sandbox.sh does not reserve').toEqual([]);
  });
});
