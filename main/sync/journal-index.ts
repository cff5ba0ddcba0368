import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { isSuccess } from '../../common/sync/outcomes';
import { targetKey } from '../../common/sync/target';
import { foldRecord, readJournal, type JournalRecord, type JournalState } from './journal';

export interface RunSummary {
  runId: string;
  startedAt: number;
  devices: number;
  succeeded: number;
  failed: number;
}

/**
 * Every journal in the sync folder, read once (at the first question) and kept
 * up to date as the app's own runs append to theirs: `sync.start` and
 * `sync.runs` never re-parse the folder. Unreadable files are moved aside by
 * readJournal; bad lines are counted and reported through `onBadLines`.
 */
export class JournalIndex {
  private files: Map<string, JournalState> | undefined;

  constructor(
    private readonly dir: string,
    private readonly onBadLines: (path: string, count: number) => void = () => {},
  ) {}

  private load(): Map<string, JournalState> {
    if (this.files) return this.files;
    this.files = new Map();
    let names: string[] = [];
    try {
      names = readdirSync(this.dir).filter((f) => f.endsWith('.jsonl'));
    } catch {
      return this.files;
    }
    for (const f of names) {
      const path = join(this.dir, f);
      let state: JournalState | undefined;
      try {
        state = readJournal(path);
      } catch {
        continue;
      }
      if (!state) continue;
      if (state.badLines) this.onBadLines(path, state.badLines);
      this.files.set(path, state);
    }
    return this.files;
  }

  /** Follows a journal the app writes: each record once it is on disk. */
  apply(journalPath: string, rec: JournalRecord): void {
    const files = this.load();
    const next = foldRecord(files.get(journalPath), rec);
    if (next) files.set(journalPath, next);
  }

  /** The newest journal that never ended and covers exactly these targets. */
  findUnfinished(keys: string[]): { runId: string; path: string } | undefined {
    const want = new Set(keys);
    const candidates = [...this.load()].filter(([, j]) => !j.ended && j.targets.length === want.size && j.targets.every((t) => want.has(targetKey(t))));
    candidates.sort((a, b) => b[1].startedAt - a[1].startedAt);
    const hit = candidates[0];
    return hit ? { runId: hit[1].runId, path: hit[0] } : undefined;
  }

  summaries(): RunSummary[] {
    return [...this.load().values()]
      .map((j) => {
        const rows = [...j.outcomes.values()];
        const succeeded = rows.filter((r) => isSuccess(r.outcome)).length;
        return { runId: j.runId, startedAt: j.startedAt, devices: j.targets.length, succeeded, failed: rows.length - succeeded };
      })
      .sort((a, b) => b.startedAt - a.startedAt);
  }
}
