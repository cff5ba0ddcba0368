import { randomUUID } from 'node:crypto';
import pLimit from 'p-limit';
import type { Clock } from '../../common/clock';
import type { InitRow } from '../../common/contract/init';
import { INIT_OUTCOMES, type InitStep } from '../../common/init/outcomes';
import { initEmailProblem, initPasswordProblem } from '../../common/init/rules';
import { deviceKeyOf, type CredentialGate } from '../core/credential-gate';
import { DevInitClient, initialiseDevice, settleLostAccount, type WizardOptions, type WizardResult } from '../dahua/devinit';
import { InitJournal, readInitJournal, type InitJournalState, type InitTarget, type OpenJournalFile } from './journal';
import { NvrGuardStop, type NvrGuard, type NvrNote } from './nvr-guard';

/**
 * An init run: the wizard (main/dahua/devinit.ts) on each chosen device, a few
 * at a time, journalled so that a run interrupted anywhere and started again
 * never sends `DevInit.account` twice to a device: a device whose account
 * request left is settled from its own state (DevInit.getStatus, then a sign-in
 * with the password that run sent), never sent it again. Every device that is
 * started ends with exactly one outcome.
 */

export interface InitSecrets {
  password: string;
  /** The reset e-mail the devices register ("" for none). */
  email: string;
}

export interface InitRunOptions {
  targets: InitTarget[];
  journalPath: string;
  gate: CredentialGate;
  clock: Clock;
  runId?: string;
  concurrency?: number;
  timeoutMs?: number;
  /** The proving sign-in's tries while a device's web service restarts, and the wait between them. */
  proveTries?: number;
  retryMs?: number;
  openJournalFile?: OpenJournalFile;
  /** Keeps the NVR's channels for each device in step with the account (nvr-guard.ts); none: the NVR is not looked at. */
  nvr?: NvrGuard;
  onRow?(row: InitRow): void;
  /** Each request's method as it leaves (logs), never its params. */
  onRequest?(key: string, method: string): void;
}

export const INIT_DEFAULTS = { concurrency: 4, timeoutMs: 8000 } as const;

/** Why the secrets cannot be used, before anything is sent; undefined when they can. */
export function initSecretsProblem(s: InitSecrets): string | undefined {
  return initPasswordProblem(s.password) ?? initEmailProblem(s.email);
}

export class InitRun {
  readonly runId: string;
  readonly startedAt: number;
  readonly targets: InitTarget[];
  finishedAt: number | undefined;
  running = false;
  /** The journal could not be written: the run stopped. */
  get journalError(): Error | undefined {
    return this.journal.error;
  }
  /** Rows the prior journal already settled (a resumed run). */
  readonly resumed: boolean;
  private readonly rows = new Map<string, InitRow>();
  /** Devices sent their account in this run (journal and this process): never again. */
  private readonly sent: Set<string>;
  private abort = new AbortController();
  private readonly unsubscribeGate: () => void;

  private constructor(
    private readonly o: InitRunOptions,
    private readonly journal: InitJournal,
    private readonly prior: InitJournalState | undefined,
    runId: string,
    startedAt: number,
  ) {
    this.runId = runId;
    this.startedAt = startedAt;
    this.targets = o.targets;
    this.resumed = prior !== undefined;
    this.sent = new Set(prior?.accountSent);
    for (const t of o.targets) this.rows.set(t.key, prior?.outcomes.get(t.key) ?? pendingRow(t));
    const mine = new Set(o.targets.map((t) => deviceKeyOf(t.url)));
    this.unsubscribeGate = o.gate.onRecord((rec) => {
      if (mine.has(rec.device)) void this.journal.append({ t: 'gate', rec }).catch(() => undefined);
    });
  }

