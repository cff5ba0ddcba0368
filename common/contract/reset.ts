import { z } from 'zod';
import { call, event } from './define';
import { NvrRef, ResetCase, SendVia, Step } from '../reset/case';

// Reset cases and the wizard. Owned by the reset-wizard feature (issue 4).
// No verb returns the security code; only cases.revealPassword returns the
// password, read from the OS keychain for the hand-over.

const CaseId = z.string().regex(/^[a-z0-9-]{6,64}$/);
const ById = z.object({ caseId: CaseId });

export const KeychainKind = z.enum(['os', 'demo', 'none']);
export type KeychainKind = z.infer<typeof KeychainKind>;

/** Problems loading the case file (moved aside), shown as a banner until the app restarts. */
export const StoreProblem = z.object({ message: z.string(), movedTo: z.string().optional(), at: z.number() });
export type StoreProblem = z.infer<typeof StoreProblem>;

export const CaseList = z.object({
  cases: z.array(ResetCase),
  /** Main's clock when the list was made (countdowns tick from here). */
  now: z.number(),
  storeProblems: z.array(StoreProblem),
  keychain: z.object({
    available: z.boolean(),
    message: z.string().optional(),
    /**
     * Where a new password goes, said truthfully on screen: the OS keychain, the demo's keychain (a throwaway one
     * when none was running, removed when the demo ends), or none (this session's memory only).
     */
    kind: KeychainKind.optional(),
  }),
});

export const resetCalls = {
  'cases.list': call(z.void(), CaseList, 'Every reset case (open first), main’s clock and any store problems.'),
  'cases.create': call(
    z.object({ nvr: NvrRef, /** The technician saw the open case for this NVR and wants a second one anyway. */ anyway: z.boolean().optional() }),
    ResetCase,
    'Opens a reset case for one NVR (from the inventory or typed in). An open case for the same NVR (by serial, MAC, UUID, row or address) fails with conflict and params.duplicateCaseId unless anyway is set.',
  ),
  'cases.get': call(ById, ResetCase, 'One case.'),
  'cases.goto': call(
    z.object({ caseId: CaseId, step: Step }),
    ResetCase,
    'Moves the wizard to a step (back, or forward to a step whose data is complete).',
  ),
  'cases.setEmail': call(
    z.object({ caseId: CaseId, email: z.string().max(4096) }),
    ResetCase,
    'Records the registered email (validated; header-injection characters refused) and moves to the QR step.',
  ),
  'cases.setQrText': call(
    z.object({ caseId: CaseId, qrText: z.string().max(8 * 1024 * 1024), source: z.enum(['image', 'webcam', 'paste']) }),
    ResetCase,
    'Records the QR text exactly as scanned (validated) and moves to the send step.',
  ),
  'cases.recordSent': call(
    z.object({ caseId: CaseId, via: SendVia }),
    ResetCase,
    'The message went to support: starts the 24 h delivery window, moves to the code step.',
  ),
  'cases.recordCode': call(
    z.object({ caseId: CaseId, code: z.string().max(4096) }),
    ResetCase,
    'A security code arrived: checks its shape and starts its 24 h validity. The code itself is not stored.',
  ),
  'cases.recordAttempt': call(
    z.object({ caseId: CaseId, result: z.enum(['wrong', 'accepted']) }),
    ResetCase,
    'What the NVR said to the code entered on it; accepted moves to the new-password step.',
  ),
  'cases.newQr': call(ById, ResetCase, 'Starts over from a new QR code (expired code, third request, no reply).'),
  'cases.setPassword': call(
    z.object({ caseId: CaseId, password: z.string().max(4096) }),
    ResetCase,
    'Checks the NVR rule and stores the password in the OS keychain only; moves to the sync prompt.',
  ),
  'cases.revealPassword': call(ById, z.object({ password: z.string() }), 'Reads the password back from the keychain for the hand-over.'),
  'cases.recordSync': call(
    z.object({ caseId: CaseId, choice: z.enum(['save', 'cancel']) }),
    ResetCase,
    'The technician’s answer on the NVR’s sync prompt; closes the reset (done).',
  ),
  'cases.abandon': call(ById, ResetCase, 'Closes a case without a reset (the renderer asks first; cases.reopen undoes it).'),
  'cases.reopen': call(ById, ResetCase, 'Reopens a case closed without a reset, at the step it was closed from. Refused while another case for the same NVR is open.'),
  'cases.rememberPassword': call(
    z.object({ caseId: CaseId, password: z.string().max(4096) }),
    ResetCase,
    'The keychain no longer holds a reset case’s password (a throwaway keychain ended, or it was removed): the technician types it again and it is kept for the hand-over (keychain, else this session’s memory).',
  ),
  'cases.summary': call(ById, z.object({ text: z.string() }), 'Summary for the service ticket: times and outcome, no secrets.'),
  'cases.checkDeadlines': call(z.void(), z.object({ fired: z.number() }), 'Runs the deadline reminders now (they also run every minute).'),
} as const;

export const resetEvents = {
  'cases.changed': event(z.object({ case: ResetCase }), 'A case was created or changed.'),
} as const;
