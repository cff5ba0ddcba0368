import { AppError, type CallName, type ParsedInput } from '../../common/contract';
import type { AdapterChoice } from '../../common/contract/devices';
import { lookup } from 'node:dns/promises';
import { inNetwork, isIpv4, parseHostTarget, parseRange } from '../../common/discovery/net';
import type { Handlers } from '../core/dispatch';
import type { Feature, ServiceContext } from '../core/context';
import type { Logger } from '../core/log';
import { defaultAdapters, portsFromOptions, listAdapters, loadSettings, resolveAdapters, saveSettings } from './adapters';
import { Discovery, FACTORY_DEFAULTS, type Enricher } from './discovery';
import { OnvifClient } from '../onvif/client';
import { OnvifError } from '../onvif/errors';

type DeviceHandlers = Pick<Handlers, Extract<CallName, `devices.${string}`>>;

/**
 * Background rescans: a camera unplugged without a Bye only shows offline after
 * missing scans, so the app keeps probing while it runs (a few KiB a minute).
 */
const RESCAN_MS = 60_000;

/**
 * GetDeviceInformation for rows whose credentials were proven this session
 * (camera sync verifies the new password on each camera). Never a guess: a
 * wrong password is a failed login, and failed logins lock cameras out.
 *
 * Every attempt goes through the app-wide credential gate: one credentialed
 * exchange per device at a time (sync and the NVR share it), a refusal spent
 * from the device's one budget. The credential is read *inside* the lease, so
 * an enrichment queued behind one that was refused finds the credential
 * dropped and never tries it a second time.
 */
export function verifiedEnricher(ctx: Pick<ServiceContext, 'credentials' | 'gate' | 'clock'>, timeoutMs = 4000): Enricher {
  return async (device) => {
    for (const xaddr of device.xaddrs) {
      if (!ctx.credentials.get(xaddr)) continue;
      return ctx.gate.withDevice(xaddr, async (lease) => {
        const cred = ctx.credentials.get(xaddr);
        if (!cred || !lease.canTry()) return undefined;
        const client = new OnvifClient({ xaddr, timeoutMs, onAuthFailure: () => lease.recordFailure() });
        try {
          await client.getSystemDateAndTime();
          const info = await client.getDeviceInformation(cred);
          return { manufacturer: info.manufacturer, model: info.model, firmware: info.firmwareVersion, serial: info.serialNumber };
        } catch (err) {
          if (err instanceof OnvifError && err.kind === 'locked') lease.lock(ctx.clock.now() + (err.retryAfterMs ?? LOCK_ASSUMED_MS));
          // Changed elsewhere since it was proven: drop it rather than try it again (unless sync proved a
          // newer one meanwhile). A lock is not a wrong password: the gate waits it out, the credential stays.
          if (err instanceof OnvifError && err.kind === 'auth-failed') ctx.credentials.forgetIf(xaddr, cred);
          throw err;
        } finally {
          client.close();
        }
      });
    }
    return undefined;
  };
}

/** A device that says "locked" without saying how long: vendors' typical lock (DOMAIN.md). */
const LOCK_ASSUMED_MS = 30 * 60_000;

const isLoopback = (ip: string) => isIpv4(ip) && ip.startsWith('127.');

/**
 * While the simulated site runs (the demo), nothing may leave loopback: a
 * technician trying the demo on a customer's LAN must not probe it (issue 12).
 */
function demoStaysOnLoopback(ctx: ServiceContext, target: string, what: string): void {
  if (!ctx.options.embeddedSim || isLoopback(target)) return;
  throw new AppError(
    'refused',
    `The demo's simulated site is running, and while it runs the app does not ${what} beyond this computer (127.x addresses): ${target} is on a real network. Quit the demo and start the app normally to ${what} there.`,
  );
}

/** Adapter choice: NVR_INTERFACES wins (tests), then the remembered choice, then every external adapter. */
function initialChoice(ctx: ServiceContext): string[] {
  if (ctx.options.interfaces.length > 0) return ctx.options.interfaces;
  const saved = loadSettings(ctx.dataDir)?.interfaces ?? [];
  const available = listAdapters();
  const usable = saved.filter((a) => available.some((x) => x.address === a));
  if (usable.length > 0) return usable;
  // A test that forgot NVR_INTERFACES must not probe the real LAN if it runs outside the sandbox.
  return ctx.testHooks ? [] : defaultAdapters(available);
}

export async function setupDiscovery(ctx: ServiceContext): Promise<Feature<DeviceHandlers>> {
  const devices = new Devices(ctx, initialChoice(ctx));
  const handlers: DeviceHandlers = {
    'devices.list': () => devices.discovery.list(),
    'devices.scan': async ({ timeoutMs }) => ({ devices: await devices.need().scan(timeoutMs) }),
    'devices.addManual': (input) => addManual(ctx, devices, input),
    'devices.sweep': (input) => sweep(ctx, devices, input),
    'devices.checkFactoryDefaults': () => {
      demoStaysOnLoopback(ctx, FACTORY_DEFAULTS[0], 'check factory-default addresses');
      return devices.need().checkFactoryDefaults();
    },
    'devices.interfaces': () => devices.choice(),
    'devices.setInterfaces': ({ addresses }) => devices.setInterfaces(addresses),
    'devices.diagnostics': () => devices.discovery.diagnostics(),
  };
  const offCredentials = ctx.credentials.onChange((xaddr) => void devices.discovery.reenrich(xaddr).catch(() => undefined));
  return {
    handlers,
    start: () => devices.start(),
    dispose() {
      offCredentials();
      devices.stop();
    },
  };
}

