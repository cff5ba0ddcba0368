import { randomUUID } from 'node:crypto';
import { AppError, type CallName, type CallOutput, type ParsedInput } from '../../common/contract';
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
import { CaseBook } from './book';
import { caseAccount, sessionPassword, type Keychain } from '../core/keychain';
import { startNotifier } from './notifier';

type CaseHandlers = Pick<Handlers, Extract<CallName, `cases.${string}`>>;
type In<K extends CallName> = ParsedInput<K>;

/** The one password rule (common/reset/password.ts), in the same words as camera sync and the CLI: the offending character named. */
function refuseByRule(password: string): void {
  const problem = passwordRuleProblem(password);
  if (problem) throw new AppError('bad-request', problem);
}

export interface CasesDeps {
  /** The one keychain of the app, given by the composition root (main/app); tests pass a memory one. */
  keychain: Keychain;
  /** Reminder check interval; tests use cases.checkDeadlines instead. */
  notifyEveryMs?: number;
}

/** Reset cases: the wizard's state in the data folder, the password in the keychain. */
export async function setupCases(ctx: ServiceContext, deps: CasesDeps): Promise<Feature<CaseHandlers>> {
  const book = new CaseBook(ctx, deps.keychain);
  const notifier = startNotifier(ctx, book.store, (c, key, what) => book.save(c, what, { notified: [...c.notified, key] }), deps.notifyEveryMs);

  // One handler per verb, in the order of the wizard: open, the steps on the NVR's screen, the password, the end.
  const handlers: CaseHandlers = {
    'cases.list': () => listCases(book),
    'cases.create': (input) => createCase(book, input),
    'cases.get': ({ caseId }) => book.must(caseId),
    'cases.goto': (input) => gotoStep(book, input),
    'cases.setEmail': (input) => setEmail(book, input),
    'cases.setQrText': (input) => setQrText(book, input),
    'cases.recordSent': (input) => recordSent(book, input),
    'cases.recordCode': (input) => recordCode(book, input),
    'cases.recordAttempt': (input) => recordAttempt(book, input),
    'cases.newQr': (input) => newQr(book, input),
    'cases.setPassword': (input) => setPassword(book, input),
    'cases.rememberPassword': (input) => rememberPassword(book, input),
    'cases.revealPassword': (input) => revealPassword(book, input),
    'cases.recordSync': (input) => recordSync(book, input),
    'cases.abandon': (input) => abandon(book, input),
    'cases.reopen': (input) => reopen(book, input),
    'cases.summary': ({ caseId }) => ({ text: caseSummary(book.must(caseId), book.now()) }),
    'cases.checkDeadlines': () => ({ fired: notifier.check() }),
  };

  return {
    handlers,
    start() {
      for (const p of book.store.problems) ctx.events.emit('app.notice', { level: 'error', message: p.message, at: p.at });
      notifier.check();
    },
    dispose: () => notifier.stop(),
  };
}

async function listCases(book: CaseBook): Promise<CallOutput<'cases.list'>> {
  // Probe first: the snapshot of cases must be as fresh as the answer.
  const keychainState = await book.keychainState();
  const kind = !keychainState.available ? 'none' : book.ctx.options.embeddedSim ? 'demo' : 'os';
  return { cases: book.store.list(), now: book.now(), storeProblems: book.store.problems, keychain: { ...keychainState, kind } };
}

function createCase(book: CaseBook, { nvr, anyway }: In<'cases.create'>): ResetCase {
  if (!anyway) refuseDuplicate(book.store.list(), nvr);
  const at = book.now();
  const c = book.store.put(
    ResetCase.parse({ id: `case-${randomUUID()}`, createdAt: at, updatedAt: at, nvr, step: 'forgot', history: [{ at, what: 'case opened' }] }),
  );
  book.ctx.events.emit('cases.changed', { case: c });
  book.log.info('case opened', { caseId: c.id });
  return c;
}

function gotoStep(book: CaseBook, { caseId, step }: In<'cases.goto'>): ResetCase {
  const c = book.open(caseId);
  if (!reachable(c, step)) throw new AppError('conflict', `The step “${step}” needs the earlier steps first.`);
  return book.save(c, `went to step ${step}`, { step });
}

function setEmail(book: CaseBook, { caseId, email }: In<'cases.setEmail'>): ResetCase {
  const c = book.open(caseId);
  const r = checkEmail(email);
  if (!r.ok) throw new AppError('bad-request', r.message);
  return book.save(c, 'registered email entered', { email: r.email, step: 'qr' });
}

function setQrText(book: CaseBook, { caseId, qrText, source }: In<'cases.setQrText'>): ResetCase {
  const c = book.open(caseId);
  const r = checkQrText(qrText);
  if (!r.ok) throw new AppError('bad-request', r.message);
  // A different text means the NVR generated a new QR code: its two-codes budget starts again.
  const fresh = r.text !== c.qrText;
  return book.save(c, `QR text captured (${source})`, {
    qrText: r.text,
    qrCapturedAt: book.now(),
    qrNumber: fresh ? c.qrNumber + 1 : c.qrNumber,
    codesForQr: fresh ? 0 : c.codesForQr,
    step: 'send',
  });
}

function recordSent(book: CaseBook, { caseId, via }: In<'cases.recordSent'>): ResetCase {
  const c = book.open(caseId);
  if (!c.qrText) throw new AppError('conflict', 'Capture the QR text first.');
  return book.save(c, `sent to support (${via})`, { sentAt: book.now(), sentVia: via, step: 'code' });
}

