import { z } from 'zod';
import { OUTCOMES, SyncOutcome } from './outcomes';
import { CHANNEL_OUTCOMES, siteSummary, type ChannelOutcome } from '../nvr/channel-outcomes';

/** Where a device is in its pipeline (shown live while the run goes on). */
export const SyncStep = z.enum(['queued', 'reach', 'authenticate', 'users', 'set-user', 'verify', 'waiting', 'done']);
export type SyncStep = z.infer<typeof SyncStep>;

/**
 * One device's line in the run: the same row feeds the live view, the journal,
 * the CLI output and every report. It never carries a password.
 */
export const SyncRow = z.object({
  /** `${xaddr} ${username}`: one row per account on a device. */
  key: z.string(),
  deviceId: z.string().optional(),
  xaddr: z.string(),
  username: z.string(),
  step: SyncStep,
  outcome: SyncOutcome.optional(),
  /** Device fault subcode for `rejected` (PasswordTooWeak…), or the client's error detail code. */
  subcode: z.string().optional(),
  /** What happened on this device, in words (no secrets). */
  detail: z.string(),
  nextStep: z.string(),
  /** Credentialed sign-in attempts made on this device in this run (verification included). */
  attempts: z.number().int(),
  /** Sign-ins the device rejected in this run: never above the budget. */
  failedAuths: z.number().int(),
  /** Wall time spent on this device in this run. */
  ms: z.number(),
  /** App-clock time the device said it unlocks (countdown in the UI). */
  unlockAt: z.number().optional(),
  userLevel: z.string().optional(),
  /** The camera's Administrator account that set this account's password (ONVIF lets only an Administrator). Never a password. */
  via: z.string().max(64).optional(),
  /** Which password signed in: its 1-based position in the technician's list, 0 for the new password (never the password). */
  candidate: z.number().int().min(0).max(10).optional(),
  /** Signed in with a password given for this account alone (e.g. the one the NVR stores): its 1-based position there. */
  known: z.number().int().min(1).max(10).optional(),
  finishedAt: z.number().optional(),
});
export type SyncRow = z.infer<typeof SyncRow>;

export function rowKey(xaddr: string, username: string): string {
  return `${xaddr} ${username}`;
}

export const ReportFormat = z.enum(['csv', 'json', 'html', 'pdf']);
export type ReportFormat = z.infer<typeof ReportFormat>;

/** The CLI's and the JSON report's row: stable field names, no internal state. */
export function publicRow(r: SyncRow) {
  return {
    xaddr: r.xaddr,
    username: r.username,
    deviceId: r.deviceId ?? null,
    outcome: r.outcome ?? 'cancelled',
    subcode: r.subcode ?? null,
    detail: r.detail,
    nextStep: r.nextStep,
    attempts: r.attempts,
    failedAuths: r.failedAuths,
    /** Which password signed in: 1-based position in the technician's list, 0 the new password. */
    candidate: r.candidate ?? null,
    ms: Math.round(r.ms),
    unlockAt: r.unlockAt !== undefined ? new Date(r.unlockAt).toISOString() : null,
    finishedAt: r.finishedAt !== undefined ? new Date(r.finishedAt).toISOString() : null,
  };
}
export type PublicRow = ReturnType<typeof publicRow>;

export const CSV_COLUMNS = [
  'xaddr', 'username', 'deviceId', 'outcome', 'subcode', 'detail', 'nextStep', 'attempts', 'failedAuths', 'candidate', 'ms', 'unlockAt', 'finishedAt',
] as const satisfies readonly (keyof PublicRow)[];

/**
 * RFC 4180 cell. Cells a spreadsheet would run as a formula are prefixed with
 * a quote, because device names and fault texts come from hostile devices.
 */
