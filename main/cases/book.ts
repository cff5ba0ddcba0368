import { AppError } from '../../common/contract';
import type { ResetCase } from '../../common/reset/case';
import type { ServiceContext } from '../core/context';
import type { Logger } from '../core/log';
import { caseAccount, keepForSession, KeychainUnavailable, type Keychain } from '../core/keychain';
import { CaseStore } from './store';

/** How long a keychain probe's answer stands: the probe writes a throw-away item, and once a minute is plenty for a banner. */
const PROBE_MS = 60_000;

type KeychainState = { available: boolean; message?: string };

/**
 * The cases on disk and the one way each changes: every handler of cases.* reads
 * and writes through here, so each change is stamped, kept in the case's
 * history, logged and announced the same way.
 */
export class CaseBook {
  readonly store: CaseStore;
  readonly log: Logger;
  private probed: { at: number; value: Promise<KeychainState> } | undefined;

  constructor(
    readonly ctx: ServiceContext,
    readonly keychain: Keychain,
  ) {
    this.log = ctx.log.child('cases');
    this.store = new CaseStore(ctx.dataDir, () => this.now());
    for (const p of this.store.problems) this.log.error('case file problem', { message: p.message, movedTo: p.movedTo });
  }

  now(): number {
    return this.ctx.clock.now();
  }

  /** The case, which must exist. */
  must(id: string): ResetCase {
    const c = this.store.get(id);
    if (!c) throw new AppError('not-found', 'This reset case does not exist (any more).');
    return c;
  }

  /** The case, which must exist and not be closed. */
  open(id: string): ResetCase {
    const c = this.must(id);
    if (c.step === 'done') throw new AppError('conflict', 'This case is closed.');
    return c;
  }

  /** Applies a change, with a line of history saying what happened; the last 200 lines are kept. */
  save(c: ResetCase, what: string, patch: Partial<ResetCase>): ResetCase {
    const at = this.now();
    const next = this.store.put({ ...c, ...patch, updatedAt: at, history: [...c.history, { at, what }].slice(-200) });
    this.log.info('case updated', { caseId: c.id, step: next.step, what });
    this.ctx.events.emit('cases.changed', { case: next });
    return next;
  }

  /** The keychain, else (no dead end: the NVR already has this password) this session's memory, which camera sync reads too. */
  async keep(caseId: string, password: string): Promise<'keychain' | 'session-memory'> {
    try {
      await this.keychain.set(caseAccount(caseId), password);
      return 'keychain';
    } catch (e) {
      const why = e instanceof KeychainUnavailable ? e.message : 'The OS keychain refused to store the password.';
      this.log.warn('keychain write failed; password kept in memory for this session only', { caseId, why });
      keepForSession(caseAccount(caseId), password);
      return 'session-memory';
    }
  }

  /** Whether the OS keychain works, probed at most once a minute. */
  keychainState(): Promise<KeychainState> {
    if (!this.probed || Date.now() - this.probed.at > PROBE_MS) this.probed = { at: Date.now(), value: this.keychain.probe() };
    return this.probed.value;
  }
}