  /**
   * Opens the run: resumes the journal at `journalPath` when it holds an
   * unfinished run over the same devices, refuses one over other devices, else
   * starts a new one (the header is on disk before anything is sent).
   */
  static async create(o: InitRunOptions): Promise<InitRun> {
    const prior = readInitJournal(o.journalPath);
    if (prior?.ended) throw new Error(`The journal ${o.journalPath} holds a finished run; move it aside (or choose another journal) to start a new one.`);
    if (prior && !sameTargets(prior.targets, o.targets)) throw new Error(`The journal ${o.journalPath} belongs to a run over different devices; finish it or move it aside.`);
    if (prior) o.gate.restore(prior.gate);
    const journal = await InitJournal.open(o.journalPath, o.openJournalFile);
    const runId = prior?.runId ?? o.runId ?? `${new Date(o.clock.now()).toISOString().replace(/[:.]/g, '-')}-${randomUUID().slice(0, 8)}`;
    const startedAt = prior?.startedAt ?? o.clock.now();
    if (!prior) {
      // A full disk at the first line: the run never starts, and its file is closed now, not by the garbage collector.
      await journal.append({ t: 'run', v: 1, runId, startedAt, targets: o.targets }).catch(async (err: unknown) => {
        await journal.close().catch(() => undefined);
        throw err;
      });
    }
    return new InitRun(o, journal, prior, runId, startedAt);
  }

  /** Every device without an outcome, `concurrency` at a time; resolves with every row. */
  async run(secrets: InitSecrets): Promise<InitRow[]> {
    const problem = initSecretsProblem(secrets);
    if (problem) throw new Error(problem);
    this.running = true;
    this.finishedAt = undefined;
    this.abort = new AbortController();
    const limit = pLimit(this.o.concurrency ?? INIT_DEFAULTS.concurrency);
    try {
      await Promise.all(this.o.targets.filter((t) => !this.rows.get(t.key)?.outcome).map((t) => limit(() => this.device(t, secrets))));
      if (this.o.targets.every((t) => this.rows.get(t.key)?.outcome) && !this.journal.error) await this.journal.append({ t: 'end', at: this.o.clock.now() }).catch(() => undefined);
    } finally {
      this.running = false;
      this.finishedAt = this.o.clock.now();
    }
    return this.snapshot();
  }

  /** Stops starting devices; those already under way finish (an account in flight is settled). */
  cancel(): boolean {
    if (!this.running) return false;
    this.abort.abort();
    return true;
  }

  snapshot(): InitRow[] {
    return this.o.targets.map((t) => ({ ...this.rows.get(t.key)! }));
  }

  async close(): Promise<void> {
    this.unsubscribeGate();
    await this.journal.close();
  }

  /** One device: skipped when cancelled or the journal failed; settled from the journal and the device when resumed; else the wizard. */
  private async device(t: InitTarget, secrets: InitSecrets): Promise<void> {
    if (this.abort.signal.aborted || this.journal.error) return;
    const o = this.wizardOptions(t, secrets);
    let result: WizardResult & { nextStep?: string };
    try {
      result = await this.resumeOrRun(t, o);
    } catch (err) {
      // The NVR could not be kept from locking the camera: the account was not sent, the device stays factory-fresh.
      if (err instanceof NvrGuardStop) result = { outcome: 'refused', step: 'account', detail: err.message, nextStep: err.nextStep };
      else {
        // The journal failed under the wizard: the device has no outcome in this run; a resume settles it.
        this.update(t, { detail: `Stopped: ${(err as Error).message}` });
        return;
      }
    }
    await this.finish(t, result, await this.nvrAfter(t, result));
  }

  /** Just before the account leaves: the NVR's channels for this device get the new password (or the account is not sent). */
  private async nvrBefore(t: InitTarget): Promise<void> {
    if (!this.o.nvr) return;
    let note: NvrNote;
    try {
      note = await this.o.nvr.before(new URL(t.url).hostname);
    } catch (err) {
      if (err instanceof NvrGuardStop) throw err;
      throw new NvrGuardStop(`Not sent: the app could not read or write the NVR's channels for this camera (${(err as Error).message}), so it could not keep the NVR from locking it.`, 'Sign in to the NVR again, then run again.');
    }
    this.update(t, { detail: STEP_WORDS.account, nvr: note.detail });
  }

  /** Once the outcome is known: what the NVR's channels for this device hold now (a failure to look is said, not hidden). */
  private nvrAfter(t: InitTarget, r: WizardResult): Promise<NvrNote | undefined> {
    if (!this.o.nvr) return Promise.resolve(undefined);
    return this.o.nvr.after(new URL(t.url).hostname, r.outcome === 'initialised').catch((err: unknown) => ({
      kind: 'left-as-was' as const,
      channels: [],
      detail: `its channels for this camera could not be checked after the initialisation (${(err as Error).message}).`,
      nextStep: 'Sign in to the NVR and close the loop for this camera now, before its reconnects with the old password lock it.',
    }));
  }