function recordCode(book: CaseBook, { caseId, code }: In<'cases.recordCode'>): ResetCase {
  const c = book.open(caseId);
  const r = checkSecurityCode(code);
  if (r.ok) book.ctx.secrets.add(r.code);
  book.ctx.secrets.add(code.trim());
  if (!r.ok) throw new AppError('bad-request', r.message);
  if (!c.sentAt) throw new AppError('conflict', 'Record sending the QR text to support first.');
  return book.save(c, 'security code received', { codeReceivedAt: book.now(), codesForQr: c.codesForQr + 1, step: 'code' });
}

function recordAttempt(book: CaseBook, { caseId, result }: In<'cases.recordAttempt'>): ResetCase {
  const c = book.open(caseId);
  const s = caseStatus(c, book.now());
  if (c.codeReceivedAt === undefined) throw new AppError('conflict', 'Record the security code’s arrival first.');
  if (s.codeExpired) throw new AppError('conflict', 'The security code has expired. Generate a new QR code on the NVR.');
  if (s.lockedUntil !== undefined && result === 'wrong') {
    throw new AppError('conflict', 'Code entry on the NVR is locked; wait for the lock to end before trying again.');
  }
  const attempts = [...c.attempts, { at: book.now(), result }];
  return book.save(c, result === 'accepted' ? 'NVR accepted the security code' : 'NVR rejected a security code entry', {
    attempts,
    step: result === 'accepted' ? 'password' : 'code',
  });
}

function newQr(book: CaseBook, { caseId }: In<'cases.newQr'>): ResetCase {
  const c = book.open(caseId);
  return book.save(c, 'starting over with a new QR code', {
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
}

async function setPassword(book: CaseBook, { caseId, password }: In<'cases.setPassword'>): Promise<ResetCase> {
  book.ctx.secrets.add(password);
  const c = book.open(caseId);
  refuseByRule(password);
  if (!c.attempts.some((a) => a.result === 'accepted')) throw new AppError('conflict', 'The NVR must accept the security code first.');
  const kept = await book.keep(caseId, password);
  const what = kept === 'keychain' ? 'new password stored in the keychain' : 'new password kept in memory for this session only (OS keychain unavailable)';
  return book.save(c, what, { passwordSetAt: book.now(), passwordInKeychain: kept === 'keychain', passwordKept: kept, step: 'sync' });
}

async function rememberPassword(book: CaseBook, { caseId, password }: In<'cases.rememberPassword'>): Promise<ResetCase> {
  book.ctx.secrets.add(password);
  const c = book.must(caseId);
  if (!c.passwordSetAt) throw new AppError('conflict', 'This case has no new password yet: set it on the New password step.');
  refuseByRule(password);
  const kept = await book.keep(caseId, password);
  return book.save(c, kept === 'keychain' ? 'new password typed again and stored in the keychain' : 'new password typed again, kept in memory for this session only', {
    passwordInKeychain: kept === 'keychain',
    passwordKept: kept,
  });
}

/** The new password for the hand-over: this session's memory first, else the keychain; a gone password says how to get it back. */
async function revealPassword(book: CaseBook, { caseId }: In<'cases.revealPassword'>): Promise<{ password: string }> {
  const c = book.must(caseId);
  const kept = sessionPassword(caseAccount(caseId));
  if (kept !== undefined) {
    book.log.info('password revealed for hand-over (session memory)', { caseId });
    return { password: kept };
  }
  if (c.passwordKept === 'session-memory') {
    throw new AppError('not-found', 'This password was kept in memory only (no OS keychain) and is gone since the app restarted: use the copy written down at the time, and type it again to keep it for the hand-over.', { retype: true });
  }
  if (!c.passwordInKeychain) throw new AppError('not-found', 'No password was stored for this case.');
  const pw = await readKeychain(book.keychain, caseId);
  if (pw === null) {
    const why = book.ctx.options.embeddedSim ? 'the demo’s throwaway keychain ends with the demo' : 'it was removed outside the app';
    throw new AppError('not-found', `The keychain no longer holds this password (${why}). Type the new password again to keep it for the hand-over.`, { retype: true });
  }
  book.ctx.secrets.add(pw);
  book.log.info('password revealed for hand-over', { caseId });
  return { password: pw };
}

async function readKeychain(keychain: Keychain, caseId: string): Promise<string | null> {
  try {
    return await keychain.get(caseAccount(caseId));
  } catch (e) {
    throw new AppError('unavailable', e instanceof Error ? e.message : 'The OS keychain is not available.');
  }
}

function recordSync(book: CaseBook, { caseId, choice }: In<'cases.recordSync'>): ResetCase {
  const c = book.open(caseId);
  if (!c.passwordSetAt) throw new AppError('conflict', 'Set the new password first.');
  const at = book.now();
  return book.save(c, `NVR sync prompt answered: ${choice}`, { syncChoice: choice, syncChoiceAt: at, step: 'done', doneAt: at, outcome: 'reset' });
}

function abandon(book: CaseBook, { caseId }: In<'cases.abandon'>): ResetCase {
  const c = book.open(caseId);
  return book.save(c, 'case closed without a reset', { step: 'done', doneAt: book.now(), outcome: 'abandoned', closedFromStep: c.step });
}

function reopen(book: CaseBook, { caseId }: In<'cases.reopen'>): ResetCase {
  const c = book.must(caseId);
  if (c.outcome !== 'abandoned') throw new AppError('conflict', c.step === 'done' ? 'This case ended with a reset; it cannot be reopened.' : 'This case is open.');
  refuseDuplicate(book.store.list().filter((x) => x.id !== c.id), c.nvr);
  return book.save(c, 'case reopened', { step: c.closedFromStep ?? 'forgot', doneAt: undefined, outcome: undefined, closedFromStep: undefined });
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
