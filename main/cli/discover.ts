import type { Command } from 'commander';
import { OffsetClock } from '../../common/clock';
import type { Diagnostic } from '../../common/contract/devices';
import type { InventoryDevice } from '../../common/domain/device';
import { isIpv4, parseRange } from '../../common/discovery/net';
import { defaultAdapters, portsFromOptions, resolveAdapters } from '../discovery/adapters';
import { readOptions } from '../core/options';
import type { AppOptions } from '../core/context';
import { DEFAULT_ONVIF_PORTS, Discovery } from '../discovery/discovery';
import type { CliIo } from './io';

interface DiscoverOpts {
  interface?: string[];
  timeout: string;
  range?: string;
  ports?: string;
  json?: boolean;
}

const USAGE = 2;

/**
 * `nvr-console discover`: the app's discovery engine, once, from a terminal.
 * Standard output carries only the result (JSON with --json); everything the
 * technician might want to know about dropped answers goes to standard error.
 */
export function registerDiscover(program: Command, io: CliIo): void {
  program
    .command('discover')
    .description('Find NVRs and cameras: WS-Discovery, SSDP and DHIP on the chosen adapter, optionally a unicast sweep of a range.')
    .option('--interface <ipv4>', 'adapter address to discover on (repeatable; default NVR_INTERFACES or every external IPv4 adapter)', (v: string, acc: string[] = []) => [...acc, ...v.split(',')], undefined)
    .option('--timeout <ms>', 'how long to listen for answers, 500–60000 ms', '3000')
    .option('--range <cidr>', 'also sweep this IPv4 range (CIDR, a-b, or one address; at most a /16)')
    .option('--ports <list>', `ONVIF ports for the sweep, comma-separated (default ${DEFAULT_ONVIF_PORTS.join(',')})`)
    .option('--json', 'print the inventory as a JSON array')
    .action(async (opts: DiscoverOpts) => {
      const usage = (msg: string) => {
        io.stderr(`nvr-console discover: ${msg}\n`);
        io.setExitCode(USAGE);
      };
      const timeout = Number(opts.timeout);
      if (!/^\d+$/.test(opts.timeout) || timeout < 500 || timeout > 60_000) return usage(`--timeout must be 500–60000 ms, got ${opts.timeout}`);
      // The environment is read once, through the app's option schema (NVR_INTERFACES, NVR_DISCOVERY_PORTS).
      let env: AppOptions;
      try {
        env = readOptions(process.env, '');
      } catch (err) {
        return usage((err as Error).message);
      }
      const wanted = opts.interface ?? (env.interfaces.length ? env.interfaces : defaultAdapters());
      const badIp = wanted.find((a) => !isIpv4(a));
      if (badIp !== undefined) return usage(`not an IPv4 address: ${badIp}`);
      if (opts.range !== undefined) {
        const r = parseRange(opts.range);
        if (!r.ok) return usage(`bad --range: ${r.reason}`);
      }
      let ports: number[] | undefined;
      if (opts.ports !== undefined) {
        ports = opts.ports.split(',').map((p) => Number(p.trim()));
        if (ports.length === 0 || ports.some((p) => !Number.isInteger(p) || p < 1 || p > 65535)) return usage(`bad --ports: ${opts.ports}`);
      }
      if (wanted.length === 0) return usage('no IPv4 adapter found; pass --interface <ipv4>');
      const nets = resolveAdapters(wanted);
      if (!nets.ok) return usage(nets.reason);

      const engine = new Discovery({
        interfaces: nets.nets,
        clock: new OffsetClock(),
        listen: false,
        ...portsFromOptions(env.discoveryPorts),
        ...(ports ? { onvifPorts: ports } : {}),
        onDiagnostic: (d: Diagnostic) => io.stderr(`${d.action} ${d.protocol} ${d.source}: ${d.reason}: ${d.detail}\n`),
      });
      try {
        await engine.start();
        const work: Promise<unknown>[] = [engine.scan(timeout)];
        if (opts.range) work.push(engine.sweep(opts.range, ports));
        await Promise.all(work);
        await engine.settle();
      } finally {
        engine.stop();
      }
      const devices = engine.list().sort(byKindThenAddress);
      io.stderr(`discover: ${devices.length} device(s) on ${nets.nets.map((n) => `${n.address}/${n.prefix}`).join(', ')}\n`);
      io.stdout(opts.json ? `${JSON.stringify(devices, null, 2)}\n` : table(devices));
      io.setExitCode(0);
    });
}

const KIND_ORDER = { nvr: 0, camera: 1, other: 2 } as const;

function byKindThenAddress(a: InventoryDevice, b: InventoryDevice): number {
  return KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || (a.addresses[0] ?? '').localeCompare(b.addresses[0] ?? '', undefined, { numeric: true });
}

function table(devices: InventoryDevice[]): string {
  // DHIP's Init: a device waiting for its first admin password is what a technician must not miss.
  const state = (d: InventoryDevice) => (d.dhip?.init === 'not-initialised' ? 'NOT INITIALISED' : d.dhip?.init === 'initialised' ? 'initialised' : '');
  const rows = devices.map((d) => [d.kind, d.addresses.join(' '), d.manufacturer ?? '', d.model ?? '', d.serial ?? '', d.mac ?? '', d.protocols.join('+'), d.clockSkewMs === undefined ? '' : `${Math.round(d.clockSkewMs / 1000)}s`, state(d)]);
  const head = ['KIND', 'ADDRESS', 'MANUFACTURER', 'MODEL', 'SERIAL', 'MAC', 'SEEN BY', 'SKEW', 'STATE'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  return [head, ...rows].map((r) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n') + '\n';
}
