import { z } from 'zod';
import { call, event } from './define';
import { ReportFormat, SyncRow } from '../sync/report';
import { SyncTarget } from '../sync/target';

// Camera password sync. Owned by the camera-sync feature (issue 5).

// One target type for the whole feature: common/sync/target.ts.
export const SyncPassword = z.string().min(1).max(128);

export const SyncStartInput = z
  .object({
    targets: z.array(SyncTarget).min(1).max(5000),
    /** Passwords the cameras may hold now, tried in order within the lockout budget. */
    currentPasswords: z.array(SyncPassword).min(1).max(5),
    newPassword: SyncPassword.optional(),
    /** Take the new password from this reset case's keychain entry instead. */
    caseId: z.string().min(1).max(200).optional(),
    concurrency: z.number().int().min(1).max(256).optional(),
    maxFailedAuthsPerDevice: z.number().int().min(1).max(5).optional(),
  })
  .refine((v) => (v.newPassword === undefined) !== (v.caseId === undefined), 'give exactly one of newPassword or caseId');
export type SyncStartInput = z.infer<typeof SyncStartInput>;

export const SyncRunState = z.object({
  runId: z.string(),
  startedAt: z.number(),
  finishedAt: z.number().optional(),
  running: z.boolean(),
  concurrency: z.number(),
  maxFailedAuthsPerDevice: z.number(),
  /** Main still holds this run's passwords in memory (retry needs no re-entry). */
  hasSecrets: z.boolean(),
  rows: z.array(SyncRow),
  /** Said before the run: e.g. more current passwords than the lockout budget lets every camera try. */
  warnings: z.array(z.string()).optional(),
});
export type SyncRunState = z.infer<typeof SyncRunState>;

export const SyncRunSummary = z.object({
  runId: z.string(),
  startedAt: z.number(),
  finishedAt: z.number().optional(),
  devices: z.number(),
  succeeded: z.number(),
  failed: z.number(),
});

const RunRef = z.object({ runId: z.string().max(100).optional() });

export const syncCalls = {
  'sync.start': call(SyncStartInput, z.object({ runId: z.string(), warnings: z.array(z.string()).optional() }), 'Starts pushing a new password to the chosen ONVIF cameras.'),
  'sync.cancel': call(RunRef.optional(), z.object({ cancelled: z.boolean() }), 'Cancels the running sync (in-flight password changes are still verified).'),
  'sync.retryFailed': call(
    RunRef.extend({ currentPasswords: z.array(SyncPassword).min(1).max(5).optional(), newPassword: SyncPassword.optional() }).optional(),
    z.object({ runId: z.string(), retried: z.number() }),
    'Runs the failed devices of a run again, within the same lockout budget.',
  ),
  'sync.status': call(RunRef.optional(), SyncRunState.nullable(), 'The run (latest if no runId) with every device row.'),
  'sync.report': call(
    RunRef.extend({ format: ReportFormat }),
    z.object({ filename: z.string(), mime: z.string(), content: z.string(), encoding: z.enum(['utf8', 'base64']).default('utf8') }),
    'A report of the run, without any password (pdf: base64, desktop app only).',
  ),
  'sync.runs': call(z.void(), z.array(SyncRunSummary), 'Runs recorded in this data folder, newest first.'),
} as const;

export const syncEvents = {
  'sync.progress': event(z.object({ runId: z.string(), rows: z.array(SyncRow) }), 'Device rows whose step or outcome changed.'),
  'sync.finished': event(SyncRunState, 'A run (or a retry) ended.'),
} as const;
