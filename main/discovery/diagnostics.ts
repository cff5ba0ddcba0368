import type { Clock } from '../../common/clock';
import type { Diagnostic } from '../../common/contract/devices';

const MAX_KEPT = 500;
const PER_SECOND = 50;

/**
 * Dropped or flagged datagrams and documents: kept (a ring of 500) and
 * streamed, at most 50 a second. A device spraying junk must not turn into a
 * flood of renderer events; the overflow is summarised once the second is over.
 */
export class DiagnosticsLog {
  private readonly kept: Diagnostic[] = [];
  private windowStart = 0;
  private inWindow = 0;
  private suppressed = 0;

  constructor(
    private readonly clock: Clock,
    private readonly onDiagnostic?: (d: Diagnostic) => void,
  ) {}

  add(d: Omit<Diagnostic, 'at'>): void {
    const now = this.clock.now();
    if (now - this.windowStart >= 1000) {
      if (this.suppressed > 0) {
        this.push({ at: now, protocol: d.protocol, source: '(several)', reason: 'malformed', action: 'dropped', detail: `${this.suppressed} more diagnostics in the last second were not shown` });
        this.suppressed = 0;
      }
      this.windowStart = now;
      this.inWindow = 0;
    }
    if (++this.inWindow > PER_SECOND) {
      this.suppressed++;
      return;
    }
    this.push({ ...d, at: now });
  }

  list(): Diagnostic[] {
    return [...this.kept];
  }

  private push(d: Diagnostic): void {
    this.kept.push(d);
    if (this.kept.length > MAX_KEPT) this.kept.splice(0, this.kept.length - MAX_KEPT);
    this.onDiagnostic?.(d);
  }
}