export function csvCell(value: unknown): string {
  let s = value === null || value === undefined ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One NVR channel after closing the loop (main/site), as reports show it: never a password. */
export interface ReportChannel {
  channel: number;
  address?: string;
  outcome?: ChannelOutcome;
  detail: string;
}

export const CHANNEL_CSV_COLUMNS = ['channel', 'address', 'outcome', 'label', 'detail', 'nextStep'] as const;

function channelCells(c: ReportChannel): Record<(typeof CHANNEL_CSV_COLUMNS)[number], unknown> {
  const info = c.outcome ? CHANNEL_OUTCOMES[c.outcome] : undefined;
  return { channel: c.channel, address: c.address ?? '', outcome: c.outcome ?? 'pending', label: info?.label ?? 'Not decided', detail: c.detail, nextStep: info?.nextStep ?? '' };
}

/** The cameras; then, after a blank line, the site summary and the NVR's channel table when the loop was closed. */
export function toCsv(rows: SyncRow[], channels?: readonly ReportChannel[]): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const r of rows) {
    const p = publicRow(r);
    lines.push(CSV_COLUMNS.map((c) => csvCell(p[c])).join(','));
  }
  if (channels?.length) {
    lines.push('', csvCell(channelSummary(channels)), CHANNEL_CSV_COLUMNS.join(','));
    for (const c of channels) {
      const cells = channelCells(c);
      lines.push(CHANNEL_CSV_COLUMNS.map((k) => csvCell(cells[k])).join(','));
    }
  }
  return lines.join('\r\n') + '\r\n';
}

function channelSummary(channels: readonly ReportChannel[]): string {
  return siteSummary(channels.map((c) => c.outcome ?? 'skipped'));
}

/** Minimal RFC 4180 parser, so tests (and the e2e) read back exactly what was written. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  const endRow = () => {
    row.push(cell);
    rows.push(row);
    row = [];
    cell = '';
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      endRow();
    } else cell += ch;
  }
  if (cell !== '' || row.length) endRow();
  return rows;
}

/** The camera rows; with the NVR's channels, an object of cameras, channels and the site summary. */
export function toJsonReport(rows: SyncRow[], channels?: readonly ReportChannel[]): string {
  if (!channels?.length) return JSON.stringify(rows.map(publicRow), null, 2) + '\n';
  return JSON.stringify({ summary: channelSummary(channels), cameras: rows.map(publicRow), channels: channels.map(channelCells) }, null, 2) + '\n';
}

