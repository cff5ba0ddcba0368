import { NVR_NAME_LIMIT } from '../../common/nvr/pause-marker';
import { targetKey, type SyncTarget } from '../../common/sync/target';
import { NvrWriteUnanswered, type ChannelEdit, type ChannelWriteOutcome, type NvrChannelStore, type StoredChannel, type WritePathProof } from '../../main/dahua/channel-store';
import type { AccountChange, CameraPort, KnownPasswords, ProbeResult } from '../../main/site/ports';

/**
 * An in-memory site for close-the-loop's unit and property tests: an NVR
 * (behind the channel-store port) that signs in to its enabled channels'
 * cameras whenever it polls, and cameras that count every refused sign-in —
 * the NVR's and the app's — against their lock threshold. Faults are data.
 * The fake judges nothing: the tests read its state, as they would a device's.
 * (Not product code: only *.test.ts files import it.)
 */

export const LOCK_AT = 5;

export class Crash extends Error {
  override readonly name = 'Crash';
}

/** kill -9 in-process: from the moment it trips, every device call throws and changes nothing. */
export class CrashSwitch {
  tripped = false;
  check(): void {
    if (this.tripped) throw new Crash('the process died');
  }
}

export class FakeCamera {
  readonly accounts = new Map<string, string>();
  refusals = 0;
  /** The account may not change its own password (FixedUser). */
  fixed = new Set<string>();
  constructor(readonly host: string) {}
  signIn(username: string, password: string): boolean {
    if (this.refusals >= LOCK_AT) return false;
    if (this.accounts.get(username) === password) return true;
    this.refusals++;
    return false;
  }
}

export interface NvrFaults {
  refuseStore: boolean;
  refusePause: boolean;
  /** Write numbers (1-based, this NVR's life) applied but never answered. */
  dropAnswer: number[];
  /** Trip the crash switch right after this write (1-based) landed. */
  crashAfterWrite?: number;
  proof: WritePathProof;
}

export class FakeNvr implements NvrChannelStore {
  readonly slots = new Map<number, StoredChannel>();
  faults: NvrFaults = { refuseStore: false, refusePause: false, dropAnswer: [], proof: { ok: true, firmware: 'logic-device-manager', sealed: true } };
  writes = 0;
  constructor(
    readonly cameras: Map<string, FakeCamera>,
    readonly crash: CrashSwitch,
  ) {}

  async proveWritePath(): Promise<WritePathProof> {
    this.crash.check();
    return this.faults.proof;
  }
  async readChannels(): Promise<StoredChannel[]> {
    this.crash.check();
    this.poll();
    return [...this.slots.values()].map((s) => ({ ...s }));
  }
  async writeChannels(edits: readonly ChannelEdit[]): Promise<ChannelWriteOutcome[]> {
    this.crash.check();
    const n = ++this.writes;
    const out: ChannelWriteOutcome[] = [];
    for (const e of edits) {
      const s = this.slots.get(e.channel);
      const refused = !s || (this.faults.refuseStore && e.password !== undefined && e.password !== s.password) || (this.faults.refusePause && e.enable === false);
      if (refused) out.push({ channel: e.channel, status: 'refused', detail: 'the NVR refused it (simulated)' });
      else {
        this.slots.set(e.channel, { ...s, ...(e.enable !== undefined ? { enabled: e.enable } : {}), ...(e.name !== undefined ? { name: e.name.slice(0, NVR_NAME_LIMIT) } : {}), ...(e.password !== undefined ? { password: e.password } : {}) });
        out.push({ channel: e.channel, status: 'taken' });
      }
    }
    this.poll();
    if (this.faults.crashAfterWrite === n) this.crash.tripped = true;
    this.crash.check();
    if (this.faults.dropAnswer.includes(n)) throw new NvrWriteUnanswered('no answer (simulated)');
    return out;
  }
  async channelStates(): Promise<Map<number, string>> {
    this.crash.check();
    this.poll();
    return new Map([...this.slots.values()].map((s) => [s.channel, s.enabled && this.cameras.get(s.address)?.accounts.get(s.username) === s.password ? 'Connected' : 'Unconnect']));
  }
  /** What a recorder does every few seconds: sign in to each enabled channel's camera with what it stores. */
  poll(): void {
    for (const s of this.slots.values()) if (s.enabled && s.password !== undefined) this.cameras.get(s.address)?.signIn(s.username, s.password);
  }
}

export interface CameraFaults {
  /** Accounts whose SetUser is sent but never verified (camera sync's `unverified`). */
  unverified: Set<string>;
}

/**
 * Camera sync as the loop sees it: an account's candidates are its known
 * passwords, then the shared list; at most `budget` refusals per camera; an
 * outcome, once final, is remembered like camera sync's journal (unless lost).
 */
export class FakeCameras implements CameraPort {
  /** Camera sync's journal: final outcomes by targetKey. */
  rows = new Map<string, AccountChange['holds']>();
  faults: CameraFaults = { unverified: new Set() };
  rollbacks = 0;
  constructor(
    readonly cameras: Map<string, FakeCamera>,
    readonly nvr: FakeNvr,
    readonly crash: CrashSwitch,
    readonly secrets: { current: string[]; next: string },
    readonly budget = 2,
  ) {}

  private host(t: SyncTarget): FakeCamera {
    return this.cameras.get(new URL(t.xaddr).hostname)!;
  }

  pending(accounts: readonly SyncTarget[]): SyncTarget[] {
    return accounts.filter((t) => !this.rows.has(targetKey(t)));
  }

  async change(accounts: readonly SyncTarget[], known: KnownPasswords): Promise<AccountChange[]> {
    const out: AccountChange[] = [];
    for (const t of accounts) {
      this.crash.check();
      const key = targetKey(t);
      const had = this.rows.get(key);
      if (had) {
        out.push({ target: t, holds: had, fresh: false, detail: 'from the journal' });
        continue;
      }
      const holds = this.changeOne(t, known[key] ?? []);
      this.nvr.poll();
      this.crash.check();
      this.rows.set(key, holds);
      out.push({ target: t, holds, fresh: true, detail: `camera sync: ${holds}` });
    }
    return out;
  }

  private changeOne(t: SyncTarget, known: readonly string[]): AccountChange['holds'] {
    const cam = this.host(t);
    const start = cam.refusals;
    for (const p of [...new Set([...known, ...this.secrets.current, this.secrets.next])]) {
      if (cam.refusals - start >= this.budget) return 'old';
      if (!cam.signIn(t.username, p)) continue;
      if (p === this.secrets.next) return 'new';
      if (cam.fixed.has(t.username)) return 'old';
      cam.accounts.set(t.username, this.secrets.next);
      return this.faults.unverified.has(targetKey(t)) ? 'unknown' : 'new';
    }
    return 'old';
  }

  async rollback(t: SyncTarget, from: string, to: string): Promise<{ ok: boolean; detail: string }> {
    this.crash.check();
    this.rollbacks++;
    const cam = this.host(t);
    if (!cam.signIn(t.username, from)) return { ok: false, detail: 'the camera refused the new password' };
    cam.accounts.set(t.username, to);
    this.nvr.poll();
    this.crash.check();
    return { ok: true, detail: 'put back' };
  }

  async probe(t: SyncTarget, candidates: readonly string[]): Promise<ProbeResult> {
    const cam = this.host(t);
    for (let i = 0; i < candidates.length; i++) {
      this.crash.check();
      if (cam.signIn(t.username, candidates[i]!)) return { kind: 'accepted', index: i };
    }
    return { kind: 'unknown', why: 'refused every candidate' };
  }
}
