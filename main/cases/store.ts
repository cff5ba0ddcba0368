import { closeSync, copyFileSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ResetCase, STORE_VERSION, StoreFile } from '../../common/reset/case';

/**
 * The case file: one JSON document, written atomically (tmp + fsync + rename)
 * so a crash mid-write leaves the previous version. A file we cannot use is
 * moved aside under a timestamped name and reported — never overwritten, so
 * nothing a technician recorded is lost.
 */
export const STORE_FILE = 'cases.json';

export interface StoreProblem {
  message: string;
  movedTo?: string;
  at: number;
}

/** Old layouts → current. Key = version the migration starts from. */
const MIGRATIONS: Record<number, (raw: Record<string, unknown>) => Record<string, unknown>> = {
  // v0 (pre-release): a bare array of cases with "stepIndex" instead of "step".
  0: (raw) => ({
    version: 1,
    cases: (Array.isArray(raw.cases) ? raw.cases : []).map((c: unknown) => {
      // Not an object: left as is, so validation counts it as unreadable (and the file is kept).
      if (!c || typeof c !== 'object') return c;
      const { stepIndex, ...rest } = c as Record<string, unknown>;
      const steps = ['forgot', 'email', 'qr', 'send', 'code', 'password', 'sync', 'done'];
      return { ...rest, step: rest.step ?? steps[typeof stepIndex === 'number' ? stepIndex : 0] ?? 'forgot' };
    }),
  }),
};

export class CaseStore {
  private cases = new Map<string, ResetCase>();
  readonly problems: StoreProblem[] = [];
  readonly file: string;

  constructor(
    dir: string,
    private readonly now: () => number,
  ) {
    mkdirSync(dir, { recursive: true });
    this.file = join(dir, STORE_FILE);
    this.load();
  }

  list(): ResetCase[] {
    return [...this.cases.values()].sort((a, b) => Number(a.step === 'done') - Number(b.step === 'done') || b.updatedAt - a.updatedAt);
  }

  get(id: string): ResetCase | undefined {
    return this.cases.get(id);
  }

  put(c: ResetCase): ResetCase {
    const checked = ResetCase.parse(c);
    this.cases.set(checked.id, checked);
    this.save();
    return checked;
  }

  private save(): void {
    const doc: StoreFile = { version: STORE_VERSION, cases: [...this.cases.values()] };
    const tmp = `${this.file}.tmp-${process.pid}`;
    const fd = openSync(tmp, 'w', 0o600);
    try {
      writeFileSync(fd, JSON.stringify(doc, null, 1));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.file);
    // The rename itself must reach the disk too (directory entry).
    try {
      const dfd = openSync(dirname(this.file), 'r');
      try {
        fsyncSync(dfd);
      } finally {
        closeSync(dfd);
      }
    } catch {
      // Not supported on every platform (Windows); the rename is still atomic.
    }
  }

  private load(): void {
    if (!existsSync(this.file)) return;
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (e) {
      this.moveAside(`The case file could not be read (${(e as NodeJS.ErrnoException).code ?? 'error'}).`);
      return;
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      this.moveAside(text.trim() === '' ? 'The case file was empty.' : 'The case file is damaged (truncated or not JSON).');
      return;
    }
    if (Array.isArray(raw)) raw = { version: 0, cases: raw };
    if (!raw || typeof raw !== 'object') return this.moveAside('The case file does not hold cases.');
    let doc = raw as Record<string, unknown>;
    const version = typeof doc.version === 'number' ? doc.version : 0;
    if (version > STORE_VERSION) {
      this.moveAside(`The case file was written by a newer version of the app (format ${version}; this app reads up to ${STORE_VERSION}).`);
      return;
    }
    for (let v = version; v < STORE_VERSION; v++) {
      const m = MIGRATIONS[v];
      if (!m || !Number.isInteger(v)) return this.moveAside(`The case file has an unknown format (${v}).`);
      try {
        doc = m(doc);
      } catch {
        return this.moveAside(`The case file could not be converted from format ${v}.`);
      }
    }
    const envelope = StoreFile.pick({ version: true }).safeParse(doc);
    if (!envelope.success || !Array.isArray(doc.cases)) return this.moveAside('The case file does not match the expected layout.');
    let bad = 0;
    for (const item of doc.cases as unknown[]) {
      const parsed = ResetCase.safeParse(item);
      if (parsed.success) this.cases.set(parsed.data.id, parsed.data);
      else bad++;
    }
    if (bad > 0) {
      // Keep the good cases working, and a full copy of the file for the unreadable ones.
      const copy = this.asideName();
      copyFileSync(this.file, copy);
      this.problems.push({ message: `${bad} case(s) in the case file could not be read; a copy of the file was kept.`, movedTo: copy, at: this.now() });
    }
  }

  private asideName(): string {
    const stamp = new Date(this.now()).toISOString().replace(/[:.]/g, '-');
    let name = `${this.file}.unreadable-${stamp}`;
    for (let i = 2; existsSync(name); i++) name = `${this.file}.unreadable-${stamp}-${i}`;
    return name;
  }

  private moveAside(why: string): void {
    const to = this.asideName();
    renameSync(this.file, to);
    this.problems.push({ message: `${why} It was moved aside and a new case file started; nothing was deleted.`, movedTo: to, at: this.now() });
  }
}
