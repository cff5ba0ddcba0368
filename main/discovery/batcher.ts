import { performance } from 'node:perf_hooks';
import type { InventoryDevice } from '../../common/domain/device';

export interface BatchMeta {
  /** When the first datagram behind this batch reached main (performance.now()), for latency figures. */
  firstReceivedAt?: number;
}

export type BatchListener = (devices: InventoryDevice[], removed: string[], meta: BatchMeta) => void;

/**
 * Coalesces row changes into batches (at most one per `windowMs`): a thousand
 * answers in half a second become a few dozen renderer events, not a thousand.
 * Each batch carries copies, so a listener never sees a row change later.
 */
export class ChangeBatcher {
  private pending = new Map<string, InventoryDevice>();
  private removed: string[] = [];
  private firstReceivedAt: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private startedAt = 0;

  constructor(
    private readonly emit: BatchListener,
    private readonly windowMs = 10,
  ) {}

  changed(d: InventoryDevice, receivedAt?: number): void {
    const now = performance.now();
    if (this.pending.size === 0) this.startedAt = now;
    this.pending.set(d.id, d);
    if (receivedAt !== undefined && this.firstReceivedAt === undefined) this.firstReceivedAt = receivedAt;
    // Under a burst the timer may be starved by queued datagrams; flushing on age
    // keeps the first row of a batch from waiting behind the rest.
    if (now - this.startedAt >= this.windowMs) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.windowMs);
  }

  folded(ids: string[]): void {
    if (ids.length === 0) return;
    this.removed.push(...ids);
    for (const id of ids) this.pending.delete(id);
    this.timer ??= setTimeout(() => this.flush(), this.windowMs);
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.size === 0 && this.removed.length === 0) return;
    const devices = [...this.pending.values()].map((d) => ({ ...d, addresses: [...d.addresses], xaddrs: [...d.xaddrs], protocols: [...d.protocols], flags: [...d.flags], ...(d.dhip ? { dhip: { ...d.dhip } } : {}) }));
    const removed = this.removed;
    const meta: BatchMeta = this.firstReceivedAt === undefined ? {} : { firstReceivedAt: this.firstReceivedAt };
    this.pending = new Map();
    this.removed = [];
    this.firstReceivedAt = undefined;
    this.emit(devices, removed, meta);
  }
}
