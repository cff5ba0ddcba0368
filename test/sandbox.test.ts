import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

// scripts/sandbox.sh reserves the discovery ports in its network namespace, so no socket bound to port 0
// (a prober, an implicit bind before send) can take 1900, 3702 or 37810 from a simulated device in another
// test file (seen once: EADDRINUSE on 127.65.10.14:37810). Where the sandbox could not set it (a user
// namespace, or not sandboxed at all) there is nothing to check, and the test says so.
const sandboxed = process.env['NVR_SANDBOXED'] === '1';
const reserved = (() => {
  try {
    return readFileSync('/proc/sys/net/ipv4/ip_local_reserved_ports', 'utf8').trim();
  } catch {
    return undefined;
  }
})();

describe('the test sandbox', () => {
  it.skipIf(!sandboxed || process.getuid?.() !== 0)('never hands out a discovery port as an ephemeral port (skipped: not sandboxed as root)', () => {
    expect(reserved?.split(',')).toEqual(expect.arrayContaining(['1900', '3702', '37810']));
  });
});
