/**
 * Progress rows, batched per run: a run over many devices changes rows many
 * times a second, and the renderer needs the latest of each row, not every
 * change. `add` keeps a row's latest; at most every `everyMs` (and at `flush`)
 * each run's changed rows go out in one call.
 */
export class RowBatcher<Row extends { key: string }> {
  private readonly dirty = new Map<string, Map<string, Row>>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly emit: (runId: string, rows: Row[]) => void,
    private readonly everyMs = 100,
  ) {}

  add(runId: string, row: Row): void {
    let m = this.dirty.get(runId);
    if (!m) this.dirty.set(runId, (m = new Map()));
    m.set(row.key, row);
    this.timer ??= setTimeout(() => this.flush(), this.everyMs);
  }

  flush(): void {
    this.stop();
    for (const [runId, rows] of this.dirty) this.emit(runId, [...rows.values()]);
    this.dirty.clear();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