function esc(s: unknown): string {
  return String(s ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export interface HtmlReportMeta {
  runId: string;
  startedAt: number;
  finishedAt?: number;
  /** Header: where and for what (all optional; main's PDF path may know only the run). */
  site?: string;
  nvr?: { model?: string; serial?: string; address?: string };
  /** The reset case's name ("NV4108-HS · S/N … · 192.168.1.10"). */
  caseName?: string;
  /** IANA zone the times are shown in: the technician's own (default: this machine's). */
  timeZone?: string;
  generatedAt?: number;
  /** What the inventory knows of each device, by device-service URL (names, not just URLs). */
  devices?: Record<string, { name?: string; model?: string; serial?: string; mac?: string }>;
  /** The NVR's channels after closing the loop. */
  channels?: readonly ReportChannel[];
}

/** "25 Nov 2026, 21:02:11 CET": the technician's local time with its zone, never bare UTC. */
export function localTime(ms: number, timeZone?: string): string {
  try {
    return new Intl.DateTimeFormat('en-GB', {
      year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false, timeZoneName: 'short', timeZone,
    }).format(new Date(ms));
  } catch {
    // An unknown zone name: fall back to this machine's zone rather than fail the report.
    return localTime(ms);
  }
}

function channelsHtml(channels: readonly ReportChannel[] | undefined): string {
  if (!channels?.length) return '';
  const body = channels
    .map((c) => {
      const x = channelCells(c);
      return `<tr class="o-${esc(x.outcome)}"><td>${esc(x.channel)}</td><td>${esc(x.address)}</td><td>${esc(x.label)}</td><td>${esc(x.detail)}</td><td>${esc(x.nextStep)}</td></tr>`;
    })
    .join('\n');
  return `<h2>NVR channels: ${esc(channelSummary(channels))}</h2>
<table aria-label="NVR channels"><thead><tr><th>Channel</th><th>Camera address</th><th>Outcome</th><th>Detail</th><th>Next step</th></tr></thead>
<tbody>
${body}
</tbody></table>
<h2>Cameras</h2>`;
}

/** A standalone printable page (the Electron host may turn it into a PDF). No scripts. */
export function toHtmlReport(rows: SyncRow[], meta: HtmlReportMeta): string {
  const zone = meta.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  const t = (ms: number) => esc(localTime(ms, zone));
  const summary = tally(rows).map((x) => `<li>${esc(x.label)}: ${x.count}</li>`).join('');
  const body = rows
    .map((r) => {
      const p = publicRow(r);
      const d = meta.devices?.[r.xaddr];
      const who = [d?.model && d.model !== d.name ? d.model : undefined, d?.serial && `S/N ${d.serial}`, d?.mac && `MAC ${d.mac}`].filter(Boolean).join(' · ');
      const name = `<b>${esc(d?.name ?? d?.model ?? 'Camera typed by hand')}</b>${who ? `<br><small>${esc(who)}</small>` : ''}<br><small>${esc(p.xaddr)}</small>`;
      return `<tr class="o-${esc(p.outcome)}"><td>${name}</td><td>${esc(p.username)}</td><td>${esc(OUTCOMES[p.outcome].label)}${p.subcode ? ` (${esc(p.subcode)})` : ''}</td><td>${esc(p.detail)}</td><td>${esc(p.nextStep)}</td><td>${r.finishedAt !== undefined ? t(r.finishedAt) : '—'}</td><td>${p.failedAuths}</td></tr>`;
    })
    .join('\n');
  const nvr = meta.nvr ? [meta.nvr.model, meta.nvr.serial && `S/N ${meta.nvr.serial}`, meta.nvr.address].filter(Boolean).join(' · ') : '';
  const header = [
    ['Site', meta.site],
    ['NVR', nvr || undefined],
    ['Reset case', meta.caseName],
    ['Run', `${meta.runId}`],
    ['Started', t(meta.startedAt)],
    ['Finished', meta.finishedAt !== undefined ? t(meta.finishedAt) : 'not finished'],
    ['Times shown in', zone],
    ['Report made', meta.generatedAt !== undefined ? t(meta.generatedAt) : undefined],
  ]
    .filter(([, v]) => v)
    .map(([k, v]) => `<tr><th>${esc(k)}</th><td>${k === 'Started' || k === 'Finished' || k === 'Report made' ? v : esc(v)}</td></tr>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Camera password sync report ${esc(meta.runId)}</title>
<style>body{font:12px sans-serif;margin:1.5cm}table{border-collapse:collapse;width:100%}td,th{border:1px solid #999;padding:3px;text-align:left;vertical-align:top}table.head{width:auto;margin-bottom:1em}table.head th{background:#f3f3f3}tr.o-updated td,tr.o-already-current td,tr.o-recording td{background:#eef8ee}small{color:#444}@media print{tr{page-break-inside:avoid}}</style>
</head><body>
<h1>Camera password sync report</h1>
<table class="head" aria-label="Report header">${header}</table>
<p><b>${esc(tallyLine(rows))}</b> — ${rows.length} camera(s). No passwords are included in this report.</p>
<ul>${summary}</ul>
${channelsHtml(meta.channels)}
<table><thead><tr><th>Camera</th><th>User</th><th>Outcome</th><th>Detail</th><th>Next step</th><th>Finished</th><th>Sign-ins refused</th></tr></thead>
<tbody>
${body}
</tbody></table>
</body></html>
`;
}

/**
 * The at-a-glance line of a run: how many rows ended in each outcome, in the
 * order of the OUTCOMES table (successes first), with rows still going as
 * "pending". Generic over OUTCOMES, so an outcome added there shows up here.
 */
export function tally(rows: readonly Pick<SyncRow, 'outcome'>[]): { outcome: SyncOutcome | 'pending'; label: string; count: number; success: boolean }[] {
  const counts = new Map<SyncOutcome | 'pending', number>();
  for (const r of rows) counts.set(r.outcome ?? 'pending', (counts.get(r.outcome ?? 'pending') ?? 0) + 1);
  const order = (Object.keys(OUTCOMES) as SyncOutcome[]).sort((a, b) => Number(OUTCOMES[b].success) - Number(OUTCOMES[a].success));
  const out: { outcome: SyncOutcome | 'pending'; label: string; count: number; success: boolean }[] = order
    .filter((o) => counts.has(o))
    .map((o) => ({ outcome: o, label: OUTCOMES[o].label.toLowerCase(), count: counts.get(o)!, success: OUTCOMES[o].success }));
  if (counts.has('pending')) out.push({ outcome: 'pending', label: 'in progress', count: counts.get('pending')!, success: false });
  return out;
}

/** "8 updated · 1 already current · 1 unreachable" */
export function tallyLine(rows: readonly Pick<SyncRow, 'outcome'>[]): string {
  return tally(rows)
    .map((t) => `${t.count} ${t.label}`)
    .join(' · ');
}
