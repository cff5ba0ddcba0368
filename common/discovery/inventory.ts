import type { DeviceKind, DhipInfo, InventoryDevice, Protocol } from '../domain/device';

/** One sighting of a device by one protocol; the inventory folds these into rows. */
export interface Observation {
  protocol: Protocol;
  /** Responder's IPv4 address. */
  address: string;
  at: number;
  endpointUuid?: string;
  /** UPnP UDN's uuid: names a row seen only by SSDP (not a merge key: it differs from the WS-Discovery endpoint). */
  udn?: string;
  serial?: string;
  mac?: string;
  manufacturer?: string;
  model?: string;
  firmware?: string;
  name?: string;
  xaddrs?: string[];
  presentationUrl?: string;
  /** WS-Discovery Types / UPnP deviceType / scope types: classification hints. */
  types?: string[];
  clockSkewMs?: number;
  /** What the device said in its DHIP answer (Dahua family). */
  dhip?: DhipInfo;
  flags?: string[];
}

export interface InventoryChange {
  changed: InventoryDevice[];
  removed: string[];
  /** Identity conflicts found while merging (for the diagnostics view). */
  conflicts: string[];
}

const RECORDER_RE = /\b(NVR|XVR|DVR|HCVR|NVS)|recorder/i;
const CAMERA_RE = /\bIPC|camera|NetworkVideoTransmitter|video_encoder|Profile\/Streaming/i;

/** NVR / camera / other from every hint the protocols give (model names first: NVRs claim NVT too). */
export function classify(d: Pick<InventoryDevice, 'model' | 'name'>, types: string[]): DeviceKind {
  const text = [d.model, d.name, ...types].filter(Boolean).join(' ');
  if (RECORDER_RE.test(text)) return 'nvr';
  if (CAMERA_RE.test(text)) return 'camera';
  return 'other';
}

const norm = {
  serial: (s: string) => s.trim().toUpperCase(),
  mac: (s: string) => s.trim().toLowerCase(),
  // `urn:uuid:…` and bare `uuid:…` name the same endpoint (never `uuid:uuid:…`).
  endpointUuid: (s: string) => s.trim().toLowerCase().replace(/^(urn:)?uuid:/, ''),
};
type Key = keyof typeof norm;
const KEYS: Key[] = ['serial', 'mac', 'endpointUuid'];

interface Row {
  device: InventoryDevice;
  types: Set<string>;
}

/**
 * The one inventory: a row per physical device, merged across protocols and
 * addresses by serial, MAC or endpoint UUID, and by address when a sighting
 * carries no identity at all (sweeps, manual adds).
 */
export class Inventory {
  private readonly rows = new Map<string, Row>();
  // Indexes keep each sighting O(1): a thousand answers in half a second must not cost a million comparisons.
  private readonly byKey = new Map<string, Row>();
  private readonly byAddress = new Map<string, Set<Row>>();
  private seq = 0;

  private index(row: Row): void {
    for (const k of KEYS) {
      const v = this.keyOf(row, k);
      if (v && !this.byKey.has(`${k}:${v}`)) this.byKey.set(`${k}:${v}`, row);
    }
    for (const a of row.device.addresses) {
      let set = this.byAddress.get(a);
      if (!set) this.byAddress.set(a, (set = new Set()));
      set.add(row);
    }
  }

  private unindex(row: Row): void {
    for (const [key, r] of this.byKey) if (r === row) this.byKey.delete(key);
    for (const a of row.device.addresses) this.byAddress.get(a)?.delete(row);
  }

  list(): InventoryDevice[] {
    return [...this.rows.values()].map((r) => r.device);
  }

  get(id: string): InventoryDevice | undefined {
    return this.rows.get(id)?.device;
  }

  private keyOf(row: Row, k: Key): string | undefined {
    const v = row.device[k];
    return v ? norm[k](v) : undefined;
  }

  private conflictsWith(row: Row, o: Observation): string[] {
    const out: string[] = [];
    for (const k of KEYS) {
      const mine = this.keyOf(row, k);
      const theirs = o[k] ? norm[k](o[k]) : undefined;
      if (mine && theirs && mine !== theirs) out.push(`conflicting ${k}: ${mine} vs ${theirs} (from ${o.address})`);
    }
    return out;
  }

  observe(o: Observation): InventoryChange {
    const result: InventoryChange = { changed: [], removed: [], conflicts: [] };
    let candidates: Row[] = [];
    for (const k of KEYS) {
      const v = o[k];
      const r = v ? this.byKey.get(`${k}:${norm[k](v)}`) : undefined;
      if (r && !candidates.includes(r)) candidates.push(r);
    }
    if (candidates.length === 0) {
      candidates = [...(this.byAddress.get(o.address) ?? [])].filter((r) => this.conflictsWith(r, o).length === 0);
    }
    let target = candidates[0];
    // A sighting that links rows (serial from SSDP, UUID from WS-Discovery) folds them into one,
    // unless they disagree on an identity, which is worth a flag, not a silent merge.
    for (const other of candidates.slice(1)) {
      if (!target) break;
      const clash = KEYS.some((k) => {
        const a = this.keyOf(target!, k);
        const b = this.keyOf(other, k);
        return a && b && a !== b;
      });
      if (clash) {
        const why = `identity shared with another row (${other.device.id})`;
        if (!target.device.flags.includes(why)) target.device.flags.push(why);
        result.conflicts.push(`${target.device.id} and ${other.device.id} share an identity from ${o.address}`);
        continue;
      }
      this.unindex(other);
      this.absorb(target, other);
      this.rows.delete(other.device.id);
      result.removed.push(other.device.id);
    }
    if (!target) {
      const id = this.newId(o);
      target = {
        device: {
          id,
          kind: 'other',
          addresses: [],
          xaddrs: [],
          protocols: [],
          online: true,
          firstSeen: o.at,
          lastSeen: o.at,
          flags: [],
        },
        types: new Set(),
      };
      this.rows.set(id, target);
    }
    for (const c of this.conflictsWith(target, o)) {
      if (!target.device.flags.includes(c)) target.device.flags.push(c);
      result.conflicts.push(c);
    }
    this.apply(target, o);
    const before = this.rekey(target);
    if (before) result.removed.push(before);
    this.index(target);
    result.changed.push(target.device);
    return result;
  }

