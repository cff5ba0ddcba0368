import os from 'node:os';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { Adapter } from '../../common/contract/devices';
import { isIpv4, maskToPrefix } from '../../common/discovery/net';
import type { AppOptions } from '../core/context';
import type { AdapterNet } from './types';

/** The laptop's IPv4 adapters (loopback included, marked internal: tests and the demo run there). */
export function listAdapters(): Adapter[] {
  const out: Adapter[] = [];
  for (const [name, infos] of Object.entries(os.networkInterfaces())) {
    for (const i of infos ?? []) {
      if (i.family !== 'IPv4') continue;
      out.push({ name, address: i.address, prefix: i.cidr ? Number(i.cidr.split('/')[1]) : maskToPrefix(i.netmask), internal: i.internal });
    }
  }
  return out;
}

/** Maps chosen addresses to adapter networks; an address no adapter carries is a usage error. */
export function resolveAdapters(addresses: string[], available = listAdapters()): { ok: true; nets: AdapterNet[] } | { ok: false; reason: string } {
  const nets: AdapterNet[] = [];
  for (const a of addresses) {
    if (!isIpv4(a)) return { ok: false, reason: `not an IPv4 address: ${a.slice(0, 40)}` };
    const found = available.find((x) => x.address === a);
    if (!found) return { ok: false, reason: `no adapter on this machine has the address ${a}` };
    nets.push({ address: a, prefix: found.prefix });
  }
  return { ok: true, nets };
}

/** Without a choice: every external IPv4 adapter (the technician's laptop may have Wi-Fi and Ethernet). */
export function defaultAdapters(available = listAdapters()): string[] {
  return available.filter((a) => !a.internal).map((a) => a.address);
}

const Settings = z.object({ interfaces: z.array(z.string().refine(isIpv4)).max(16) });
export type DiscoverySettings = z.infer<typeof Settings>;

const FILE = 'discovery-settings.json';

export function loadSettings(dataDir: string): DiscoverySettings | undefined {
  try {
    const parsed = Settings.safeParse(JSON.parse(readFileSync(join(dataDir, FILE), 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export function saveSettings(dataDir: string, s: DiscoverySettings): void {
  mkdirSync(dataDir, { recursive: true });
  const tmp = join(dataDir, `${FILE}.tmp`);
  // Write-then-rename: a crash mid-write must not leave a half file the next launch rejects.
  writeFileSync(tmp, JSON.stringify(Settings.parse(s), null, 2));
  renameSync(tmp, join(dataDir, FILE));
}

/**
 * Engine ports from the options (`NVR_DISCOVERY_PORTS`, validated once in
 * main/core/options.ts): tests move discovery off 3702/1900/37810 so the app
 * hears only its own simulated site. Unset in real use.
 */
export function portsFromOptions(p: AppOptions['discoveryPorts']): { wsdPort?: number; ssdpPort?: number; dhipPort?: number } {
  if (!p) return {};
  return { wsdPort: p.wsd, ssdpPort: p.ssdp, ...(p.dhip !== undefined ? { dhipPort: p.dhip } : {}) };
}
