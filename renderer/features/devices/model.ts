import type { InventoryDevice } from '../../../common/domain/device';

export type SortKey = 'kind' | 'address' | 'manufacturer' | 'model' | 'serial' | 'mac' | 'lastSeen' | 'online';
export interface SortSpec {
  key: SortKey;
  dir: 'asc' | 'desc';
}

/** Folds a devices.changed batch into the current rows: in place by id, folded rows removed. */
export function applyChange(rows: Map<string, InventoryDevice>, devices: InventoryDevice[], removed: string[] = []): Map<string, InventoryDevice> {
  const next = new Map(rows);
  for (const id of removed) next.delete(id);
  for (const d of devices) next.set(d.id, d);
  return next;
}

const KIND_RANK = { nvr: 0, camera: 1, other: 2 } as const;

function ipKey(ip: string | undefined): string {
  // Zero-padded octets sort 10.0.0.9 before 10.0.0.10.
  return (ip ?? '').split('.').map((o) => o.padStart(3, '0')).join('.');
}

function value(d: InventoryDevice, key: SortKey): string | number {
  switch (key) {
    case 'kind':
      return KIND_RANK[d.kind];
    case 'address':
      return ipKey(d.addresses[0]);
    case 'lastSeen':
      return d.lastSeen;
    case 'online':
      return d.online ? 0 : 1;
    default:
      return (d[key] ?? '').toLowerCase();
  }
}

/** Free-text filter over what a technician reads off a label: model, serial, MAC, address, maker, name. */
export function matches(d: InventoryDevice, filter: string): boolean {
  const words = filter.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return true;
  const hay = [d.kind, d.manufacturer, d.model, d.serial, d.mac, d.name, d.firmware, ...d.addresses, ...d.protocols, d.online ? 'online' : 'offline']
    .filter(Boolean)
    .join(' ')
    .toLowerCase();
  return words.every((w) => hay.includes(w));
}

export function view(rows: Iterable<InventoryDevice>, filter: string, sort: SortSpec): InventoryDevice[] {
  const out = [...rows].filter((d) => matches(d, filter));
  const sign = sort.dir === 'asc' ? 1 : -1;
  out.sort((a, b) => {
    const va = value(a, sort.key);
    const vb = value(b, sort.key);
    const c = va < vb ? -1 : va > vb ? 1 : 0;
    // Ties fall back to the address so rows do not jump around as updates stream in.
    return c * sign || (ipKey(a.addresses[0]) < ipKey(b.addresses[0]) ? -1 : ipKey(a.addresses[0]) > ipKey(b.addresses[0]) ? 1 : a.id.localeCompare(b.id));
  });
  return out;
}

export function formatSkew(ms: number | undefined): string {
  if (ms === undefined) return '';
  const s = Math.round(ms / 1000);
  if (Math.abs(s) < 2) return 'in sync';
  const abs = Math.abs(s);
  const text = abs >= 3600 ? `${(abs / 3600).toFixed(1)} h` : abs >= 60 ? `${Math.round(abs / 60)} min` : `${abs} s`;
  return s > 0 ? `+${text}` : `−${text}`;
}
