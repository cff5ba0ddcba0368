import type { InitRow, InitRunState } from '../contract/init';
import { INIT_OUTCOMES } from './outcomes';

/**
 * The init run's report: one row per device with its outcome, the device's own
 * words where it refused, and the next step. No password exists anywhere in a
 * run's state; the reset e-mail appears only masked.
 */

const COLUMNS = ['device', 'deviceId', 'outcome', 'label', 'detail', 'nvr', 'deviceWords', 'deviceCode', 'agreement', 'access', 'nextStep'] as const;

function cells(r: InitRow): Record<(typeof COLUMNS)[number], string> {
  return {
    device: r.key,
    deviceId: r.deviceId ?? '',
    outcome: r.outcome ?? '',
    label: r.outcome ? INIT_OUTCOMES[r.outcome].label : 'Not finished',
    detail: r.detail,
    nvr: r.nvr ?? '',
    deviceWords: r.deviceWords ?? '',
    deviceCode: r.deviceCode === undefined ? '' : String(r.deviceCode),
    agreement: r.agreement ?? '',
    access: r.access ?? '',
    nextStep: r.nextStep ?? '',
  };
}

/** A spreadsheet cell: quoted, and a device's words that start like a formula are defused. */
function csvCell(v: string): string {
  const safe = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return `"${safe.replace(/"/g, '""')}"`;
}

export function initCsv(state: InitRunState): string {
  const lines = [COLUMNS.join(','), ...state.rows.map((r) => COLUMNS.map((c) => csvCell(cells(r)[c])).join(','))];
  return lines.join('\r\n') + '\r\n';
}

export function initJson(state: InitRunState): string {
  return JSON.stringify(
    {
      runId: state.runId,
      startedAt: new Date(state.startedAt).toISOString(),
      ...(state.finishedAt !== undefined ? { finishedAt: new Date(state.finishedAt).toISOString() } : {}),
      ...(state.emailMasked ? { resetEmail: state.emailMasked } : {}),
      devices: state.rows.map(cells),
    },
    null,
    2,
  );
}