  private resumeOrRun(t: InitTarget, o: WizardOptions): Promise<WizardResult> {
    const answered = this.prior?.answered.get(t.key);
    if (answered && !answered.taken) {
      const { deviceWords, deviceCode } = answered;
      return Promise.resolve({
        outcome: 'refused', step: 'account', detail: 'The device refused the account (recorded before the run was interrupted).',
        ...(deviceWords ? { deviceWords } : {}), ...(deviceCode !== undefined ? { deviceCode } : {}),
      });
    }
    // Sent earlier in this run (answered or not): the device's own state decides; the account is never sent again.
    if (this.sent.has(t.key)) {
      this.update(t, { step: 'status', resumed: true, detail: 'Checking the device: the interrupted run had sent it the account.' });
      return settleLostAccount(o);
    }
    return initialiseDevice(o, {
      beforeAccount: async () => {
        await this.nvrBefore(t);
        await this.journal.append({ t: 'account-sent', key: t.key, at: this.o.clock.now() });
        this.sent.add(t.key);
      },
      afterAccount: (taken, said) => this.journal.append({ t: 'account-answered', key: t.key, at: this.o.clock.now(), taken, ...said }),
      onStep: (step) => this.update(t, { step, detail: STEP_WORDS[step] }),
    });
  }

  private wizardOptions(t: InitTarget, secrets: InitSecrets): WizardOptions {
    const client = new DevInitClient({ url: t.url, timeoutMs: this.o.timeoutMs ?? INIT_DEFAULTS.timeoutMs, onRequest: (m) => this.o.onRequest?.(t.key, m) });
    return { client, gate: this.o.gate, clock: this.o.clock, password: secrets.password, email: secrets.email, proveTries: this.o.proveTries, retryMs: this.o.retryMs };
  }

  private async finish(t: InitTarget, r: WizardResult & { nextStep?: string }, nvr: NvrNote | undefined): Promise<void> {
    // The NVR's part is what its channels hold now (nvrAfter), not what they were set to before the account left.
    const { nvr: _before, ...started } = this.rows.get(t.key)!;
    const row: InitRow = {
      ...started,
      step: r.step,
      outcome: r.outcome,
      detail: r.detail,
      ...(nvr ? { nvr: nvr.detail } : {}),
      nextStep: nvr?.nextStep ?? r.nextStep ?? INIT_OUTCOMES[r.outcome].nextStep,
      endedAt: this.o.clock.now(),
      ...(r.deviceWords !== undefined ? { deviceWords: r.deviceWords } : {}),
      ...(r.deviceCode !== undefined ? { deviceCode: r.deviceCode } : {}),
      ...(r.agreement ? { agreement: r.agreement } : {}),
      ...(r.access ? { access: r.access } : {}),
    };
    // The outcome is durable before it is shown: a crash now resumes into the same answer.
    await this.journal.append({ t: 'outcome', key: t.key, row }).catch(() => undefined);
    if (this.journal.error) return this.update(t, { detail: `${row.detail} (Not recorded: ${this.journal.error.message})` });
    this.rows.set(t.key, row);
    this.o.onRow?.(row);
  }

  private update(t: InitTarget, patch: Partial<InitRow>): void {
    const row = { ...this.rows.get(t.key)!, ...patch };
    this.rows.set(t.key, row);
    this.o.onRow?.(row);
  }
}

const STEP_WORDS: Record<InitStep, string> = {
  pending: 'Waiting.',
  status: 'Asking the device whether it is initialised.',
  agreement: 'Accepting the user agreement (newer firmware).',
  key: "Reading the device's encryption key.",
  account: 'Sending the admin password and the reset e-mail, sealed.',
  access: 'Switching cloud access and automatic upgrade checks off.',
  'sign-in': 'Signing in with the new password to prove it.',
  done: 'Done.',
};

function pendingRow(t: InitTarget): InitRow {
  return { key: t.key, ...(t.deviceId ? { deviceId: t.deviceId } : {}), step: 'pending', detail: STEP_WORDS.pending };
}

function sameTargets(a: InitTarget[], b: InitTarget[]): boolean {
  const keys = (x: InitTarget[]) => x.map((t) => t.key).sort().join('\n');
  return keys(a) === keys(b);
}

/** A target from a device's web address (http://host:port): the row key is that address. */
export function initTarget(url: string, deviceId?: string): InitTarget {
  return { key: url, url, ...(deviceId ? { deviceId } : {}) };
}
