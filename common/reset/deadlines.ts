import {
  CODE_ENTRY_LIMIT,
  CODE_LOCK_MS,
  CODE_VALIDITY_MS,
  CODES_PER_QR,
  DELIVERY_WINDOW_MS,
  WARN_BEFORE_MS,
  type ResetCase,
} from './case';

/**
 * Everything time-dependent about a case, computed from one `now` (main's
 * clock, or the renderer's copy of it), so the UI, the notifier and the
 * summary agree.
 */
export interface CaseStatus {
  deliveryDeadline?: number;
  deliveryOverdue: boolean;
  codeExpiresAt?: number;
  codeExpired: boolean;
  /** Wrong entries since the last lock or accepted code. */
  wrongInRow: number;
  attemptsLeftBeforeLock: number;
  lockedUntil?: number;
  codesLeftForQr: number;
  /** The nearest deadline still ahead (for the case list). */
  nextDeadline?: { at: number; what: string };
  warnings: string[];
}

export function caseStatus(c: ResetCase, now: number): CaseStatus {
  const warnings: string[] = [];
  const waitingForCode = c.sentAt !== undefined && c.codeReceivedAt === undefined;
  const deliveryDeadline = c.sentAt !== undefined ? c.sentAt + DELIVERY_WINDOW_MS : undefined;
  const deliveryOverdue = waitingForCode && deliveryDeadline !== undefined && now > deliveryDeadline;
  const codeExpiresAt = c.codeReceivedAt !== undefined ? c.codeReceivedAt + CODE_VALIDITY_MS : undefined;
  const codeExpired = codeExpiresAt !== undefined && c.passwordSetAt === undefined && now >= codeExpiresAt;

  let wrongInRow = 0;
  let lockedUntil: number | undefined;
  for (const a of c.attempts) {
    if (a.result === 'accepted') wrongInRow = 0;
    else if (++wrongInRow >= CODE_ENTRY_LIMIT) {
      lockedUntil = a.at + CODE_LOCK_MS;
      wrongInRow = 0;
    }
  }
  if (lockedUntil !== undefined && lockedUntil <= now) lockedUntil = undefined;
  const attemptsLeftBeforeLock = CODE_ENTRY_LIMIT - wrongInRow;
  const codesLeftForQr = Math.max(0, CODES_PER_QR - c.codesForQr);

  if (deliveryOverdue) warnings.push('No reply within 24 h: check spam/junk, then send the QR text again or generate a new QR code.');
  if (codeExpired) warnings.push('The security code has expired (valid 24 h). Generate a new QR code on the NVR.');
  if (lockedUntil !== undefined) warnings.push('The NVR has locked code entry after 5 wrong codes. Wait until the lock ends.');
  else if (c.codeReceivedAt !== undefined && c.passwordSetAt === undefined && wrongInRow > 0) {
    warnings.push(`${attemptsLeftBeforeLock} wrong ${attemptsLeftBeforeLock === 1 ? 'entry' : 'entries'} left before the NVR locks code entry for about 5 minutes.`);
  }
  if (c.codesForQr >= CODES_PER_QR && c.passwordSetAt === undefined) {
    warnings.push('This QR code has produced its two codes; a further request fails. Use the code you have or generate a new QR code.');
  }

  const ahead: { at: number; what: string }[] = [];
  if (waitingForCode && deliveryDeadline !== undefined && deliveryDeadline > now) ahead.push({ at: deliveryDeadline, what: 'reply from support due' });
  const accepted = c.attempts.some((a) => a.result === 'accepted' && c.codeReceivedAt !== undefined && a.at >= c.codeReceivedAt);
  if (codeExpiresAt !== undefined && !codeExpired && !accepted && c.passwordSetAt === undefined) ahead.push({ at: codeExpiresAt, what: 'security code expires' });
  if (lockedUntil !== undefined) ahead.push({ at: lockedUntil, what: 'code entry unlocks' });
  ahead.sort((a, b) => a.at - b.at);

  return {
    deliveryDeadline,
    deliveryOverdue,
    codeExpiresAt,
    codeExpired,
    wrongInRow,
    attemptsLeftBeforeLock,
    lockedUntil,
    codesLeftForQr,
    nextDeadline: ahead[0],
    warnings,
  };
}

/** Reminders due now: each key is fired once per case (the case remembers it). */
export function dueReminders(c: ResetCase, now: number): { key: string; title: string; body: string }[] {
  if (c.step === 'done') return [];
  const out: { key: string; title: string; body: string }[] = [];
  const s = caseStatus(c, now);
  const name = c.nvr.label;
  if (s.deliveryDeadline !== undefined && c.codeReceivedAt === undefined && now >= s.deliveryDeadline - WARN_BEFORE_MS) {
    out.push({
      key: `delivery:${c.sentAt}`,
      title: `${name}: reply from support due soon`,
      body: 'Support replies within 24 h. Check the spam/junk folder of the registered email and add support to the contacts.',
    });
  }
  if (s.codeExpiresAt !== undefined && c.passwordSetAt === undefined && now >= s.codeExpiresAt - WARN_BEFORE_MS) {
    out.push({
      key: `code:${c.codeReceivedAt}`,
      title: s.codeExpired ? `${name}: security code expired` : `${name}: security code expires soon`,
      body: s.codeExpired ? 'Generate a new QR code on the NVR and send it again.' : 'Enter the code on the NVR before it expires (valid 24 h).',
    });
  }
  return out.filter((r) => !c.notified.includes(r.key));
}

export function formatRemaining(ms: number): string {
  if (ms <= 0) return 'expired';
  // Rounded down: a fresh 24 h code reads "23 h 59 min", never more than it has.
  const totalMin = Math.floor(ms / 60_000);
  if (totalMin === 0) return 'less than a minute';
  const h = Math.floor(totalMin / 60);
  const m = totalMin % 60;
  return h > 0 ? `${h} h ${String(m).padStart(2, '0')} min` : `${m} min`;
}
