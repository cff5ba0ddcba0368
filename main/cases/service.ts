import { randomUUID } from 'node:crypto';
import { AppError, type CallName } from '../../common/contract';
import { ResetCase, STEP_TITLES, STEPS, type Step } from '../../common/reset/case';
import { caseStatus } from '../../common/reset/deadlines';
import { checkEmail } from '../../common/reset/email';
import { passwordRuleProblem } from '../../common/reset/password';
import { sameNvr } from '../../common/reset/identity';
import { checkQrText } from '../../common/reset/qr-text';
import { checkSecurityCode } from '../../common/reset/security-code';
import { caseSummary } from '../../common/reset/summary';
import type { Feature, ServiceContext } from '../core/context';
import type { Handlers } from '../core/dispatch';
import { caseAccount, createKeytarKeychain, keepForSession, KeychainUnavailable, sessionPassword, type Keychain } from './keychain';
import { startNotifier } from './notifier';
import { CaseStore } from './store';

type CaseHandlers = Pick<Handlers, Extract<CallName, `cases.${string}`>>;

/** The one password rule (common/reset/password.ts), in the same words as camera sync and the CLI: the offending character named. */
function refuseByRule(password: string): void {
  const problem = passwordRuleProblem(password);
  if (problem) throw new AppError('bad-request', problem);
}

export interface CasesDeps {
  keychain?: Keychain;
  /** Reminder check interval; tests use cases.checkDeadlines instead. */
  notifyEveryMs?: number;
}