/** The feature's one discovery and the adapters it listens on: an adapter change swaps its listeners, never its rows. */
class Devices {
  readonly discovery: Discovery;
  private readonly log: Logger;
  private running = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ctx: ServiceContext,
    private selected: string[],
  ) {
    this.log = ctx.log.child('discovery');
    this.discovery = new Discovery({
      interfaces: this.netsOf(selected),
      clock: ctx.clock,
      log: this.log,
      listen: true,
      ...portsFromOptions(ctx.options.discoveryPorts),
      enrich: verifiedEnricher(ctx),
      onChange: (devices, removed) => ctx.events.emit('devices.changed', removed.length ? { devices, removed } : { devices }),
      onDiagnostic: (d) => ctx.events.emit('devices.diagnostic', d),
      onScanState: (s) => ctx.events.emit('devices.scanState', s),
    });
  }

  /** The networks of the chosen adapters (none when the choice is not usable, said in the log). */
  netsOf(addresses: string[]) {
    const r = resolveAdapters(addresses);
    if (!r.ok) this.log.warn('adapter choice not usable', { reason: r.reason });
    return r.ok ? r.nets : [];
  }

  /** The networks of the adapters chosen now, for checks; nothing logged. */
  selectedNets() {
    const r = resolveAdapters(this.selected);
    return r.ok ? r.nets : [];
  }

  choice(): AdapterChoice {
    return { available: listAdapters(), selected: this.selected };
  }

  /** The discovery, once it runs: a call before start (or after dispose) is refused. */
  need(): Discovery {
    if (!this.running) throw new AppError('unavailable', 'Discovery is not running.');
    return this.discovery;
  }

  async start(): Promise<void> {
    await this.use(this.selected);
    // The technician's first minute: discovery starts without a click.
    void this.discovery.scan().catch((err: unknown) => this.log.warn('initial scan failed', { error: String(err) }));
    this.timer = setInterval(() => void (this.running ? this.discovery.scan().catch(() => undefined) : undefined), RESCAN_MS);
    this.timer.unref();
  }

  /** The technician's new choice: remembered, listened on, and scanned at once. */
  async setInterfaces(addresses: string[]): Promise<AdapterChoice> {
    const r = resolveAdapters(addresses);
    if (!r.ok) throw new AppError('bad-request', r.reason);
    this.selected = addresses;
    saveSettings(this.ctx.dataDir, { interfaces: addresses });
    await this.use(addresses);
    void this.discovery.scan().catch(() => undefined);
    return this.choice();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.running = false;
    this.discovery.stop();
  }

  private async use(addresses: string[]): Promise<void> {
    const nets = this.netsOf(addresses);
    await this.discovery.setAdapters(nets);
    this.running = true;
    this.log.info('discovery running', { adapters: nets.map((n) => `${n.address}/${n.prefix}`) });
  }
}

/** A device by address (and port): ONVIF or HTTP must answer there. */
async function addManual(ctx: ServiceContext, devices: Devices, { target }: ParsedInput<'devices.addManual'>) {
  const t = parseHostTarget(target);
  if (!t.ok) throw new AppError('bad-request', t.reason);
  if (ctx.options.embeddedSim) {
    const ip = isIpv4(t.target.host) ? t.target.host : await lookup(t.target.host, { family: 4 }).then((r) => r.address, () => t.target.host);
    demoStaysOnLoopback(ctx, ip, 'add devices');
  }
  const row = await devices.need().addManual(t.target.host, t.target.port);
  if (!row) throw new AppError('not-found', `Nothing answered ONVIF or HTTP at ${target}.`);
  return row;
}

/** Every address of a range: outside the chosen adapters' networks, only when the technician said so. */
function sweep(ctx: ServiceContext, devices: Devices, { range, ports, confirmWide }: ParsedInput<'devices.sweep'>) {
  const parsed = parseRange(range);
  if (!parsed.ok) throw new AppError('bad-request', parsed.reason);
  const hosts = parsed.cidr.hosts();
  const first = hosts[0] ?? parsed.cidr.base;
  const last = hosts[hosts.length - 1] ?? first;
  demoStaysOnLoopback(ctx, isLoopback(first) ? last : first, 'sweep');
  const nets = devices.selectedNets();
  if (!confirmWide && !nets.some((n) => inNetwork(first, n) && inNetwork(last, n))) {
    const where = nets.length ? nets.map((n) => `${n.address}/${n.prefix}`).join(', ') : 'none chosen';
    throw new AppError('confirm-wide-range', `The range ${range} is outside the networks of the chosen adapters (${where}); a sweep probes every address in it. Confirm to sweep it anyway.`, { range });
  }
  return devices.need().sweep(range, ports);
}
