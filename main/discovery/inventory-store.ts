import type { InventoryDevice } from '../../common/domain/device';
import { Inventory, type Observation } from '../../common/discovery/inventory';
import type { ChangeBatcher } from './batcher';
import type { DiagnosticsLog } from './diagnostics';

/**
 * The feature's one inventory: owned by the discovery feature for the app's
 * life (adapter changes do not touch it) and the only writer of rows. Every
 * change goes out through the batcher as a `devices.changed` batch; nothing
 * else holds a row it may mutate.
 */
export class InventoryStore {
  private readonly inventory = new Inventory();
  private readonly watchers = new Set<(d: InventoryDevice) => void>();

  constructor(
    private readonly batcher: ChangeBatcher,
    private readonly diagnostics: DiagnosticsLog,
  ) {}

  /** Folds one sighting in; returns the row it landed on. */
  observe(o: Observation, receivedAt?: number): InventoryDevice | undefined {
    const change = this.inventory.observe(o);
    for (const c of change.conflicts) this.diagnostics.add({ protocol: o.protocol, source: o.address, reason: 'conflict', action: 'flagged', detail: c });
    this.batcher.folded(change.removed);
    for (const d of change.changed) {
      this.batcher.changed(d, receivedAt);
      for (const w of this.watchers) w(d);
    }
    return change.changed[0];
  }

  /** Adds a flag to a row (e.g. "outside the chosen adapters' networks"), as a change like any other. */
  flag(id: string, flag: string): void {
    const d = this.inventory.addFlag(id, flag);
    if (d) this.batcher.changed(d);
  }

  setOffline(match: (d: InventoryDevice) => boolean): void {
    for (const d of this.inventory.setOffline(match)) this.batcher.changed(d);
  }

  /** Called for every row a sighting touched (scan bookkeeping, follow-up probes). */
  onObserved(watcher: (d: InventoryDevice) => void): () => void {
    this.watchers.add(watcher);
    return () => this.watchers.delete(watcher);
  }

  findByEndpoint(endpoint: string): InventoryDevice | undefined {
    return this.inventory.findByEndpoint(endpoint);
  }

  /** Copies: readers never hold a live row. */
  list(): InventoryDevice[] {
    return this.inventory.list().map(copy);
  }

  get(id: string): InventoryDevice | undefined {
    const d = this.inventory.get(id);
    return d && copy(d);
  }

  flush(): void {
    this.batcher.flush();
  }
}

function copy(d: InventoryDevice): InventoryDevice {
  return { ...d, addresses: [...d.addresses], xaddrs: [...d.xaddrs], protocols: [...d.protocols], flags: [...d.flags], ...(d.dhip ? { dhip: { ...d.dhip } } : {}) };
}
