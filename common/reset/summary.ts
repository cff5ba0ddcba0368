import { localTime } from '../sync/report';
import { STEP_TITLES, type ResetCase } from './case';
import { nvrDisplayName } from './label';

/**
 * The text the technician pastes into the service ticket. Times and outcome
 * only: the password and the security code are never part of a case, so they
 * cannot appear here.
 */
export function caseSummary(c: ResetCase, now: number, timeZone?: string): string {
  // The technician's local time with its zone: a ticket read on site must not need a UTC conversion.
  const t = (ms: number | undefined) => (ms === undefined ? '—' : localTime(ms, timeZone));
  const wrong = c.attempts.filter((a) => a.result === 'wrong').length;
  const accepted = c.attempts.find((a) => a.result === 'accepted');
  const nvr = nvrDisplayName(c.nvr);
  const lines = [
    `NVR password reset — ${nvr}`,
    `Case ${c.id}, opened ${t(c.createdAt)}`,
    `Registered email: ${c.email ?? '—'}`,
    `QR codes generated: ${Math.max(c.qrNumber, c.qrText ? 1 : 0)}`,
    `Sent to support: ${t(c.sentAt)}${c.sentVia ? ` (${c.sentVia})` : ''}`,
    `Security code received: ${t(c.codeReceivedAt)}`,
    `Code entries on the NVR: ${wrong} wrong${accepted ? `, accepted ${t(accepted.at)}` : ''}`,
    `New password set: ${
      c.passwordSetAt
        ? c.passwordKept === 'session-memory'
          ? `${t(c.passwordSetAt)} (not stored: the OS keychain was unavailable; kept in the app's memory for that session only — the technician wrote it down)`
          : `${t(c.passwordSetAt)} (kept in the OS keychain, not in this summary)`
        : '—'
    }`,
    `NVR sync prompt: ${c.syncChoice === 'save' ? 'Save (NVR pushed the password to cameras it added by its own protocol)' : c.syncChoice === 'cancel' ? 'Cancel (no NVR sync)' : '—'}`,
    c.outcome === 'reset'
      ? c.passwordKept === 'session-memory'
        ? `Outcome: reset done, password not stored ${t(c.doneAt)}`
        : `Outcome: password reset completed ${t(c.doneAt)}`
      : c.outcome === 'abandoned'
        ? `Outcome: abandoned ${t(c.doneAt)}`
        : `Outcome: open, at step “${STEP_TITLES[c.step]}” (as of ${t(now)})`,
  ];
  return lines.join('\n');
}