/** Reset cases: the wizard's state in the data folder, the password in the keychain. */
export async function setupCases(ctx: ServiceContext, deps: CasesDeps = {}): Promise<Feature<CaseHandlers>> {
  const log = ctx.log.child('cases');
  const now = () => ctx.clock.now();
  const store = new CaseStore(ctx.dataDir, now);
  const keychain = deps.keychain ?? createKeytarKeychain();
  for (const p of store.problems) {
    log.error('case file problem', { message: p.message, movedTo: p.movedTo });
  }

  // The probe writes a throw-away item; once a minute is plenty for a banner.
  let probed: { at: number; value: Promise<{ available: boolean; message?: string }> } | undefined;
  const probeCached = () => {
    if (!probed || Date.now() - probed.at > 60_000) probed = { at: Date.now(), value: keychain.probe() };
    return probed.value;
  };

  const must = (id: string): ResetCase => {
    const c = store.get(id);
    if (!c) throw new AppError('not-found', 'This reset case does not exist (any more).');
    return c;
  };
  const save = (c: ResetCase, what: string, patch: Partial<ResetCase>): ResetCase => {
    const at = now();
    const next = store.put({ ...c, ...patch, updatedAt: at, history: [...c.history, { at, what }].slice(-200) });
    log.info('case updated', { caseId: c.id, step: next.step, what });
    ctx.events.emit('cases.changed', { case: next });
    return next;
  };
  const open = (id: string): ResetCase => {
    const c = must(id);
    if (c.step === 'done') throw new AppError('conflict', 'This case is closed.');
    return c;
  };

  /** The keychain, else (no dead end: the NVR already has this password) this session's memory, which camera sync reads too. */
  const keep = async (caseId: string, password: string): Promise<'keychain' | 'session-memory'> => {
    try {
      await keychain.set(caseAccount(caseId), password);
      return 'keychain';
    } catch (e) {
      const why = e instanceof KeychainUnavailable ? e.message : 'The OS keychain refused to store the password.';
      log.warn('keychain write failed; password kept in memory for this session only', { caseId, why });
      keepForSession(caseAccount(caseId), password);
      return 'session-memory';
    }
  };

  const notifier = startNotifier(ctx, store, (c, key, what) => save(c, what, { notified: [...c.notified, key] }), deps.notifyEveryMs);

  const handlers: CaseHandlers = {
    'cases.list': async () => {
      // Probe first: the snapshot of cases must be as fresh as the answer.
      const keychainState = await probeCached();
      const kind = !keychainState.available ? 'none' : ctx.options.embeddedSim ? 'demo' : 'os';
      return { cases: store.list(), now: now(), storeProblems: store.problems, keychain: { ...keychainState, kind } };
    },
    'cases.create': ({ nvr, anyway }) => {
      if (!anyway) refuseDuplicate(store.list(), nvr);
      const at = now();
      const c = store.put(
        ResetCase.parse({ id: `case-${randomUUID()}`, createdAt: at, updatedAt: at, nvr, step: 'forgot', history: [{ at, what: 'case opened' }] }),
      );
      ctx.events.emit('cases.changed', { case: c });
      log.info('case opened', { caseId: c.id });
      return c;
    },
    'cases.get': ({ caseId }) => must(caseId),
    'cases.goto': ({ caseId, step }) => {
      const c = open(caseId);
      if (!reachable(c, step)) throw new AppError('conflict', `The step “${step}” needs the earlier steps first.`);
      return save(c, `went to step ${step}`, { step });
    },
    'cases.setEmail': ({ caseId, email }) => {
      const c = open(caseId);
      const r = checkEmail(email);
      if (!r.ok) throw new AppError('bad-request', r.message);
      return save(c, 'registered email entered', { email: r.email, step: 'qr' });
    },
    'cases.setQrText': ({ caseId, qrText, source }) => {
      const c = open(caseId);
      const r = checkQrText(qrText);
      if (!r.ok) throw new AppError('bad-request', r.message);
      // A different text means the NVR generated a new QR code: its two-codes budget starts again.
      const fresh = r.text !== c.qrText;
      return save(c, `QR text captured (${source})`, {
        qrText: r.text,
        qrCapturedAt: now(),
        qrNumber: fresh ? c.qrNumber + 1 : c.qrNumber,
        codesForQr: fresh ? 0 : c.codesForQr,
        step: 'send',
      });
    },
    'cases.recordSent': ({ caseId, via }) => {
      const c = open(caseId);
      if (!c.qrText) throw new AppError('conflict', 'Capture the QR text first.');
      return save(c, `sent to support (${via})`, { sentAt: now(), sentVia: via, step: 'code' });
    },
    'cases.recordCode': ({ caseId, code }) => {
      const c = open(caseId);
      const r = checkSecurityCode(code);
      if (r.ok) ctx.secrets.add(r.code);
      ctx.secrets.add(code.trim());
      if (!r.ok) throw new AppError('bad-request', r.message);
      if (!c.sentAt) throw new AppError('conflict', 'Record sending the QR text to support first.');
      return save(c, 'security code received', { codeReceivedAt: now(), codesForQr: c.codesForQr + 1, step: 'code' });
    },
    'cases.recordAttempt': ({ caseId, result }) => {
      const c = open(caseId);
      const s = caseStatus(c, now());
      if (c.codeReceivedAt === undefined) throw new AppError('conflict', 'Record the security code’s arrival first.');
      if (s.codeExpired) throw new AppError('conflict', 'The security code has expired. Generate a new QR code on the NVR.');
      if (s.lockedUntil !== undefined && result === 'wrong') {
        throw new AppError('conflict', 'Code entry on the NVR is locked; wait for the lock to end before trying again.');
      }
      const attempts = [...c.attempts, { at: now(), result }];
      return save(c, result === 'accepted' ? 'NVR accepted the security code' : 'NVR rejected a security code entry', {
        attempts,
        step: result === 'accepted' ? 'password' : 'code',
      });
    },
    'cases.newQr': ({ caseId }) => {
      const c = open(caseId);
      return save(c, 'starting over with a new QR code', {
        qrText: undefined,
        qrCapturedAt: undefined,
        sentAt: undefined,
        sentVia: undefined,
        codeReceivedAt: undefined,
        codesForQr: 0,
        attempts: c.attempts,
        qrNumber: c.qrNumber,
        step: 'qr',
      });
    },
    'cases.setPassword': async ({ caseId, password }) => {
      ctx.secrets.add(password);
      const c = open(caseId);
      refuseByRule(password);
      if (!c.attempts.some((a) => a.result === 'accepted')) throw new AppError('conflict', 'The NVR must accept the security code first.');
      const kept = await keep(caseId, password);
      const what = kept === 'keychain' ? 'new password stored in the keychain' : 'new password kept in memory for this session only (OS keychain unavailable)';
      return save(c, what, { passwordSetAt: now(), passwordInKeychain: kept === 'keychain', passwordKept: kept, step: 'sync' });
    },
    'cases.rememberPassword': async ({ caseId, password }) => {
      ctx.secrets.add(password);
      const c = must(caseId);
      if (!c.passwordSetAt) throw new AppError('conflict', 'This case has no new password yet: set it on the New password step.');
      refuseByRule(password);
      const kept = await keep(caseId, password);
      return save(c, kept === 'keychain' ? 'new password typed again and stored in the keychain' : 'new password typed again, kept in memory for this session only', {
        passwordInKeychain: kept === 'keychain',
        passwordKept: kept,
      });
    },
    'cases.revealPassword': async ({ caseId }) => {
      const c = must(caseId);
      const kept = sessionPassword(caseAccount(caseId));
      if (kept !== undefined) {
        log.info('password revealed for hand-over (session memory)', { caseId });
        return { password: kept };
      }
      if (c.passwordKept === 'session-memory') {
        throw new AppError('not-found', 'This password was kept in memory only (no OS keychain) and is gone since the app restarted: use the copy written down at the time, and type it again to keep it for the hand-over.', { retype: true });
      }
      if (!c.passwordInKeychain) throw new AppError('not-found', 'No password was stored for this case.');
      let pw: string | null;
      try {
        pw = await keychain.get(caseAccount(caseId));
      } catch (e) {
        throw new AppError('unavailable', e instanceof Error ? e.message : 'The OS keychain is not available.');
      }
      if (pw === null) {
        const why = ctx.options.embeddedSim ? 'the demo’s throwaway keychain ends with the demo' : 'it was removed outside the app';
        throw new AppError('not-found', `The keychain no longer holds this password (${why}). Type the new password again to keep it for the hand-over.`, { retype: true });
      }
      ctx.secrets.add(pw);
      log.info('password revealed for hand-over', { caseId });
      return { password: pw };
    },
    'cases.recordSync': ({ caseId, choice }) => {
      const c = open(caseId);
      if (!c.passwordSetAt) throw new AppError('conflict', 'Set the new password first.');
      const at = now();
      return save(c, `NVR sync prompt answered: ${choice}`, { syncChoice: choice, syncChoiceAt: at, step: 'done', doneAt: at, outcome: 'reset' });
    },
    'cases.abandon': ({ caseId }) => {
      const c = open(caseId);
      return save(c, 'case closed without a reset', { step: 'done', doneAt: now(), outcome: 'abandoned', closedFromStep: c.step });
    },
    'cases.reopen': ({ caseId }) => {
      const c = must(caseId);
      if (c.outcome !== 'abandoned') throw new AppError('conflict', c.step === 'done' ? 'This case ended with a reset; it cannot be reopened.' : 'This case is open.');
      refuseDuplicate(store.list().filter((x) => x.id !== c.id), c.nvr);
      return save(c, 'case reopened', { step: c.closedFromStep ?? 'forgot', doneAt: undefined, outcome: undefined, closedFromStep: undefined });
    },
    'cases.summary': ({ caseId }) => ({ text: caseSummary(must(caseId), now()) }),
    'cases.checkDeadlines': () => ({ fired: notifier.check() }),
  };

  return {
    handlers,
    start() {
      for (const p of store.problems) ctx.events.emit('app.notice', { level: 'error', message: p.message, at: p.at });
      notifier.check();
    },
    dispose: () => notifier.stop(),
  };
}

/** One NVR, one open case, unless the technician said otherwise: a second request can use up the NVR's codes. */
function refuseDuplicate(cases: ResetCase[], nvr: ResetCase['nvr']): void {
  const open = cases.find((c) => c.step !== 'done' && sameNvr(c.nvr, nvr));
  if (open) {
    throw new AppError('conflict', `A case for this NVR is already open (at “${STEP_TITLES[open.step]}”).`, { duplicateCaseId: open.id, step: open.step });
  }
}

/** Back is always allowed; forward only as far as the recorded data reaches. */
function reachable(c: ResetCase, step: Step): boolean {
  const target = STEPS.indexOf(step);
  if (target <= STEPS.indexOf(c.step)) return true;
  const furthest = c.passwordSetAt
    ? 'sync'
    : c.attempts.some((a) => a.result === 'accepted')
      ? 'password'
      : c.sentAt
        ? 'code'
        : c.qrText
          ? 'send'
          : c.email
            ? 'qr'
            : 'email';
  return target <= STEPS.indexOf(furthest);
}