  /**
   * Serial first: a row first named by its MAC or endpoint UUID takes its serial's
   * id as soon as a sighting brings the serial, so the same device has the same id
   * whichever protocol answered first in this launch (a reset case, a sync target
   * made before a restart still find it). Returns the id it had before, if it changed.
   */
  private rekey(row: Row): string | undefined {
    const serial = row.device.serial;
    const id = serial ? `sn:${norm.serial(serial)}` : undefined;
    if (!id || row.device.id === id || this.rows.has(id)) return undefined;
    const before = row.device.id;
    this.rows.delete(before);
    row.device.id = id;
    this.rows.set(id, row);
    return before;
  }

  private newId(o: Observation): string {
    if (o.serial) return `sn:${norm.serial(o.serial)}`;
    if (o.mac) return `mac:${norm.mac(o.mac)}`;
    if (o.endpointUuid) return `uuid:${norm.endpointUuid(o.endpointUuid)}`;
    if (o.udn) return `udn:${norm.endpointUuid(o.udn)}`;
    return `ip:${o.address}#${++this.seq}`;
  }

  private apply(row: Row, o: Observation): void {
    const d = row.device;
    for (const k of KEYS) if (o[k] && !d[k]) d[k] = k === 'mac' ? norm.mac(o[k]) : o[k].trim();
    for (const f of ['manufacturer', 'model', 'firmware', 'name', 'presentationUrl'] as const) {
      const v = o[f];
      // Authoritative sources (GetDeviceInformation, descriptions) refine what scopes guessed.
      // DHIP's DeviceType beats a WS-Discovery hardware scope; its short Version never replaces GetDeviceInformation's.
      if (v && (!d[f] || o.protocol === 'manual' || o.protocol === 'sweep' || o.protocol === 'ssdp' || (o.protocol === 'dhip' && f === 'model'))) d[f] = v;
    }
    if (!d.addresses.includes(o.address)) d.addresses.push(o.address);
    for (const x of o.xaddrs ?? []) if (!d.xaddrs.includes(x)) d.xaddrs.push(x);
    if (!d.protocols.includes(o.protocol)) d.protocols.push(o.protocol);
    for (const t of o.types ?? []) row.types.add(t);
    for (const f of o.flags ?? []) if (!d.flags.includes(f)) d.flags.push(f);
    if (o.clockSkewMs !== undefined) d.clockSkewMs = o.clockSkewMs;
    if (o.dhip) d.dhip = { ...d.dhip, ...o.dhip };
    d.lastSeen = Math.max(d.lastSeen, o.at);
    d.online = true;
    d.kind = classify(d, [...row.types]);
  }

  private absorb(into: Row, from: Row): void {
    const a = into.device;
    const b = from.device;
    for (const k of KEYS) if (!a[k] && b[k]) a[k] = b[k];
    for (const f of ['manufacturer', 'model', 'firmware', 'name', 'presentationUrl'] as const) if (!a[f] && b[f]) a[f] = b[f];
    for (const x of b.addresses) if (!a.addresses.includes(x)) a.addresses.push(x);
    for (const x of b.xaddrs) if (!a.xaddrs.includes(x)) a.xaddrs.push(x);
    for (const p of b.protocols) if (!a.protocols.includes(p)) a.protocols.push(p);
    for (const f of b.flags) if (!a.flags.includes(f)) a.flags.push(f);
    for (const t of from.types) into.types.add(t);
    a.firstSeen = Math.min(a.firstSeen, b.firstSeen);
    a.lastSeen = Math.max(a.lastSeen, b.lastSeen);
    a.online = a.online || b.online;
    if (a.clockSkewMs === undefined && b.clockSkewMs !== undefined) a.clockSkewMs = b.clockSkewMs;
    if (b.dhip) a.dhip = { ...b.dhip, ...a.dhip };
  }

  /** Adds a flag to one row; undefined when the row is unknown or already carries it. */
  addFlag(id: string, flag: string): InventoryDevice | undefined {
    const d = this.rows.get(id)?.device;
    if (!d || d.flags.includes(flag)) return undefined;
    d.flags.push(flag);
    return d;
  }

  /** Marks rows offline (Bye, missed scans). Rows are never dropped: the technician must see what vanished. */
  setOffline(match: (d: InventoryDevice) => boolean): InventoryDevice[] {
    const changed: InventoryDevice[] = [];
    for (const r of this.rows.values()) {
      if (r.device.online && match(r.device)) {
        r.device.online = false;
        changed.push(r.device);
      }
    }
    return changed;
  }

  findByEndpoint(endpoint: string): InventoryDevice | undefined {
    return this.byKey.get(`endpointUuid:${norm.endpointUuid(endpoint)}`)?.device;
  }
}
