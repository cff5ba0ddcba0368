import dgram from 'node:dgram';
import { Command, CommanderError } from 'commander';
import { afterEach, describe, expect, it } from 'vitest';
import { startSite } from '../../sim/site';
import { startDiscoverySim } from '../../sim/discovery';
import { makeIdentity } from '../../sim/identities';
import { registerDiscover } from './discover';
import type { CliIo } from './io';

// Socket test: run inside `unshare -n`. Block 127.33.0.0/24, the real WS-Discovery port 3702.
async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let code = 0;
  let out = '';
  let err = '';
  const io: CliIo = { stdout: (s) => (out += s), stderr: (s) => (err += s), setExitCode: (n) => (code = n), stdin: async () => '' };
  const program = new Command('nvr-console').exitOverride().configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  registerDiscover(program, io);
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    code = 2;
  }
  return { code, out, err };
}

const sockets: dgram.Socket[] = [];
afterEach(() => {
  for (const s of sockets.splice(0)) s.close();
});

describe('nvr-console discover', () => {
  it('exits 2 on usage errors without touching the network', async () => {
    for (const argv of [
      ['discover', '--interface', '300.1.1.1'],
      ['discover', '--timeout', 'soon'],
      ['discover', '--timeout', '10'],
      ['discover', '--range', '10.0.0.0/8'],
      ['discover', '--range', 'nvr'],
      ['discover', '--interface', '127.0.0.1', '--ports', '0'],
      ['discover', '--bogus'],
    ]) {
      const r = await run(argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.out, argv.join(' ')).toBe('');
    }
    // The environment goes through the app's option schema: a bad value is a usage error, not a silent default.
    for (const [key, value] of [['NVR_DISCOVERY_PORTS', '3702,x'], ['NVR_INTERFACES', '127.0.0.300']] as const) {
      process.env[key] = value;
      try {
        const r = await run(['discover', '--timeout', '500']);
        expect(r.code, key).toBe(2);
        expect(r.err, key).toMatch(new RegExp(`Invalid environment[\\s\\S]*${key}`));
      } finally {
        delete process.env[key];
      }
    }
  });

  it('prints only a JSON array on stdout, diagnostics on stderr', async () => {
    const hub = dgram.createSocket({ type: 'udp4', reuseAddr: true });
    const dev = dgram.createSocket('udp4');
    sockets.push(hub, dev);
    await new Promise<void>((r) => hub.bind(3702, () => r()));
    hub.addMembership('239.255.255.250', '127.0.0.1');
    await new Promise<void>((r) => dev.bind(0, '127.33.0.5', () => r()));
    hub.on('message', (m, rinfo) => {
      const id = /MessageID>([^<]+)</.exec(m.toString())?.[1];
      if (!id || !m.toString().includes('Probe>')) return;
      const ans =
        `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery"><s:Header><a:RelatesTo>${id}</a:RelatesTo></s:Header><s:Body><d:ProbeMatches><d:ProbeMatch>` +
        `<a:EndpointReference><a:Address>urn:uuid:cli-1</a:Address></a:EndpointReference><d:Types>dn:NetworkVideoTransmitter</d:Types><d:Scopes>onvif://www.onvif.org/hardware/DHI-NVR4108HS</d:Scopes>` +
        `<d:XAddrs>http://127.33.0.5:1/onvif/device_service</d:XAddrs></d:ProbeMatch></d:ProbeMatches></s:Body></s:Envelope>`;
      dev.send(ans, rinfo.port, rinfo.address);
      dev.send('<not xml', rinfo.port, rinfo.address);
    });
    const r = await run(['discover', '--interface', '127.0.0.1', '--timeout', '800', '--json']);
    expect(r.code).toBe(0);
    const devices = JSON.parse(r.out) as { kind: string; addresses: string[]; xaddrs: string[]; endpointUuid: string }[];
    // Other test files' simulated sites may answer on the shared port too; ours must be there, exactly so.
    expect(Array.isArray(devices)).toBe(true);
    expect(devices.find((d) => d.addresses.includes('127.33.0.5'))).toEqual(
      expect.objectContaining({ kind: 'nvr', addresses: ['127.33.0.5'], xaddrs: ['http://127.33.0.5:1/onvif/device_service'], endpointUuid: 'urn:uuid:cli-1' }),
    );
    expect(r.err).toMatch(/dropped ws-discovery 127\.33\.0\.5:\d+: malformed/);
  });

  it('prints the simulated site as the expected inventory (discover --json --range)', async () => {
    process.env.NVR_DISCOVERY_PORTS = '43740,41940,43741';
    const site = await startSite({ block: '127.33.1', cameras: 3, seed: 9, discovery: { wsdPort: 43740, ssdpPort: 41940, dhipPort: 43741, ssdpHttpPort: 49180, devices: { '1': { multicast: false } } } });
    // Two Dahua cameras that answer DHIP only (fresh from the box, ONVIF not up yet): one to the prober, one to the group.
    const fresh = [makeIdentity('camera', 40, 9), makeIdentity('camera', 41, 9)];
    const dhipOnly = await startDiscoverySim(
      fresh.map((identity, i) => ({ identity, address: `127.33.1.${200 + i}`, xaddr: '', wsd: false, ssdp: false, dhip: { replyTo: i ? ('group' as const) : ('prober' as const), initialised: false } })),
      { dhipPort: 43741 },
    );
    try {
      const r = await run(['discover', '--interface', '127.0.0.1', '--timeout', '1500', '--range', '127.33.1.0/28', '--ports', String(site.port), '--json']);
      expect(r.code).toBe(0);
      const devices = JSON.parse(r.out) as { kind: string; dhip?: unknown; serial?: string; model?: string; mac?: string; manufacturer?: string; addresses: string[]; xaddrs: string[]; protocols: string[]; clockSkewMs?: number; online: boolean }[];
      expect(devices).toHaveLength(6);
      expect(devices.map((d) => d.kind)).toEqual(['nvr', 'camera', 'camera', 'camera', 'camera', 'camera']);
      // DHIP-only devices: listed once each, with serial, MAC and model, and their not-initialised state.
      for (const [i, id] of fresh.entries()) {
        const rows = devices.filter((x) => x.serial === id.serialNumber || x.mac === id.mac || x.addresses.includes(`127.33.1.${200 + i}`));
        expect(rows, id.serialNumber).toHaveLength(1);
        expect(rows[0]).toMatchObject({ serial: id.serialNumber, mac: id.mac, model: id.model, protocols: ['dhip'], dhip: { init: 'not-initialised', deviceClass: 'IPC' } });
      }
      expect(devices.find((x) => x.serial === site.nvr.identity.serialNumber)).toMatchObject({ kind: 'nvr', dhip: { deviceClass: 'NVR', remoteChannels: 8, init: 'initialised' } });
      for (const d of site.devices.filter((x) => x !== site.cameras[1])) {
        expect(devices.find((x) => x.serial === d.identity.serialNumber)).toMatchObject({
          model: d.identity.model,
          manufacturer: d.identity.manufacturer,
          mac: d.identity.mac,
          addresses: [d.address],
          xaddrs: [d.xaddr],
          protocols: expect.arrayContaining(['ws-discovery', 'ssdp', 'dhip', 'sweep']),
          online: true,
        });
      }
      // The camera that ignores multicast is there too, found by the sweep alone (ONVIF and unicast DHIP).
      const silent = site.cameras[1]!;
      const row = devices.find((x) => x.addresses[0] === silent.address);
      expect(row).toMatchObject({ serial: silent.identity.serialNumber, model: silent.identity.model, xaddrs: [silent.xaddr] });
      expect([...row!.protocols].sort()).toEqual(['dhip', 'sweep']);
      for (const d of devices.filter((x) => x.xaddrs.length)) expect(Math.abs(d.clockSkewMs ?? Infinity)).toBeLessThan(5000);
    } finally {
      delete process.env.NVR_DISCOVERY_PORTS;
      await dhipOnly.stop();
      await site.stop();
    }
  });

  it('shows a device that is not initialised in the table', async () => {
    process.env.NVR_DISCOVERY_PORTS = '43743,43744,43742';
    const identity = makeIdentity('camera', 42, 9);
    const sim = await startDiscoverySim([{ identity, address: '127.33.2.5', xaddr: '', wsd: false, ssdp: false, dhip: { initialised: false } }], { dhipPort: 43742 });
    try {
      const r = await run(['discover', '--interface', '127.0.0.1', '--timeout', '600']);
      expect(r.code).toBe(0);
      const line = r.out.split('\n').find((l) => l.includes(identity.serialNumber));
      expect(line).toMatch(/127\.33\.2\.5 .*dhip .*NOT INITIALISED$/);
      expect(r.out.split('\n')[0]).toMatch(/SEEN BY +SKEW +STATE$/);
    } finally {
      delete process.env.NVR_DISCOVERY_PORTS;
      await sim.stop();
    }
  });
});
